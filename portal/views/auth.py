import io

from django import forms
from django.conf import settings
from django.contrib.auth import signals as auth_signals
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required, login_required
from django.contrib.auth.forms import AuthenticationForm
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.decorators import method_decorator
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods
import django_otp
import segno

from portal import mfa
from portal.audit import record_event
from portal.models import AuditOutcome
from portal.refusals import error_body


class SignInForm(AuthenticationForm):
    """Username, password and the second factor on one form, as django-otp's own form has it.

    Someone with no authenticator yet signs in with the password alone and is sent to enrol
    before any staff page opens (the middleware sees the session is not verified)."""

    otp_token = forms.CharField(
        required=False, max_length=32, label="Code from your authenticator app, or a recovery code"
    )

    error_messages = {
        **AuthenticationForm.error_messages,
        "otp_required": "Enter the six-digit code from your authenticator app (or a recovery code).",
        "otp_invalid": "That code is not right. Enter the newest code from your authenticator app.",
    }

    def clean(self):
        cleaned = super().clean()
        user = self.get_user()
        if user is None or not mfa.has_second_factor(user):
            return cleaned
        code = cleaned.get("otp_token") or ""
        device = mfa.verify_code(user, code) if code else None
        if device is None:
            # Counts as a failed sign-in, so Axes' limits apply to guessing codes too.
            auth_signals.user_login_failed.send(
                sender=__name__, credentials={"username": user.get_username()}, request=self.request
            )
            raise forms.ValidationError(
                self.error_messages["otp_invalid" if code else "otp_required"],
                code="otp_invalid" if code else "otp_required",
            )
        # django_otp's user_logged_in receiver stores this device in the session: it is verified.
        user.otp_device = device
        return cleaned


def is_verified(user) -> bool:
    return bool(getattr(user, "is_verified", None) and user.is_verified())


@method_decorator(login_not_required, name="dispatch")  # dispatch is overridden: the mark on LoginView's is lost
class SignInView(auth_views.LoginView):
    template_name = "registration/login.html"
    form_class = SignInForm

    def dispatch(self, request, *args, **kwargs):
        # Only a verified session skips the form; a password-only one still needs its code.
        if request.user.is_authenticated and (is_verified(request.user) or not settings.MFA_REQUIRED):
            return redirect(self.get_success_url())
        return super().dispatch(request, *args, **kwargs)

    def form_valid(self, form):
        response = super().form_valid(form)
        user = form.get_user()
        record_event(actor=user, action="auth.signed_in", target=user, request=self.request,
                     detail={"second_factor": getattr(user, "otp_device", None) is not None})
        if settings.MFA_REQUIRED and not mfa.has_second_factor(user):
            return redirect("mfa-enrol")
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


@method_decorator(login_not_required, name="dispatch")
class SignOutView(auth_views.LogoutView):
    def post(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            # A token taken out during the session dies with it.
            mfa.revoke_api_tokens(actor=request.user, user=request.user, request=request)
            record_event(actor=request.user, action="auth.signed_out", target=request.user, request=request)
        return super().post(request, *args, **kwargs)


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def enrol(request: HttpRequest) -> HttpResponse:
    """First sign-in without an authenticator: show the secret, confirm one code, show the
    recovery codes once. Someone who already has one signs in with it instead."""
    if mfa.has_second_factor(request.user):
        return redirect("staff-home" if is_verified(request.user) else "login")
    device = mfa.pending_totp_device(request.user)
    error = ""
    if request.method == "POST":
        try:
            device, codes = mfa.confirm_enrolment(user=request.user, code=request.POST.get("otp_token", ""), request=request)
        except mfa.MFAError as exc:
            error = str(exc)
        else:
            django_otp.login(request, device)
            return render(request, "registration/mfa_recovery_codes.html", {"codes": codes})
    context = {"secret": mfa.hex_to_base32(device.key), "error": error}
    return render(request, "registration/mfa_enrol.html", context, status=400 if error else 200)


@never_cache
@login_required
def enrol_qr(request: HttpRequest) -> HttpResponse:
    """The pending secret as a QR code, an image of its own so the page needs no inline data."""
    if mfa.has_second_factor(request.user):
        return HttpResponse(status=404)
    device = mfa.pending_totp_device(request.user)
    svg = io.BytesIO()
    segno.make(mfa.provisioning_uri(device), error="m").save(svg, kind="svg", scale=5, title="Authenticator QR code")
    return HttpResponse(svg.getvalue(), content_type="image/svg+xml")


def locked_out(request: HttpRequest, response=None, credentials=None) -> HttpResponse:
    """What Axes answers after too many failed sign-ins. It says nothing about the account: the
    attempts may be someone else's, and the account may well be fine from another address."""
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
        f"Too many failed sign-in attempts. Wait {minutes} minutes and try again, "
        "or ask an administrator for help."
    )
    if request.path.startswith("/api/"):
        return JsonResponse(error_body(message, "locked_out"), status=429)
    return render(request, "registration/locked_out.html", {"message": message, "minutes": minutes}, status=429)
