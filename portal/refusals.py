"""How the portal says no: one error type for a refused action, one JSON body for it, and one way to
put the refusal on the audit trail.

A service raises `Refused` (or its app's subclass) with a message for people, a stable `code` for
programs, the HTTP `status` that fits (400 bad input, 403 not allowed, 404 not visible, 409 not in a
state that allows it) and the field at fault. Pages show the message; the API answers with
`as_json()` (`portal.api.exception_handler`), the body `portal.openapi` documents as ErrorResponse.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from .audit import record_event
from .models import AuditEvent, AuditOutcome

# A refusal that names no code of its own gets the one its status implies.
STATUS_CODES = {400: "invalid", 403: "forbidden", 404: "not_found", 409: "wrong_state"}


class Refused(Exception):
    status = 400
    code: str | None = None

    def __init__(self, message: str, *, code: str | None = None, status: int | None = None, field: str | None = None,
                 errors: dict[str, list[str]] | None = None):
        super().__init__(message)
        self.message = message
        self.field = field
        if status:
            self.status = status
        self.code = code or self.code or STATUS_CODES.get(self.status, "refused")
        self.errors = errors or ({field: [message]} if field else {})

    def as_json(self) -> dict[str, Any]:
        return error_body(self.message, self.code, self.errors)


def error_body(detail: str, code: str, errors: dict | None = None) -> dict[str, Any]:
    """The one error body of the API: `detail` for people, `code` for programs, and `errors`, each
    field at fault with its messages, where the input was at fault."""
    body: dict[str, Any] = {"detail": str(detail), "code": str(code)}
    if errors:
        body["errors"] = errors
    return body


def audit_refusal(refusal: Refused, *, actor, action: str, target=None, object_type: str = "", object_id: str | int = "",
                  from_state: str = "", reason: str | None = None, request: HttpRequest | None = None,
                  **detail: Any) -> AuditEvent:
    """The refused attempt on the trail: what was asked, by whom, and the refusal's code, status and field."""
    return record_event(
        actor=actor, action=action[:64], target=target, object_type=object_type, object_id=object_id,
        outcome=AuditOutcome.REFUSED, from_state=from_state,
        reason=(refusal.message if reason is None else reason)[:2000], request=request,
        detail={"refused": refusal.message, "code": refusal.code, "status": refusal.status, "field": refusal.field, **detail},
    )
