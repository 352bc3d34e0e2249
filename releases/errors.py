"""The release domain's errors. Views turn ReleaseForbidden into 403 and ReleaseRefused into 400."""


class ReleaseError(Exception):
    code = "refused"

    def __init__(self, message: str, *, code: str | None = None, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field
        if code:
            self.code = code


class ReleaseForbidden(ReleaseError):
    """The actor's role does not allow the action, or the two-person rule forbids it."""

    code = "forbidden"


class ReleaseRefused(ReleaseError):
    """The action is allowed for the actor but not now: wrong state, missing input, a precondition."""
