from django.urls import path

from portal.views import transparency

urlpatterns = [
    path("", transparency.log_overview, name="log"),
    path("entries", transparency.log_entries, name="log-entries"),
    path("sth", transparency.log_tree_head, name="log-sth"),
    path("proof/inclusion", transparency.log_inclusion_proof, name="log-inclusion"),
    path("proof/consistency", transparency.log_consistency_proof, name="log-consistency"),
]
