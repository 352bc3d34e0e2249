"""Writing to the audit trail. Every module records what people do through `record_event`."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import AnonymousUser, User
from django.db import models
from django.http import HttpRequest

from .client_address import client_address
from .hashchain import append_event
from .models import AuditEvent, AuditOutcome


def record_event(
    *,
    actor: User | AnonymousUser | None,
    action: str,
    target: models.Model | None = None,
    object_type: str = "",
    object_id: str | int = "",
    outcome: str = AuditOutcome.SUCCESS,
    from_state: str = "",
    to_state: str = "",
    reason: str = "",
    request: HttpRequest | None = None,
    detail: dict[str, Any] | None = None,
) -> AuditEvent:
    if target is not None:
        object_type = object_type or target._meta.label_lower
        object_id = object_id or target.pk
    real_actor = actor if actor is not None and actor.is_authenticated else None
    return append_event(
        AuditEvent,
        actor=real_actor,
        actor_username=real_actor.get_username() if real_actor else "",
        action=action,
        object_type=object_type,
        object_id=str(object_id),
        outcome=outcome,
        from_state=from_state,
        to_state=to_state,
        reason=reason,
        ip_address=client_address(request),
        user_agent=(request.META.get("HTTP_USER_AGENT", "")[:300] if request else ""),
        detail=detail or {},
    )


def events_for(target: models.Model):
    return AuditEvent.objects.filter(object_type=target._meta.label_lower, object_id=str(target.pk)).order_by("id")
