"""The address a request really came from, the one place that decides it.

Behind the city's TLS proxy every connection comes from the proxy, so REMOTE_ADDR alone would put
every member of staff behind one address (one lockout for all, one address in the audit trail).
X-Forwarded-For is trusted only as far as TRUSTED_PROXY_COUNT says: a caller can write anything
into that header, but each trusted proxy appends the address it saw, so the entry that many places
from the right is the one the outermost trusted proxy vouches for.
"""

from __future__ import annotations

import ipaddress

from django.conf import settings
from django.http import HttpRequest


def _valid(address: str) -> str | None:
    try:
        return str(ipaddress.ip_address(address.strip()))
    except ValueError:
        return None


def client_address(request: HttpRequest | None) -> str | None:
    if request is None:
        return None
    remote = request.META.get("REMOTE_ADDR") or None
    proxies = settings.TRUSTED_PROXY_COUNT
    if proxies <= 0:
        return remote
    forwarded = [part for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
    if len(forwarded) < proxies:
        # The request did not come through every trusted proxy; what it claims proves nothing.
        return remote
    return _valid(forwarded[-proxies]) or remote
