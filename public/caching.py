"""HTTP caching for public responses: validators from what is public, and shared-cache headers.

The ETag covers everything public (see `public_fingerprint`), the language and the exact URL, so
a changed filter, a new release or a withdrawn incident always gives a new one."""

from __future__ import annotations

import hashlib
import os
from functools import wraps

from django.conf import settings
from django.core.cache import cache
from django.http import HttpResponse
from django.utils import translation
from django.utils.cache import patch_cache_control, patch_vary_headers
from django.views.decorators.http import condition

from .selectors import public_fingerprint

MAX_AGE = 300
SERVER_CACHE_SECONDS = 600
# Part of the server-side cache key, so a restart with new code or templates never serves a page
# rendered by the old ones (each worker process renders a page once per change).
PROCESS_ID = os.urandom(6).hex()
KEPT_HEADERS = {"content-language", "content-disposition", "vary", "allow"}


def _fingerprint(request):
    if not hasattr(request, "_public_fingerprint"):
        request._public_fingerprint = public_fingerprint()
    return request._public_fingerprint


def _etag(request, *args, **kwargs):
    digest, _ = _fingerprint(request)
    key = f"{digest}|{translation.get_language()}|{request.scheme}://{request.get_host()}{request.get_full_path()}"
    return hashlib.sha256(key.encode()).hexdigest()[:40]


def _last_modified(request, *args, **kwargs):
    return _fingerprint(request)[1]


def _rendered_once(view):
    """Keep each rendered page in the cache under its ETag. The ETag changes with anything public,
    so an entry is never stale, only unused. Visitors with a session (staff who also browse the
    public site) are always rendered afresh, so nothing of theirs (a flash message) is stored."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if request.method != "GET" or settings.SESSION_COOKIE_NAME in request.COOKIES:
            return view(request, *args, **kwargs)
        key = f"public-page:{PROCESS_ID}:{_etag(request)}"
        stored = cache.get(key)
        if stored is not None:
            content, content_type, headers = stored
            response = HttpResponse(content, content_type=content_type)
            for name, value in headers:
                response[name] = value
            return response
        response = view(request, *args, **kwargs)
        if getattr(response, "render", None) and not getattr(response, "is_rendered", True):
            response.render()
        if response.status_code == 200 and not response.streaming and not response.cookies:
            headers = [(k, v) for k, v in response.items() if k.lower() in KEPT_HEADERS]
            cache.set(key, (response.content, response["Content-Type"], headers), SERVER_CACHE_SECONDS)
        return response

    return wrapper


def _shared_cache_may_store(request) -> bool:
    """A page for a request without the language or session cookie depends only on the URL and
    Accept-Language, so a CDN may keep it for everyone; `Vary: Cookie` instead would key it on
    every cookie a browser sends and make it useless. A page chosen by the language cookie, or
    seen with a session, is for that browser alone (`private`)."""
    return not (settings.LANGUAGE_COOKIE_NAME in request.COOKIES or settings.SESSION_COOKIE_NAME in request.COOKIES)


def public_cache(view):
    """Conditional GET plus `Cache-Control: public, max-age=300, Vary: Accept-Language`; `private`
    where a cookie chose the language."""
    conditional = condition(etag_func=_etag, last_modified_func=_last_modified)(_rendered_once(view))

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        response = conditional(request, *args, **kwargs)
        if response.status_code in (200, 304):
            if _shared_cache_may_store(request):
                patch_cache_control(response, public=True, max_age=MAX_AGE)
            else:
                patch_cache_control(response, private=True, max_age=MAX_AGE)
            patch_vary_headers(response, ("Accept-Language",))
        return response

    return wrapper
