"""HTTP caching for public responses: validators from what is public, and shared-cache headers.

The ETag covers everything public (see `public_fingerprint`), the language and the exact URL, so
a changed filter, a new release or a withdrawn incident always gives a new one."""

from __future__ import annotations

import hashlib
from functools import wraps

from django.utils import translation
from django.utils.cache import patch_cache_control, patch_vary_headers
from django.views.decorators.http import condition

from .selectors import public_fingerprint

MAX_AGE = 300


def _fingerprint(request):
    if not hasattr(request, "_public_fingerprint"):
        request._public_fingerprint = public_fingerprint()
    return request._public_fingerprint


def _etag(request, *args, **kwargs):
    digest, _ = _fingerprint(request)
    key = f"{digest}|{translation.get_language()}|{request.get_full_path()}"
    return hashlib.sha256(key.encode()).hexdigest()[:40]


def _last_modified(request, *args, **kwargs):
    return _fingerprint(request)[1]


def public_cache(view):
    """Conditional GET plus `Cache-Control: public, max-age=300`; the response varies with the
    language chosen by header or cookie."""
    conditional = condition(etag_func=_etag, last_modified_func=_last_modified)(view)

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        response = conditional(request, *args, **kwargs)
        if response.status_code in (200, 304):
            patch_cache_control(response, public=True, max_age=MAX_AGE)
            patch_vary_headers(response, ("Accept-Language", "Cookie"))
        return response

    return wrapper
