"""The public data version: a token in the shared cache that every writer of something public
replaces (an incident published, edited or withdrawn, a release asked for, published or withheld).

Public ETags and the server-side page cache are keyed on it, so a change is seen at once by every
worker, and a public request costs one cache read instead of aggregates over the incidents.
Imports nothing of the public site, so the writers in incidents/ and releases/ may call it."""

from __future__ import annotations

import uuid
from datetime import datetime

from django.core.cache import cache
from django.db import transaction
from django.utils import timezone

KEY = "public-data-version"


def _new_version() -> tuple[str, datetime]:
    return uuid.uuid4().hex, timezone.now()


def current_public_version() -> tuple[str, datetime]:
    return read_public_version()[0]


def read_public_version(*also: str) -> tuple[tuple[str, datetime], dict]:
    """(token, when it last changed), and the values of the cache keys `also`, read in the same
    round trip. A cache that lost the version starts a new one, which only costs every page one
    fresh render."""
    found = cache.get_many([KEY, *also])
    version = found.pop(KEY, None)
    if version is None:
        cache.add(KEY, _new_version(), timeout=None)
        version = cache.get(KEY) or _new_version()
    return version, found


def public_data_changed() -> None:
    """Called by a writer inside its transaction. The version changes now, for reads later in
    the same transaction, and again after commit, so that a page rendered from the old rows by
    another request in between is never kept under the version readers then see."""
    cache.set(KEY, _new_version(), timeout=None)
    transaction.on_commit(lambda: cache.set(KEY, _new_version(), timeout=None))
