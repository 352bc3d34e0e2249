"""Who may sign off a release: the maker-checker rule, written once.

A render is approved by the sign-offs of two different release officers, at least one of whom
did not shape it (make, confirm or withdraw a change, clear a finding of the second check, ask for
the release or a render). Where nobody changed the automatic redaction, it is still two people.
A sign-off belongs to one render: a new render starts the count again.

`signing_status` is the one place that decides. The workflow raises its refusal, the pages show
its sentences and buttons from it, and the API returns it, so none of them re-implements the rule.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.contrib.auth.models import User

from portal.roles import Role, has_role

from . import access
from .errors import ReleaseError, ReleaseForbidden, ReleaseRefused
from .models import RedactionChange, Release, ReleaseState, RenderJob, SignOff

REQUIRED_SIGNOFFS = 2
SIGNABLE_STATES = (ReleaseState.IN_REVIEW, ReleaseState.APPROVED)
INDEPENDENT = "any release officer who did not make or confirm the redactions"


def shapers(release: Release) -> dict[int, list[str]]:
    """Everyone whose decision shaped the rendered copy, with what each of them did."""
    did: dict[int, list[str]] = {}

    def add(user_id, what):
        if user_id is not None and what not in did.setdefault(user_id, []):
            did[user_id].append(what)

    add(release.requested_by_id, "asked for this release")
    for user_id in RenderJob.objects.filter(release=release).exclude(requested_by=None).values_list("requested_by_id", flat=True):
        add(user_id, "asked for a render")
    for created, confirmed, withdrawn in RedactionChange.objects.filter(release=release).values_list(
        "created_by_id", "confirmed_by_id", "withdrawn_by_id"
    ):
        add(created, "made a redaction change")
        add(confirmed, "confirmed a 'do not redact' decision")
        add(withdrawn, "withdrew a redaction change")
    for finding in release.check_findings or []:
        add(finding.get("cleared_by_id"), "cleared a finding of the second check")
    add(release.check_cleared_by_id, "cleared a finding of the second check")
    return {k: v for k, v in did.items() if k is not None}


def readiness_problem(release: Release) -> ReleaseError | None:
    """Why the current render cannot be signed off by anyone yet, or None."""
    from .workflow import effective_change_ids, render_active

    if release.state not in SIGNABLE_STATES:
        return ReleaseRefused(
            f"A release that is {release.get_state_display().lower()} cannot be signed off.", code="wrong_state"
        )
    if not release.release_file or not release.rendered_at:
        return ReleaseRefused("There is no rendered copy to approve yet.", code="not_rendered")
    if render_active(release):
        return ReleaseRefused("A new render is in progress; approve it once it is done.", code="render_active")
    rendered_with = (release.redaction_log or {}).get("review_change_ids")
    if rendered_with is None or sorted(rendered_with) != effective_change_ids(release):
        return ReleaseRefused("The redactions changed since the last render. Re-render before approving.", code="stale_render")
    if release.check_completed_at is None or release.check_completed_at < release.rendered_at:
        return ReleaseRefused("The second check of the rendered copy has not run yet.", code="check_missing")
    if release.open_findings:
        return ReleaseRefused(
            f"The second check found {len(release.open_findings)} frame(s) with a face still visible. Fix or clear each one.",
            code="check_not_cleared",
        )
    from .captions import approval_problem

    return approval_problem(release)


def current_signoffs(release: Release) -> list[SignOff]:
    if not release.rendered_at:
        return []
    return list(
        SignOff.objects.filter(release=release, rendered_at=release.rendered_at, release_sha256=release.release_sha256)
        .select_related("signed_by")
    )


def release_officers(release: Release) -> list[User]:
    """Active release officers who can see the release."""
    officers = User.objects.filter(is_active=True, groups__name=Role.RELEASE_OFFICER.value).distinct().order_by("username")
    return [u for u in officers if access.is_visible(u, release)]


def display_name(user: User) -> str:
    full = user.get_full_name()
    return f"{full} ({user.get_username()})" if full else user.get_username()


@dataclass
class SigningStatus:
    signoffs: list[SignOff]
    shaper_ids: set[int]
    complete: bool
    blocked: ReleaseError | None  # why nobody may sign now (state, render, second check)
    eligible: list[User]  # who may still sign, as things stand
    who_may_sign: str  # the same, in a sentence
    refusal: ReleaseError | None  # why the user asked about may not sign; None if they may
    may_publish: bool
    lapsed: int = 0  # sign-offs of earlier renders, which no longer count
    shaped_by: dict[int, list[str]] = field(default_factory=dict)
    required: int = REQUIRED_SIGNOFFS

    @property
    def may_sign(self) -> bool:
        return self.refusal is None

    def as_dict(self) -> dict:
        return {
            "required": self.required,
            "complete": self.complete,
            "signoffs": [
                {"user": s.signed_by.get_username(), "signed_at": s.signed_at, "shaped_redactions": s.signed_by_id in self.shaper_ids}
                for s in self.signoffs
            ],
            "may_sign": self.may_sign,
            "reason": self.refusal.message if self.refusal else "",
            "may_publish": self.may_publish,
            "eligible": [u.get_username() for u in self.eligible],
            "who_may_sign": self.who_may_sign,
        }


def signing_status(release: Release, user) -> SigningStatus:
    """The sign-offs of `release`'s current render, who may still sign, and whether `user` may
    (with the reason, in plain language, when not)."""
    signoffs = current_signoffs(release)
    shaped_by = shapers(release)
    shaper_ids = set(shaped_by)
    signer_ids = {s.signed_by_id for s in signoffs}
    complete = len(signoffs) >= REQUIRED_SIGNOFFS and any(s.signed_by_id not in shaper_ids for s in signoffs)
    blocked = None if complete else readiness_problem(release)
    lapsed = SignOff.objects.filter(release=release).count() - len(signoffs)

    first_is_shaper = bool(signoffs) and all(s.signed_by_id in shaper_ids for s in signoffs)
    if complete or blocked is not None:
        eligible = []
    else:
        eligible = [
            u for u in release_officers(release)
            if u.pk not in signer_ids and not (first_is_shaper and u.pk in shaper_ids)
        ]
    who_may_sign = _who_may_sign(signoffs, complete, blocked, eligible, shaper_ids, first_is_shaper)

    refusal: ReleaseError | None = None
    if user is None or not has_role(user, Role.RELEASE_OFFICER):
        refusal = ReleaseForbidden("Only a release officer may sign off a release.")
    elif complete:
        refusal = ReleaseRefused(
            f"{REQUIRED_SIGNOFFS} release officers have already signed off this render.", code="already_approved"
        )
    elif user.pk in signer_ids:
        refusal = ReleaseForbidden(
            "You have already signed off this render; a second release officer must sign.", code="two_person_rule"
        )
    elif blocked is not None:
        refusal = blocked
    elif first_is_shaper and user.pk in shaper_ids:
        first = signoffs[0].signed_by
        refusal = ReleaseForbidden(
            f"You {_and(shaped_by[user.pk])}, and {first.get_username()}, who signed first, also shaped these "
            f"redactions: the second sign-off must come from a release officer who did not make or confirm them.",
            code="two_person_rule",
        )
    may_publish = (
        complete and release.state == ReleaseState.APPROVED and user is not None and has_role(user, Role.RELEASE_OFFICER)
    )
    return SigningStatus(
        signoffs=signoffs, shaper_ids=shaper_ids, complete=complete, blocked=blocked, eligible=eligible,
        who_may_sign=who_may_sign, refusal=refusal, may_publish=may_publish, lapsed=lapsed, shaped_by=shaped_by,
    )


def _and(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def _names(users: list[User]) -> str:
    return ", ".join(display_name(u) for u in users)


def _who_may_sign(signoffs, complete, blocked, eligible, shaper_ids, first_is_shaper) -> str:
    if complete:
        return "Both sign-offs are in; a release officer may publish."
    if blocked is not None:
        return f"Nobody can sign off yet: {blocked.message}"
    if not eligible:
        if first_is_shaper:
            return (f"The second sign-off must come from {INDEPENDENT}, and there is none: "
                    "ask an administrator for another release officer.")
        return "No other release officer can see this release: ask an administrator for another release officer."
    if first_is_shaper:
        return f"One more sign-off, from {INDEPENDENT}: {_names(eligible)}."
    if signoffs:
        return f"One more sign-off, from any other release officer: {_names(eligible)}."
    independent = [u for u in eligible if u.pk not in shaper_ids]
    text = (f"Two different release officers must sign, at least one of whom did not make or confirm the redactions. "
            f"Any release officer may sign first: {_names(eligible)}.")
    if not independent:
        text += (f" None of them is independent of these redactions, so the second sign-off needs {INDEPENDENT}: "
                 "ask an administrator for another release officer.")
    elif len(independent) < len(eligible):
        text += f" Did not make or confirm the redactions: {_names(independent)}."
    return text
