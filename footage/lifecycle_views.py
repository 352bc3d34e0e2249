"""Staff pages for the evidence lifecycle (under /staff/footage/): retention schedule and what
falls due, legal holds, deletion batches, shares with prosecutors, do-not-disclose, case packages
and their verification. They call the same functions as the API: a refusal is a 403 (audited
by the function), an invalid request comes back to the page with the function's message."""

from __future__ import annotations

from functools import wraps

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from incidents.access import get_visible_incident, visible_incidents
from portal.refusals import Refused
from portal.roles import Role, has_role

from . import deletion, packages, retention, sharing
from .access import get_visible_footage, visible_footage
from .lifecycle_api import SCHEDULE_ROLES, package_response
from .lifecycle_errors import LifecycleError, LifecycleRefused
from .models import DeletionBatch, DeletionBatchState

HOLD_VIEW_ROLES = (Role.SUPERVISOR, Role.RELEASE_OFFICER, Role.AUDITOR)
SHARE_VIEW_ROLES = (Role.INVESTIGATOR, Role.SUPERVISOR, Role.AUDITOR)


def _roles(*roles: Role, message: str):
    """Refuse the page to every role not named (403): who may use a page is decided here once."""
    def decorate(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if not has_role(request.user, *roles):
                raise PermissionDenied(message)
            return view(request, *args, **kwargs)
        return wrapper
    return decorate


def _refused(exc: LifecycleRefused):
    raise PermissionDenied(str(exc))


def _change(request: HttpRequest, change, done: str, page: str, **page_kwargs) -> HttpResponse:
    """One lifecycle change posted from a page: a refusal is a 403, an invalid request comes back to
    the page with the function's message, success says `done`."""
    try:
        change()
    except LifecycleRefused as exc:
        _refused(exc)
    except LifecycleError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, done)
    return redirect(page, **page_kwargs)


def lifecycle_context(user, item) -> dict:
    """What the footage page shows of the item's lifecycle: holds, deletion, do-not-disclose."""
    from .models import Tombstone

    return {
        "holds": list(retention.holds_covering(item).select_related("placed_by")),
        "tombstone": Tombstone.objects.filter(footage=item).first(),
        "retention_ends": retention.retention_ends_at(item) if item.deleted_at is None else None,
        "may_mark_do_not_disclose": retention.may_mark_do_not_disclose(user),
        "may_package": packages.may_package(user, item.incident),
    }


# ---- retention ------------------------------------------------------------------------------

@require_http_methods(["GET", "POST"])
@_roles(*SCHEDULE_ROLES, message="Your role does not see the retention schedule.")
def retention_page(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        scope, key = request.POST.get("scope", ""), request.POST.get("key", "")
        return _change(request, lambda: retention.set_retention_period(
            actor=request.user, scope=scope, key=key, days=request.POST.get("days"), request=request),
            "Retention period saved.", "footage:retention")
    return render(request, "footage/lifecycle/retention.html", {
        "rows": retention.schedule(),
        "may_set": retention.may_set_retention(request.user),
        "due": retention.due_soon(request.user) if retention.may_see_due(request.user) else None,
        "may_list_deletion": deletion.may_list_deletion(request.user),
    })


# ---- holds ----------------------------------------------------------------------------------

@require_http_methods(["GET", "POST"])
@_roles(*HOLD_VIEW_ROLES, message="Your role does not see legal holds.")
def holds_page(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        if not retention.may_place_holds(request.user):
            raise PermissionDenied("Only supervisors place legal holds.")
        incident_id, footage_id = request.POST.get("incident", "").strip(), request.POST.get("footage", "").strip()
        incident = get_visible_incident(request.user, incident_id) if incident_id else None
        footage = get_visible_footage(request.user, footage_id) if footage_id and not incident else None
        return _change(request, lambda: retention.place_hold(
            actor=request.user, incident=incident, footage=footage, reason=request.POST.get("reason", ""),
            matter_reference=request.POST.get("matter_reference", ""), request=request),
            "Legal hold placed: nothing it covers will be deleted while it stands.", "footage:holds")
    return render(request, "footage/lifecycle/holds.html", {
        "holds": retention.visible_holds(request.user)[:500],
        "may_place": retention.may_place_holds(request.user),
        "incidents": visible_incidents(request.user).order_by("-pk")[:300] if retention.may_place_holds(request.user) else [],
    })


@require_POST
@_roles(Role.SUPERVISOR, message="Only supervisors lift legal holds.")
def hold_lift(request: HttpRequest, pk: int) -> HttpResponse:
    hold = retention.visible_holds(request.user).filter(pk=pk).first()
    if hold is None:
        raise Http404("No such hold.")
    return _change(request, lambda: retention.lift_hold(hold, actor=request.user, reason=request.POST.get("reason", ""),
                                                        request=request),
                   "Legal hold lifted.", "footage:holds")


@require_POST
@_roles(Role.SUPERVISOR, message="Only supervisors mark footage do-not-disclose.")
def footage_do_not_disclose(request: HttpRequest, pk: int) -> HttpResponse:
    item = get_visible_footage(request.user, pk)
    marked = request.POST.get("value") == "1"
    return _change(request, lambda: retention.set_do_not_disclose(item, actor=request.user, value=marked,
                                                                  reason=request.POST.get("reason", ""), request=request),
                   "Marked do-not-disclose: it will not be shared." if marked else "Do-not-disclose lifted.",
                   "footage:detail", pk=item.pk)


# ---- deletion -------------------------------------------------------------------------------

@require_http_methods(["GET", "POST"])
@_roles(Role.SUPERVISOR, Role.RELEASE_OFFICER, message="Only supervisors and records officers see deletion batches.")
def deletions_page(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        batch = deletion.propose_batch(actor=request.user, request=request)
        if batch is None:
            messages.info(request, "Nothing is due for deletion.")
        else:
            messages.success(request, f"Deletion batch {batch.pk} listed; a records officer must approve it.")
        return redirect("footage:deletions")
    batches = DeletionBatch.objects.select_related("approved_by").prefetch_related("items__footage")[:50]
    return render(request, "footage/lifecycle/deletions.html", {
        "batches": batches, "may_approve": deletion.may_approve_deletion(request.user), "PROPOSED": DeletionBatchState.PROPOSED,
    })


@require_POST
@_roles(Role.RELEASE_OFFICER, message="Only a records officer (release officer) approves deletion.")
def deletion_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    batch = DeletionBatch.objects.filter(pk=pk).first()
    if batch is None:
        raise Http404("No such batch.")
    decide = deletion.approve_batch if action == "approve" else deletion.cancel_batch
    return _change(request, lambda: decide(batch, actor=request.user, request=request),
                   "Batch approved: its footage is being deleted." if action == "approve" else "Batch cancelled.",
                   "footage:deletions")


# ---- shares ---------------------------------------------------------------------------------

@require_http_methods(["GET", "POST"])
@_roles(*SHARE_VIEW_ROLES, message="Your role does not see shares.")
def shares_page(request: HttpRequest) -> HttpResponse:
    incident = None
    if request.method == "POST" or request.GET.get("incident"):
        incident = get_visible_incident(request.user, request.POST.get("incident") or request.GET.get("incident"))
    link = None
    if request.method == "POST":
        try:
            share, token = sharing.create_share(
                actor=request.user, incident=incident, items=request.POST.getlist("items"),
                recipient_name=request.POST.get("recipient_name", ""), recipient_email=request.POST.get("recipient_email", ""),
                recipient_organisation=request.POST.get("recipient_organisation", ""), days=request.POST.get("days") or None,
                request=request)
        except LifecycleRefused as exc:
            _refused(exc)
        except (LifecycleError, ValueError) as exc:
            messages.error(request, str(exc))
        else:
            link = request.build_absolute_uri(f"/share/{token}/")
            messages.success(request, f"Shared with {share.recipient_name}. Send them the link below; it is shown only now.")
    may_share = incident is not None and sharing.may_share(request.user, incident)
    items = visible_footage(request.user).filter(incident=incident, deleted_at__isnull=True) if may_share else []
    return render(request, "footage/lifecycle/shares.html", {
        "shares": sharing.visible_shares(request.user).prefetch_related("items")[:200], "incident": incident,
        "may_share": may_share, "items": items, "link": link, "default_days": sharing.link_days(),
    }, status=400 if request.method == "POST" and link is None else 200)


@require_POST
@_roles(Role.INVESTIGATOR, Role.SUPERVISOR, message="Only the case's investigator or a supervisor revokes its shares.")
def share_revoke(request: HttpRequest, public_id) -> HttpResponse:
    share = sharing.visible_shares(request.user).filter(public_id=public_id).first()
    if share is None:
        raise Http404("No such share.")
    return _change(request, lambda: sharing.revoke_share(share, actor=request.user, request=request),
                   "Link revoked: it no longer opens.", "footage:shares")


# ---- packages -------------------------------------------------------------------------------

@require_GET
def case_package(request: HttpRequest, incident_id: int) -> HttpResponse:
    incident = get_visible_incident(request.user, incident_id)
    try:
        return package_response(incident, request.user, request)
    except LifecycleRefused as exc:
        _refused(exc)
    except Refused as exc:
        messages.error(request, exc.message)
        return redirect(incident.get_absolute_url())


@require_http_methods(["GET", "POST"])
@_roles(*packages.PACKAGE_ROLES, message="Only investigators, supervisors and auditors verify case packages.")
def package_verify_page(request: HttpRequest) -> HttpResponse:
    report = None
    if request.method == "POST":
        upload = request.FILES.get("package")
        if upload is None:
            messages.error(request, "Choose the package (.zip) to check.")
        else:
            report = packages.verify_package(upload)
    return render(request, "footage/lifecycle/package_verify.html", {"report": report})
