"""The staff accounts page: administrators create accounts, change roles (a second administrator
confirms each role given), deactivate, reset a second factor and revoke API tokens. Every change
goes through `portal.accounts` or `portal.mfa`; a refused one answers with the page and its status."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Exists, OuterRef
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_otp.plugins.otp_totp.models import TOTPDevice

from portal import accounts, mfa
from portal.audit import record_event
from portal.models import AuditOutcome, RoleGrantRequest
from portal.forms import uswds_widgets
from portal.roles import ROLE_DESCRIPTIONS, Role, has_role

ROLE_CHOICES = [(r.value, r.label) for r in Role]


class NewAccountForm(forms.Form):
    username = forms.CharField(max_length=accounts.USERNAME_MAX)
    first_name = forms.CharField(max_length=150, required=False)
    last_name = forms.CharField(max_length=150, required=False)
    email = forms.EmailField(required=False)
    password = forms.CharField(widget=forms.PasswordInput(render_value=False), strip=False, max_length=200,
                               help_text="At least 12 characters, not a common password. Give it to the person in private.")
    roles = forms.MultipleChoiceField(choices=ROLE_CHOICES, required=False, widget=forms.CheckboxSelectMultiple,
                                      help_text="Each role waits for a second administrator to confirm it.")


class RolesForm(forms.Form):
    roles = forms.MultipleChoiceField(choices=ROLE_CHOICES, required=False, widget=forms.CheckboxSelectMultiple,
                                      label="Roles")
    reason = forms.CharField(max_length=accounts.REASON_MAX, required=False, widget=forms.Textarea(attrs={"rows": 2}))


class ReasonForm(forms.Form):
    reason = forms.CharField(max_length=accounts.REASON_MAX, required=False, widget=forms.Textarea(attrs={"rows": 2}))


def _require_admin(request: HttpRequest) -> None:
    if not has_role(request.user, Role.ADMIN):
        record_event(actor=request.user, action="accounts.viewed", object_type="auth.user", outcome=AuditOutcome.REFUSED,
                     request=request, detail={"status": 403})
        raise PermissionDenied("Only administrators manage accounts.")


def _accounts():
    return (
        User.objects.order_by("username")
        .annotate(mfa_enrolled=Exists(TOTPDevice.objects.filter(user=OuterRef("pk"), confirmed=True)))
        .prefetch_related("groups")
    )


def _account(pk) -> User:
    try:
        return _accounts().get(pk=int(pk))
    except (User.DoesNotExist, TypeError, ValueError):
        raise Http404("No such account.") from None


def _role_labels(user: User) -> list[str]:
    valid = {r.value: r for r in Role}
    return [valid[g.name].label for g in user.groups.all() if g.name in valid]


def _list_context(request: HttpRequest, **overrides) -> dict:
    people = list(_accounts())
    for person in people:
        person.role_labels = _role_labels(person)
    context = {
        "accounts": people,
        "pending": accounts.pending_grants(),
        "new_form": uswds_widgets(NewAccountForm()),
        "role_labels": dict(ROLE_CHOICES),
    }
    context.update(overrides)
    return context


@login_required
@require_GET
def account_list(request: HttpRequest) -> HttpResponse:
    _require_admin(request)
    return render(request, "staff/accounts/list.html", _list_context(request))


@login_required
@require_http_methods(["GET", "POST"])
def account_new(request: HttpRequest) -> HttpResponse:
    _require_admin(request)
    if request.method == "GET":
        return redirect("accounts:list")
    form = NewAccountForm(request.POST)
    status = 400
    if form.is_valid():
        data = form.cleaned_data
        try:
            user, grants = accounts.create_account(
                actor=request.user, username=data["username"], password=data["password"], email=data["email"],
                first_name=data["first_name"], last_name=data["last_name"], roles=data["roles"], request=request,
            )
        except accounts.AccountRefused as refusal:
            form.add_error(refusal.field if refusal.field in form.fields else None, refusal.message)
            status = refusal.status
        except ValidationError as error:
            form.add_error("password", error.messages)
        except ValueError as error:
            form.add_error("username", str(error))
        else:
            waiting = f"; {len(grants)} role{'s' if len(grants) != 1 else ''} wait for a second administrator" if grants else ""
            messages.success(request, f"Account {user.username} created{waiting}.")
            return redirect("accounts:detail", pk=user.pk)
    return render(request, "staff/accounts/list.html", _list_context(request, new_form=uswds_widgets(form)), status=status)


def _detail_context(request: HttpRequest, account: User, **overrides) -> dict:
    held = [g.name for g in account.groups.all()]
    context = {
        "account": account,
        "role_labels_held": _role_labels(account),
        "roles_form": uswds_widgets(RolesForm(initial={"roles": held}, prefix="roles")),
        "roles_help": [(r.value, r.label, ROLE_DESCRIPTIONS[r]) for r in Role],
        "pending": accounts.pending_grants().filter(user=account),
        "history": RoleGrantRequest.objects.filter(user=account).exclude(state="pending")
        .select_related("requested_by", "decided_by").order_by("-id")[:20],
        "is_self": account.pk == request.user.pk,
        "error": None,
    }
    context.update(overrides)
    return context


@login_required
@require_GET
def account_detail(request: HttpRequest, pk: int) -> HttpResponse:
    _require_admin(request)
    return render(request, "staff/accounts/detail.html", _detail_context(request, _account(pk)))


def _refused(request: HttpRequest, account: User, refusal: accounts.AccountRefused, **context) -> HttpResponse:
    return render(request, "staff/accounts/detail.html",
                  _detail_context(request, _account(account.pk), error=refusal.message, **context), status=refusal.status)


@login_required
@require_POST
def account_roles(request: HttpRequest, pk: int) -> HttpResponse:
    _require_admin(request)
    account = _account(pk)
    form = RolesForm(request.POST, prefix="roles")
    if not form.is_valid():
        return render(request, "staff/accounts/detail.html",
                      _detail_context(request, account, roles_form=uswds_widgets(form), error="Choose roles from the list."), status=400)
    try:
        grants = accounts.set_roles(user=account, roles=form.cleaned_data["roles"], acting_user=request.user,
                                    reason=form.cleaned_data["reason"], request=request)
    except accounts.AccountRefused as refusal:
        return _refused(request, account, refusal)
    if grants:
        messages.success(request, "Roles saved. " + ", ".join(Role(g.role).label for g in grants)
                         + " wait for a second administrator to confirm.")
    else:
        messages.success(request, "Roles saved.")
    return redirect("accounts:detail", pk=account.pk)


def _account_change(request: HttpRequest, pk: int, change, done) -> HttpResponse:
    """An administrator's change to one account: refused changes show the account page again with why."""
    _require_admin(request)
    account = _account(pk)
    try:
        change(account)
    except accounts.AccountRefused as refusal:
        return _refused(request, account, refusal)
    messages.success(request, done(account))
    return redirect("accounts:detail", pk=account.pk)


@login_required
@require_POST
def account_active(request: HttpRequest, pk: int) -> HttpResponse:
    active = request.POST.get("active") == "1"
    return _account_change(
        request, pk,
        lambda account: accounts.set_active(actor=request.user, user=account, active=active,
                                            reason=request.POST.get("reason", "")[:2000], request=request),
        lambda account: f"{account.username} {'reactivated' if active else 'deactivated'}.")


@login_required
@require_POST
def account_mfa_reset(request: HttpRequest, pk: int) -> HttpResponse:
    return _account_change(
        request, pk, lambda account: mfa.reset_mfa(actor=request.user, user=account),
        lambda account: f"{account.username}'s second factor was reset: they enrol again when they next sign in.")


@login_required
@require_POST
def account_tokens_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    return _account_change(
        request, pk, lambda account: mfa.revoke_api_tokens(actor=request.user, user=account),
        lambda account: f"{account.username}'s API tokens were revoked.")


def _grant(pk) -> RoleGrantRequest:
    try:
        return RoleGrantRequest.objects.select_related("user", "requested_by").get(pk=int(pk))
    except (RoleGrantRequest.DoesNotExist, TypeError, ValueError):
        raise Http404("No such request.") from None


@login_required
@require_POST
def grant_decide(request: HttpRequest, pk: int, decision: str) -> HttpResponse:
    _require_admin(request)
    grant = _grant(pk)
    form = ReasonForm(request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    try:
        if decision == "confirm":
            accounts.confirm_role_grant(actor=request.user, grant=grant, request=request)
        else:
            accounts.refuse_role_grant(actor=request.user, grant=grant, reason=reason, request=request)
    except accounts.AccountRefused as refusal:
        return _refused(request, grant.user, refusal)
    label = Role(grant.role).label
    messages.success(request, f"{label} for {grant.user.username} {'confirmed' if decision == 'confirm' else 'refused'}.")
    if request.POST.get("next") == "list":
        return redirect("accounts:list")
    return redirect("accounts:detail", pk=grant.user_id)
