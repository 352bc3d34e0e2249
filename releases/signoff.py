"""Who may sign off a release: the maker-checker rule, written once.

A render is approved by the sign-offs of two different release officers, at least one of whom
did not shape it (make, confirm or withdraw a change, clear a finding of the second check, ask for
the release or a render). Where nobody changed the automatic redaction, it is still two people.
A sign-off belongs to one render: a new render starts the count again.

`signing_statuses` is the one place that decides, for one release (`signing_status`) or a page of
them read at once. The workflow raises its refusal, the pages show its sentences and buttons from
it, and the API returns it, so none of them re-implements the rule.
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


@dataclass
class _Rows:
    """What the rule reads about one release besides the release itself, read for many at once."""

    signoffs: list[SignOff] = field(default_factory=list)  # of every render
    render_jobs: list[tuple[int | None, str]] = field(default_factory=list)  # (requested_by_id, state)
    changes: list[RedactionChange] = field(default_factory=list)

    def current_signoffs(self, release: Release) -> list[SignOff]:
        if not release.rendered_at:
            return []
        return [s for s in self.signoffs if s.rendered_at == release.rendered_at and s.release_sha256 == release.release_sha256]

    def shaped_by(self, release: Release) -> dict[int, list[str]]:
        """Everyone whose decision shaped the rendered copy, with what each of them did."""
        did: dict[int, list[str]] = {}

        def add(user_id, what):
            if user_id is not None and what not in did.setdefault(user_id, []):
                did[user_id].append(what)

        add(release.requested_by_id, "asked for this release")
        for user_id, _ in self.render_jobs:
            add(user_id, "asked for a render")
        for change in self.changes:
            add(change.created_by_id, "made a redaction change")
            add(change.confirmed_by_id, "confirmed a 'do not redact' decision")
            add(change.withdrawn_by_id, "withdrew a redaction change")
        for finding in release.check_findings or []:
            add(finding.get("cleared_by_id"), "cleared a finding of the second check")
        add(release.check_cleared_by_id, "cleared a finding of the second check")
        return {k: v for k, v in did.items() if k is not None}


def _read(releases: list[Release]) -> dict[int, _Rows]:
    """Sign-offs, render jobs and redaction changes of `releases`: three queries however many."""
    rows = {r.pk: _Rows() for r in releases}
    for s in SignOff.objects.filter(release__in=list(rows)).select_related("signed_by"):
        rows[s.release_id].signoffs.append(s)
    for release_id, user_id, state in RenderJob.objects.filter(release__in=list(rows)).values_list("release_id", "requested_by_id", "state"):
        rows[release_id].render_jobs.append((user_id, state))
    # Without the tracks' boxes, which can be large and are not needed here.
    changes = RedactionChange.objects.filter(release__in=list(rows)).only(
        "release_id", "kind", "created_by_id", "confirmed_by_id", "withdrawn_by_id", "withdrawn_at"
    )
    for change in changes:
        rows[change.release_id].changes.append(change)
    return rows


def _render_problem(release: Release, rows: _Rows) -> ReleaseError | None:
    """Why the current render cannot be signed off by anyone yet, captions aside, or None."""
    from .workflow import ACTIVE_RENDER_STATES

    if release.state not in SIGNABLE_STATES:
        return ReleaseRefused(
            f"A release that is {release.get_state_display().lower()} cannot be signed off.", code="wrong_state"
        )
    if not release.release_file or not release.rendered_at:
        return ReleaseRefused("There is no rendered copy to approve yet.", code="not_rendered")
    if any(state in ACTIVE_RENDER_STATES for _, state in rows.render_jobs):
        return ReleaseRefused("A new render is in progress; approve it once it is done.", code="render_active")
    rendered_with = (release.redaction_log or {}).get("review_change_ids")
    if rendered_with is None or sorted(rendered_with) != sorted(c.pk for c in rows.changes if c.takes_effect):
        return ReleaseRefused("The redactions changed since the last render. Re-render before approving.", code="stale_render")
    if release.check_completed_at is None or release.check_completed_at < release.rendered_at:
        return ReleaseRefused("The second check of the rendered copy has not run yet.", code="check_missing")
    if release.open_findings:
        return ReleaseRefused(
            f"The second check found {len(release.open_findings)} frame(s) with a face still visible. Fix or clear each one.",
            code="check_not_cleared",
        )
    return None


def _officers_seeing(releases: list[Release]) -> dict[int, list[User]]:
    """Active release officers who can see each release, by username: two queries an officer, however
    many releases."""
    seeing: dict[int, list[User]] = {r.pk: [] for r in releases}
    if not seeing:
        return seeing
    officers = User.objects.filter(is_active=True, groups__name=Role.RELEASE_OFFICER.value).distinct().order_by("username")
    for officer in officers:
        for pk in access.visible_releases(officer).filter(pk__in=list(seeing)).values_list("pk", flat=True):
            seeing[pk].append(officer)
    return seeing


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
    return signing_statuses([release], user)[release.pk]


def signing_statuses(releases, user) -> dict[int, SigningStatus]:
    """`signing_status` of each of `releases`, by pk, read with a number of queries that does not
    grow with the number of releases (a page of the list)."""
    from .captions import approval_problems

    releases = list(releases)
    rows = _read(releases)
    signoffs = {r.pk: rows[r.pk].current_signoffs(r) for r in releases}
    shaped_by = {r.pk: rows[r.pk].shaped_by(r) for r in releases}
    complete = {
        r.pk: len(signoffs[r.pk]) >= REQUIRED_SIGNOFFS and any(s.signed_by_id not in shaped_by[r.pk] for s in signoffs[r.pk])
        for r in releases
    }
    blocked = {r.pk: None if complete[r.pk] else _render_problem(r, rows[r.pk]) for r in releases}
    captions = approval_problems([r for r in releases if not complete[r.pk] and blocked[r.pk] is None])
    blocked.update(captions)
    officers = _officers_seeing([r for r in releases if not complete[r.pk] and blocked[r.pk] is None])
    return {
        r.pk: _status(r, user, signoffs[r.pk], shaped_by[r.pk], complete[r.pk], blocked[r.pk], officers.get(r.pk, []),
                      lapsed=len(rows[r.pk].signoffs) - len(signoffs[r.pk]))
        for r in releases
    }


def _status(release: Release, user, signoffs: list[SignOff], shaped_by: dict[int, list[str]], complete: bool,
            blocked: ReleaseError | None, officers: list[User], *, lapsed: int) -> SigningStatus:
    shaper_ids = set(shaped_by)
    signer_ids = {s.signed_by_id for s in signoffs}
    first_is_shaper = bool(signoffs) and all(s.signed_by_id in shaper_ids for s in signoffs)
    if complete or blocked is not None:
        eligible = []
    else:
        eligible = [u for u in officers if u.pk not in signer_ids and not (first_is_shaper and u.pk in shaper_ids)]
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
