"""The release workflow: one table of transitions and one function that applies them.

    requested -> redacting -> in_review -> approved -> published
                    ^            |  \\           \\          |
                    +- rerender -+   withheld <--+--------+ withdraw

`apply_release_transition` is the only writer of `Release.state` and of sign-offs. It checks the
actor's role and object access, the transition, the two-person rule (`releases.signoff`) and each
action's preconditions, locks the row, changes it and writes the audit event in one transaction.
"approve" is one officer's sign-off: the second, from a different officer, approves the release.
A refused attempt raises and is itself audited (outcome "refused") outside the rolled-back
transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth.models import User
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils import timezone

from portal.audit import record_event
from portal.refusals import audit_refusal
from portal.roles import Role, has_role
from public.data_version import public_data_changed

from . import access, signoff
from .errors import ReleaseError, ReleaseForbidden, ReleaseRefused
from .models import RedactionMode, Release, ReleaseState, RenderJob, RenderState, SignOff, WithholdGround

S = ReleaseState
SYSTEM = None  # transitions only the render job takes; no person may


@dataclass(frozen=True)
class Transition:
    sources: tuple[str, ...]
    target: str
    roles: tuple[Role, ...] | None
    label: str


TRANSITIONS: dict[str, Transition] = {
    "start_redaction": Transition((S.REQUESTED,), S.REDACTING, SYSTEM, "Start redaction"),
    "finish_redaction": Transition((S.REDACTING,), S.IN_REVIEW, SYSTEM, "Finish redaction"),
    "rerender": Transition((S.IN_REVIEW, S.REDACTING), S.REDACTING, (Role.RELEASE_OFFICER,), "Re-render"),
    # A release approved before two sign-offs were required takes its second one while approved.
    "approve": Transition((S.IN_REVIEW, S.APPROVED), S.APPROVED, (Role.RELEASE_OFFICER,), "Approve"),
    "withhold": Transition((S.IN_REVIEW, S.APPROVED), S.WITHHELD, (Role.RELEASE_OFFICER,), "Withhold"),
    "publish": Transition((S.APPROVED,), S.PUBLISHED, (Role.RELEASE_OFFICER,), "Publish"),
    # Taking a published file down (a court order, a face found visible) is withholding it from then
    # on, with its ground; a supervisor may too, since a seal cannot wait for a release officer.
    "withdraw": Transition((S.PUBLISHED,), S.WITHHELD, (Role.RELEASE_OFFICER, Role.SUPERVISOR), "Withdraw from the public"),
}

# Fields a system transition may set along with the state (the render job's results).
RENDER_RESULT_FIELDS = {
    "release_file", "release_sha256", "release_size", "original_sha256", "redaction_log", "pipeline_version",
    "model_sha256", "rendered_at", "check_findings", "check_completed_at", "check_cleared_by",
}


def available_actions(release: Release, user) -> list[str]:
    """Actions to offer `user` on the page; the server still checks everything when one is taken."""
    status = signoff.signing_status(release, user)
    offered = {"approve": status.may_sign, "publish": status.may_publish, "rerender": not render_active(release)}
    return [
        name
        for name, t in TRANSITIONS.items()
        if t.roles is not SYSTEM and release.state in t.sources and has_role(user, *t.roles) and offered.get(name, True)
    ]


ACTIVE_RENDER_STATES = (RenderState.QUEUED, RenderState.RUNNING)


def render_active(release: Release) -> bool:
    return RenderJob.objects.filter(release=release, state__in=ACTIVE_RENDER_STATES).exists()


def apply_release_transition(
    release: Release,
    action: str,
    *,
    actor: User | None,
    reason: str = "",
    ground: str | None = None,
    review_on: date | str | None = None,
    request: HttpRequest | None = None,
    fields: dict[str, Any] | None = None,
) -> Release:
    """`ground` and `review_on` (the day the decision will be reviewed; by default
    WITHHELD_REVIEW_DAYS from today) are the withholding decision's."""
    try:
        with transaction.atomic():
            return _apply(release, action, actor=actor, reason=reason, ground=ground, review_on=review_on, request=request, fields=fields)
    except ReleaseError as exc:
        audit_refusal(exc, actor=actor, action=f"release.{action}" if action in TRANSITIONS else "release.unknown_action",
                      target=release, from_state=release.state, request=request, requested_action=str(action)[:50])
        raise


def _apply(release, action, *, actor, reason, ground, review_on, request, fields) -> Release:
    transition = TRANSITIONS.get(action)
    if transition is None:
        raise ReleaseRefused(f"There is no release action {action!r}.", code="unknown_action")
    if transition.roles is SYSTEM:
        if actor is not None:
            raise ReleaseForbidden("Only the render job takes this step.")
    else:
        if actor is None or not has_role(actor, *transition.roles):
            raise ReleaseForbidden("Only a release officer may do this.")
        if not access.is_visible(actor, release):
            raise ReleaseForbidden("You cannot see this release.", code="not_visible")
    if fields and transition.roles is not SYSTEM:
        raise ReleaseForbidden("People change a release only through its actions.")
    if fields and set(fields) - RENDER_RESULT_FIELDS:
        raise ReleaseRefused(f"Fields {sorted(set(fields) - RENDER_RESULT_FIELDS)} cannot be set by a transition.")

    locked = Release.objects.select_for_update().select_related("incident", "footage").get(pk=release.pk)
    if locked.state not in transition.sources:
        raise ReleaseRefused(
            f"A release that is {locked.get_state_display().lower()} cannot be {action.replace('_', ' ')}d.",
            code="wrong_state",
        )
    before = locked.state
    target = transition.target
    detail: dict[str, Any] = {}
    now = timezone.now()

    if action == "rerender":
        if render_active(locked):
            raise ReleaseRefused("A render of this release is already queued or running.", code="render_active")
    elif action == "approve":
        status = signoff.signing_status(locked, actor)
        if status.refusal is not None:
            raise status.refusal
        SignOff.objects.create(
            release=locked, signed_by=actor, signed_at=now, release_sha256=locked.release_sha256,
            rendered_at=locked.rendered_at, shaped=actor.pk in status.shaper_ids, note=reason.strip(),
        )
        count = len(status.signoffs) + 1
        detail.update(release_sha256=locked.release_sha256, signoff=count, of=signoff.REQUIRED_SIGNOFFS)
        if count < signoff.REQUIRED_SIGNOFFS:
            target = locked.state  # the first sign-off: the release waits for the second
        else:
            locked.approved_by, locked.approved_at = actor, now
    elif action in ("withhold", "withdraw"):
        if ground not in WithholdGround.values:
            raise ReleaseRefused("Choose the legal ground for withholding.", code="ground_required", field="ground")
        # A file the public already has is taken down only with the reason written down.
        if (ground == WithholdGround.OTHER or action == "withdraw") and not reason.strip():
            raise ReleaseRefused("Explain the ground for withholding.", code="reason_required", field="reason")
        locked.withheld_ground, locked.withheld_explanation = ground, reason.strip()
        locked.withheld_review_on = _review_date(review_on, today=timezone.localdate(now))
        detail.update(ground=ground, review_on=locked.withheld_review_on.isoformat())
        if action == "withdraw":
            detail["release_sha256"] = locked.release_sha256
    elif action == "publish":
        if not signoff.signing_status(locked, actor).complete:
            raise ReleaseRefused(
                f"Publication needs the sign-offs of {signoff.REQUIRED_SIGNOFFS} release officers on this render.",
                code="signoffs_missing",
            )
        if not locked.release_file or not locked.release_sha256:
            raise ReleaseRefused("There is no rendered file to publish.", code="no_file")
        # The footage may have been marked do-not-disclose (or deleted) since the release was asked for.
        not_releasable = release_blocker(locked.footage)
        if not_releasable is not None:
            raise not_releasable
        locked.published_by, locked.published_at = actor, now
        from .publication import sign_manifest  # the signing key is read only when publishing

        locked.manifest, locked.signature = sign_manifest(locked)
        detail["release_sha256"] = locked.release_sha256

    for name, value in (fields or {}).items():
        setattr(locked, name, value)
    locked.state = target
    if target != before or action != "approve":  # a first sign-off changes no state
        locked.state_changed_at = now
    locked.save()
    public_data_changed()

    if action == "publish":
        from footage.custody import record_custody

        # The release copy leaves the city's custody: the footage's chain records which bytes.
        record_custody(
            locked.footage, "exported", actor=actor, request=request, derived_sha256=locked.release_sha256,
            detail={"release": locked.pk, "published_as": locked.manifest["file"]["name"]},
        )
    if action == "rerender":
        job = RenderJob.objects.create(release=locked, requested_by=actor)
        detail["render_job"] = job.pk
        _enqueue_render(job)

    from portal.transparency_log import record_release_transition

    record_release_transition(locked, before, reason=reason)
    record_event(
        actor=actor,
        action=f"release.{action}",
        target=locked,
        from_state=before,
        to_state=locked.state,
        reason=reason,
        request=request,
        detail=detail,
    )
    # The caller's object reflects the new state too.
    release.__dict__.update({k: v for k, v in locked.__dict__.items() if not k.startswith("_")})
    return locked


def _review_date(value: date | str | None, *, today: date) -> date:
    if value is None or value == "":
        return today + timedelta(days=settings.WITHHELD_REVIEW_DAYS)
    if isinstance(value, datetime):
        value = value.date()
    if isinstance(value, str):
        try:
            value = date.fromisoformat(value.strip())
        except ValueError:
            raise ReleaseRefused("Give the review date as YYYY-MM-DD.", code="review_date_invalid", field="review_on") from None
    if not isinstance(value, date):
        raise ReleaseRefused("Give the review date as YYYY-MM-DD.", code="review_date_invalid", field="review_on")
    if value <= today:
        raise ReleaseRefused("The review date must be after today.", code="review_date_past", field="review_on")
    return value


# ---- asking for a release ------------------------------------------------------------------------


def release_blocker(footage) -> ReleaseRefused | None:
    """Why this footage cannot go to the public, whoever asks; None where it can."""
    if footage.media_type != "video":
        return ReleaseRefused("Only video footage goes through redaction and release.", code="not_video")
    if not getattr(footage, "sha256", ""):
        return ReleaseRefused("This footage has not finished ingest yet.", code="not_ingested")
    if footage.deleted_at is not None:
        return ReleaseRefused("This footage was deleted when its retention ended.", code="footage_deleted")
    if footage.do_not_disclose:
        return ReleaseRefused("This footage is marked do-not-disclose: it cannot be released.", code="do_not_disclose")
    return None


def request_release(footage, *, actor: User, mode: str = RedactionMode.BLUR, reason: str = "", request: HttpRequest | None = None) -> Release:
    """Open a release of `footage` (state requested) and queue its first render."""
    try:
        with transaction.atomic():
            return _request(footage, actor=actor, mode=mode, reason=reason, request=request)
    except ReleaseError as exc:
        audit_refusal(exc, actor=actor, action="release.request", target=footage, request=request)
        raise


def _request(footage, *, actor, mode, reason, request) -> Release:
    from incidents.access import is_visible as incident_is_visible

    if actor is None or not incident_is_visible(actor, footage.incident):
        raise ReleaseForbidden("You cannot see this footage.", code="not_visible")
    if not access.may_request_release_of(actor, footage):
        raise ReleaseForbidden("Only a supervisor or the investigator assigned to the case may ask for a release.")
    if mode not in RedactionMode.values:
        raise ReleaseRefused("Choose heavy blur or solid fill.", code="bad_mode", field="mode")
    not_releasable = release_blocker(footage)
    if not_releasable is not None:
        raise not_releasable
    incident = footage.incident
    start = incident.occurred_start or timezone.now()
    release = Release(
        footage=footage,
        incident=incident,
        requested_by=actor,
        mode=mode,
        due_at=start + timedelta(days=settings.RELEASE_DEADLINE_DAYS),
        original_sha256=footage.sha256,
    )
    try:
        with transaction.atomic():
            release.save()
            public_data_changed()
    except IntegrityError:
        raise ReleaseRefused("A release of this footage is already under way.", code="already_requested") from None
    job = RenderJob.objects.create(release=release, requested_by=actor)
    record_event(
        actor=actor, action="release.request", target=release, to_state=release.state, reason=reason, request=request,
        detail={"footage": footage.pk, "mode": mode, "render_job": job.pk},
    )
    _enqueue_render(job)
    return release


def _enqueue_render(job: RenderJob) -> None:
    from .tasks import render_release

    transaction.on_commit(lambda: render_release.delay(job.pk))
