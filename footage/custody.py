"""The chain of custody of each footage item, and the checks that its original is unchanged.

Every view, stream, download, derivation, export and verification goes through `record_custody`;
the table is append-only (triggers) and hash-chained (`verify_custody_chain`), like the audit
trail. Re-hashing an original (`verify_original`) writes its result here, and a mismatch also
raises an alert: an audit event and an email to the administrators.
"""

from __future__ import annotations

import hashlib
from typing import Any

from django.contrib.auth.models import AnonymousUser, User
from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from portal.audit import client_address, record_event
from portal.hashchain import ChainReport, append_event, verify_chain
from portal.roles import Role

from .models import CustodyAction, CustodyEvent, FootageItem



def record_custody(
    item: FootageItem,
    action: str,
    *,
    actor: User | AnonymousUser | None,
    request: HttpRequest | None = None,
    detail: dict[str, Any] | None = None,
    derived_sha256: str | None = None,
    on_behalf_of: str = "",
) -> CustodyEvent:
    """`on_behalf_of` names someone outside the portal (a prosecutor on a share link) who acts
    with no account; it is written as the actor's name."""
    if action not in CustodyAction.values:
        raise ValueError(f"unknown custody action {action!r}")
    real_actor = actor if actor is not None and actor.is_authenticated else None
    return append_event(
        CustodyEvent,
        footage=item,
        action=action,
        actor=real_actor,
        actor_username=real_actor.get_username() if real_actor else on_behalf_of[:150],
        ip_address=client_address(request),
        user_agent=(request.META.get("HTTP_USER_AGENT", "")[:300] if request else ""),
        original_sha256=item.sha256,
        derived_sha256=derived_sha256 or "",
        detail=detail or {},
    )


def custody_log(item: FootageItem):
    return CustodyEvent.objects.filter(footage=item).select_related("actor").order_by("id")


def verify_custody_chain() -> ChainReport:
    """Recompute every custody hash; a break means an entry was edited, deleted or inserted
    around the application."""
    return verify_chain(CustodyEvent)


def hash_stored_original(item: FootageItem) -> str:
    """SHA-256 of the original as the evidence storage returns it now, streamed."""
    with item.original.storage.open(item.original.name, "rb") as f:
        return hashlib.file_digest(f, "sha256").hexdigest()


def verify_original(
    item: FootageItem, *, actor: User | AnonymousUser | None, request: HttpRequest | None = None, reason: str = "on request"
) -> bool:
    """Re-hash the stored original, compare with the hash taken at ingest and record the result.
    `actor` None means the scheduled fixity job."""
    try:
        found = hash_stored_original(item)
        problem = "" if found == item.sha256 else "the stored bytes no longer match the hash taken at ingest"
    except FileNotFoundError:
        found, problem = "", "the stored original is missing"
    except OSError as exc:
        found, problem = "", f"the stored original could not be read ({exc})"
    ok = not problem
    with transaction.atomic():
        FootageItem.objects.filter(pk=item.pk).update(last_verified_at=timezone.now(), last_verification_ok=ok)
        record_custody(
            item,
            CustodyAction.VERIFIED if ok else CustodyAction.VERIFICATION_FAILED,
            actor=actor,
            request=request,
            detail={"expected_sha256": item.sha256, "found_sha256": found, "reason": reason, **({"problem": problem} if problem else {})},
        )
        if not ok:
            record_event(
                actor=actor,
                action="footage.fixity_failed",
                target=item,
                outcome="failed",
                reason=problem,
                request=request,
                detail={"expected_sha256": item.sha256, "found_sha256": found, "incident": item.incident_id},
            )
            transaction.on_commit(lambda: _alert_admins(item, found, problem))
    item.last_verified_at, item.last_verification_ok = timezone.now(), ok
    return ok


def admin_addresses() -> list[str]:
    """ADMINS from settings plus every active user holding the admin role."""
    addresses = [address for _, address in settings.ADMINS]
    role_admins = User.objects.filter(is_active=True, groups__name=Role.ADMIN).exclude(email="").values_list("email", flat=True)
    return list(dict.fromkeys([*addresses, *role_admins]))


def _alert_admins(item: FootageItem, found: str, problem: str) -> None:
    recipients = admin_addresses()
    if not recipients:
        return
    send_mail(
        f"Evidence fixity check FAILED for footage {item.pk}",
        (
            f"Footage {item.pk} ({item.original_filename}) of incident {item.incident_id}: {problem}.\n"
            f"Expected SHA-256: {item.sha256}\nFound:            {found or '(nothing)'}\n"
            f"Stored as: {item.original.name}\n"
            "Treat the evidence store as compromised until this is explained."
        ),
        None,
        recipients,
        fail_silently=True,
    )
