from django.conf import settings
from django.contrib.auth import views as auth_views
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render

from portal.audit import record_event
from portal.models import AuditOutcome


class SignInView(auth_views.LoginView):
    template_name = "registration/login.html"
    redirect_authenticated_user = True

    def form_valid(self, form):
        response = super().form_valid(form)
        record_event(actor=form.get_user(), action="auth.signed_in", target=form.get_user(), request=self.request)
        return response

    def form_invalid(self, form):
        username = (self.request.POST.get("username") or "")[:64]
        record_event(
            actor=None,
            action="auth.sign_in_refused",
            object_type="auth.user",
            object_id=username,
            outcome=AuditOutcome.REFUSED,
            request=self.request,
        )
        return super().form_invalid(form)


class SignOutView(auth_views.LogoutView):
    def post(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            record_event(actor=request.user, action="auth.signed_out", target=request.user, request=request)
        return super().post(request, *args, **kwargs)


def locked_out(request: HttpRequest, response=None, credentials=None) -> HttpResponse:
    """What Axes answers once an account has too many failed sign-ins."""
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    username = (credentials or {}).get("username") or request.POST.get("username", "")
    record_event(
        actor=None,
        action="auth.locked_out",
        object_type="auth.user",
        object_id=str(username)[:64],
        outcome=AuditOutcome.REFUSED,
        request=request,
    )
    message = (
        f"Too many failed sign-in attempts. This account is locked for {minutes} minutes. "
        "Try again later, or ask an administrator to unlock it."
    )
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": message}, status=429)
    return render(request, "registration/locked_out.html", {"message": message, "minutes": minutes}, status=429)
