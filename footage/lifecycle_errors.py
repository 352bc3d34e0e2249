"""The two ways a lifecycle action (retention, holds, deletion, sharing, packages) says no: the
actor's role may not (403, audited) or the request itself is wrong (400 with this message).
Pages and API endpoints show the same message."""

from __future__ import annotations


class LifecycleRefused(PermissionError):
    """The actor may not do this."""


class LifecycleError(ValueError):
    """The request cannot be done as asked; the message says why."""
