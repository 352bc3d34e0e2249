from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from portal.api import ObtainTokenView
from portal.views import auth, home
from public import views as public_site

handler404 = "portal.api.page_not_found"

admin.site.site_header = "Portal administration"
admin.site.site_title = "Portal administration"

urlpatterns = [
    path("", public_site.home, name="public-home"),
    path("healthz/", home.healthz, name="healthz"),
    path("accounts/login/", auth.SignInView.as_view(), name="login"),
    path("accounts/logout/", auth.SignOutView.as_view(), name="logout"),
    path("staff/", home.staff_home, name="staff-home"),
    path("staff/worker-check/", home.check_worker, name="worker-check"),
    path("api/auth/token/", ObtainTokenView.as_view(), name="api-token"),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
    path("admin/", admin.site.urls),
    path("staff/incidents/", include("incidents.urls")),
    path("staff/footage/", include("footage.urls")),
    path("staff/releases/", include("releases.urls")),
    path("api/", include("incidents.api_urls")),
    path("api/", include("footage.api_urls")),
    path("api/", include("releases.api_urls")),
    path("", include("public.urls")),
]
