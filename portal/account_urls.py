"""The staff accounts page (administrators only), under /staff/accounts/."""

from django.urls import path

from portal.views import accounts

app_name = "accounts"

urlpatterns = [
    path("", accounts.account_list, name="list"),
    path("new/", accounts.account_new, name="new"),
    path("<int:pk>/", accounts.account_detail, name="detail"),
    path("<int:pk>/roles/", accounts.account_roles, name="roles"),
    path("<int:pk>/active/", accounts.account_active, name="active"),
    path("<int:pk>/mfa-reset/", accounts.account_mfa_reset, name="mfa-reset"),
    path("<int:pk>/tokens-revoke/", accounts.account_tokens_revoke, name="tokens-revoke"),
    path("grants/<int:pk>/confirm/", accounts.grant_decide, {"decision": "confirm"}, name="grant-confirm"),
    path("grants/<int:pk>/refuse/", accounts.grant_decide, {"decision": "refuse"}, name="grant-refuse"),
]
