"""The release domain's refusals: `portal.refusals.Refused` with the release's codes. A code that
says the release (its render, check, captions or sign-offs) is not in a state that allows the
action answers 409; ReleaseForbidden 403; everything else is bad input, 400."""

from portal.refusals import Refused

NOT_NOW = frozenset({
    "wrong_state", "render_active", "already_requested", "already_approved", "not_rendered", "not_ingested",
    "stale_render", "stale_transcript", "check_missing", "check_not_cleared", "captions_missing",
    "captions_unreviewed", "signoffs_missing", "do_not_disclose", "footage_deleted",
})


class ReleaseError(Refused):
    code = "refused"

    def __init__(self, message: str, *, code: str | None = None, field: str | None = None, status: int | None = None):
        super().__init__(message, code=code, field=field, status=status or (409 if code in NOT_NOW else None))


class ReleaseForbidden(ReleaseError):
    """The actor's role does not allow the action, or the two-person rule forbids it."""

    status = 403
    code = "forbidden"


class ReleaseRefused(ReleaseError):
    """The action is allowed for the actor but not as asked: wrong state, missing input, a precondition."""
