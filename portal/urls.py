from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from portal.api import ObtainTokenView
from portal.audit_api import AuditEventListView
from portal.views import audit, auth, checkpoints, home
from public import views as public_site
from releases.public_views import content_credentials_root

handler404 = "portal.api.page_not_found"

admin.site.site_header = "Portal administration"
admin.site.site_title = "Portal administration"

urlpatterns = [
    path("", public_site.home, name="public-home"),
    path("healthz/", home.healthz, name="healthz"),
    path("accounts/login/", auth.SignInView.as_view(), name="login"),
    path("accounts/logout/", auth.SignOutView.as_view(), name="logout"),
    path("accounts/mfa/enrol/", auth.enrol, name="mfa-enrol"),
    path("accounts/mfa/enrol/qr.svg", auth.enrol_qr, name="mfa-enrol-qr"),
    path("staff/", home.staff_home, name="staff-home"),
    path("staff/worker-check/", home.check_worker, name="worker-check"),
    path("staff/accounts/", include("portal.account_urls")),
    path("staff/audit/", audit.audit_trail, name="audit"),
    path("staff/audit/export.csv", audit.audit_export, name="audit-export"),
    path("staff/audit/verify/", audit.audit_verify, name="audit-verify"),
    path("api/audit/events/", AuditEventListView.as_view(), name="api-audit-events"),
    path("api/auth/token/", ObtainTokenView.as_view(), name="api-token"),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    # The split view serves Swagger UI's init script from its own URL: no inline script (CSP).
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema", template_name="portal/api_docs.html"), name="api-docs"),
    path("admin/", admin.site.urls),
    path("staff/incidents/", include("incidents.urls")),
    path("staff/footage/", include("footage.urls")),
    path("staff/releases/", include("releases.urls")),
    path("api/", include("incidents.api_urls")),
    path("api/", include("footage.api_urls")),
    path("api/", include("releases.api_urls")),
    path("audit/checkpoints/", checkpoints.checkpoint_list, name="audit-checkpoints"),
    path("audit/checkpoints.json", checkpoints.checkpoints_json, name="audit-checkpoints-json"),
    path(".well-known/audit-checkpoint-key.pem", checkpoints.checkpoint_public_key_pem, name="audit-checkpoint-key"),
    path("share/", include("footage.share_urls")),
    path(".well-known/content-credentials-root.pem", content_credentials_root, name="content-credentials-root"),
    path("log/", include("portal.transparency_urls")),
    path("", include("public.urls")),
]
