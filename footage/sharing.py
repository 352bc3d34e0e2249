"""Sharing chosen footage of a case with a named outside recipient (a prosecutor's office).

The link carries a random token of which only the SHA-256 is stored; it expires (SHARE_LINK_DAYS,
default 30), can be revoked, and opens only after the recipient proves they read the named
mailbox by typing a one-time code sent there. Every view and download is a custody entry naming
the recipient and their address. Items marked do-not-disclose, or deleted, are never served, even
if they were shared before they were marked.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import timedelta

from django.conf import settings
from django.contrib.auth.models import User
from django.core.mail import send_mail
from django.core.validators import validate_email
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone

from incidents.access import is_assignee, is_visible, visible_incidents
from incidents.models import Incident
from portal.audit import client_address, record_event
from portal.models import AuditOutcome
from portal.roles import Role, has_role

from .custody import record_custody
from .lifecycle_errors import LifecycleError, LifecycleRefused
from .models import CustodyAction, FootageItem, Share

CODE_LIFETIME = timedelta(minutes=15)
CODE_ATTEMPTS = 5
SESSION_KEY = "confirmed_shares"


class ShareClosed(Exception):
    """The link is unknown, expired or revoked; the message is what the recipient reads."""


def _digest(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def link_days() -> int:
    return settings.SHARE_LINK_DAYS


def may_share(user, incident: Incident) -> bool:
    return (has_role(user, Role.SUPERVISOR) and is_visible(user, incident)) or is_assignee(user, incident)


def visible_shares(user) -> QuerySet[Share]:
    """Shares of cases the user sees, for those who share and those who oversee."""
    if not has_role(user, Role.INVESTIGATOR, Role.SUPERVISOR, Role.AUDITOR):
        return Share.objects.none()
    return Share.objects.filter(incident__in=visible_incidents(user).values("pk")).select_related("incident", "created_by")


def create_share(*, actor: User, incident: Incident, items, recipient_name: str, recipient_email: str,
                 recipient_organisation: str, days: int | None = None, request: HttpRequest | None = None) -> tuple[Share, str]:
    """The share and its token (shown once: only its hash is kept)."""
    if not may_share(actor, incident):
        record_event(actor=actor, action="share.create_refused", target=incident, outcome=AuditOutcome.REFUSED,
                     reason="only the assigned investigator or a supervisor shares a case", request=request)
        raise LifecycleRefused("Only the case's investigator or a supervisor shares its footage.")
    recipient_name, recipient_organisation = (recipient_name or "").strip(), (recipient_organisation or "").strip()
    recipient_email = (recipient_email or "").strip().lower()
    if not recipient_name or not recipient_organisation:
        raise LifecycleError("Name the recipient and their office.")
    try:
        validate_email(recipient_email)
    except ValidationError:
        raise LifecycleError("Give the recipient's email address.") from None
    days = link_days() if days in (None, "") else days
    try:
        days = int(days)
    except (TypeError, ValueError):
        raise LifecycleError("The link's lifetime must be a whole number of days.") from None
    if not 1 <= days <= 365:
        raise LifecycleError("A link lasts between 1 and 365 days.")
    ids = {int(getattr(i, "pk", i)) for i in items}
    if not ids:
        raise LifecycleError("Choose at least one footage item to share.")
    with transaction.atomic():
        chosen = list(FootageItem.objects.select_for_update().filter(pk__in=ids, incident=incident))
        if len(chosen) != len(ids):
            raise LifecycleError("Only footage of this case can be shared in it.")
        for item in chosen:
            if item.do_not_disclose:
                raise LifecycleError(f"Footage {item.pk} ({item.original_filename}) is marked do-not-disclose and cannot be shared.")
            if item.deleted_at is not None:
                raise LifecycleError(f"Footage {item.pk} ({item.original_filename}) was deleted.")
        token = secrets.token_urlsafe(32)
        share = Share.objects.create(
            incident=incident, recipient_name=recipient_name[:150], recipient_email=recipient_email,
            recipient_organisation=recipient_organisation[:200], token_sha256=_digest(token), created_by=actor,
            expires_at=timezone.now() + timedelta(days=days),
        )
        share.items.set(chosen)
        record_event(actor=actor, action="share.created", target=incident, request=request,
                     detail={"share": str(share.public_id), "recipient": recipient_email, "organisation": recipient_organisation,
                             "footage": sorted(ids), "expires_at": share.expires_at.isoformat()})
        for item in chosen:
            record_custody(item, CustodyAction.SHARED, actor=actor, request=request,
                           detail={"share": str(share.public_id), "recipient": f"{recipient_name} <{recipient_email}>",
                                   "organisation": recipient_organisation, "expires_at": share.expires_at.isoformat()})
    return share, token


def revoke_share(share: Share, *, actor: User, request: HttpRequest | None = None) -> Share:
    if not may_share(actor, share.incident):
        record_event(actor=actor, action="share.revoke_refused", target=share.incident, outcome=AuditOutcome.REFUSED,
                     reason="only the assigned investigator or a supervisor revokes a share", request=request)
        raise LifecycleRefused("Only the case's investigator or a supervisor revokes its shares.")
    with transaction.atomic():
        share = Share.objects.select_for_update().get(pk=share.pk)
        if share.revoked_at is not None:
            raise LifecycleError("This link was already revoked.")
        share.revoked_at, share.revoked_by = timezone.now(), actor
        share.save(update_fields=["revoked_at", "revoked_by"])
        record_event(actor=actor, action="share.revoked", target=share.incident, request=request,
                     detail={"share": str(share.public_id), "recipient": share.recipient_email})
    return share


def open_share(token: str) -> Share:
    share = Share.objects.select_related("incident").filter(token_sha256=_digest(token or "")).first()
    if share is None:
        raise ShareClosed("This link is not valid.")
    if share.revoked_at is not None:
        raise ShareClosed("This link was revoked by the police department. Ask your contact there for a new one.")
    if share.expires_at <= timezone.now():
        raise ShareClosed("This link has expired. Ask your contact at the police department for a new one.")
    return share


def send_code(share: Share, *, request: HttpRequest | None = None) -> None:
    code = f"{secrets.randbelow(10**6):06d}"
    Share.objects.filter(pk=share.pk).update(code_sha256=_digest(f"{share.pk}:{code}"),
                                             code_expires_at=timezone.now() + CODE_LIFETIME, code_attempts=0)
    send_mail(
        f"Your code for evidence shared by the {settings.CITY_NAME}",
        f"Your one-time code is {code}. It works for 15 minutes.\n"
        f"If you did not ask for it, tell the police department: someone has the link shared with you.",
        None, [share.recipient_email],
    )
    record_event(actor=None, action="share.code_sent", target=share.incident, request=request,
                 detail={"share": str(share.public_id), "recipient": share.recipient_email})


def confirm_code(share: Share, code: str, *, request: HttpRequest) -> None:
    """Marks this browser session as the recipient's; raises LifecycleError for a wrong code."""
    with transaction.atomic():
        share = Share.objects.select_for_update().get(pk=share.pk)
        if not share.code_sha256 or share.code_expires_at is None or share.code_expires_at <= timezone.now():
            raise LifecycleError("Ask for a new code: there is none waiting, or it has expired.")
        if share.code_attempts >= CODE_ATTEMPTS:
            raise LifecycleError("Too many wrong codes. Ask for a new code.")
        if not hmac.compare_digest(share.code_sha256, _digest(f"{share.pk}:{(code or '').strip()}")):
            share.code_attempts += 1
            share.save(update_fields=["code_attempts"])
            record_event(actor=None, action="share.code_wrong", target=share.incident, outcome=AuditOutcome.REFUSED,
                         request=request, detail={"share": str(share.public_id)})
            raise LifecycleError("That code is not right.")
        share.code_sha256, share.code_expires_at = "", None
        share.save(update_fields=["code_sha256", "code_expires_at"])
        record_event(actor=None, action="share.confirmed", target=share.incident, request=request,
                     detail={"share": str(share.public_id), "recipient": share.recipient_email})
    confirmed = set(request.session.get(SESSION_KEY, []))
    confirmed.add(str(share.public_id))
    request.session[SESSION_KEY] = sorted(confirmed)


def is_confirmed(share: Share, request: HttpRequest) -> bool:
    return str(share.public_id) in request.session.get(SESSION_KEY, [])


def shared_items(share: Share) -> QuerySet[FootageItem]:
    """What the recipient may have now: never a do-not-disclose or deleted item."""
    return share.items.filter(do_not_disclose=False, deleted_at__isnull=True).order_by("pk")


def recipient_label(share: Share) -> str:
    return f"{share.recipient_name} ({share.recipient_organisation}) <{share.recipient_email}>"


def record_recipient(share: Share, item: FootageItem, action: str, *, request: HttpRequest, detail: dict | None = None) -> None:
    what = "viewed" if action == CustodyAction.SHARE_VIEWED else "downloaded"
    record_custody(item, action, actor=None, request=request, on_behalf_of=f"share:{share.recipient_email}", detail={
        "share": str(share.public_id), "summary": f"{what} by {recipient_label(share)} from {client_address(request) or 'unknown'}",
        **(detail or {}),
    })
