from django.conf import settings
from django.contrib.auth.middleware import LoginRequiredMiddleware as DjangoLoginRequiredMiddleware
from django.contrib.auth.views import redirect_to_login
from django.utils.cache import add_never_cache_headers
from django.shortcuts import redirect
from portal.mfa import has_second_factor


class StaffAreaRequiresSecondFactorMiddleware:
    """Staff pages and the admin site need a session verified with a second factor.

    The admin site's own sign-in form knows nothing of codes, so it is never shown: everyone signs
    in at /accounts/login/. (The API checks the same in VerifiedSessionAuthentication.)
    """

    prefixes = ("/staff/", "/admin/")

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not request.path.startswith(self.prefixes):
            return self.get_response(request)
        user = request.user
        if not user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if settings.MFA_REQUIRED and not user.is_verified():
            if not has_second_factor(user):
                return redirect("mfa-enrol")
            return redirect_to_login(request.get_full_path())
        return self.get_response(request)


class PrivateResponsesAreNotStoredMiddleware:
    """Staff pages, the staff API and evidence downloads carry `Cache-Control: no-store`.

    Whatever a view set is tightened, never loosened: a shared computer's browser cache or a proxy
    must not keep a case page or a frame of unredacted footage. The public site (everything else,
    including /api/public/) keeps the caching its views chose.
    """

    private_prefixes = ("/staff/", "/api/", "/admin/", "/accounts/", "/share/")
    public_prefixes = ("/api/public/",)

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if self.is_private(request.path):
            add_never_cache_headers(response)
        return response

    def is_private(self, path: str) -> bool:
        return path.startswith(self.private_prefixes) and not path.startswith(self.public_prefixes)


class LoginRequiredMiddleware(DjangoLoginRequiredMiddleware):
    """Django's, asking the view before the session: a public view must not read the session, or
    its response would vary on Cookie and no CDN could keep it for everyone."""

    def process_view(self, request, view_func, view_args, view_kwargs):
        if not getattr(view_func, "login_required", True):
            return None
        return super().process_view(request, view_func, view_args, view_kwargs)
