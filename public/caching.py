"""HTTP caching for public responses: validators from what is public, and shared-cache headers.

The ETag covers everything public (see `public_fingerprint`), the language and the exact URL, so
a changed filter, a new release or a withdrawn incident always gives a new one."""

from __future__ import annotations

import hashlib
import os
import threading
from collections import OrderedDict
from functools import wraps
from pathlib import Path

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.core.cache import cache
from django.http import HttpResponse
from django.utils import translation
from django.utils.cache import patch_cache_control, patch_vary_headers
from django.views.decorators.http import condition

from .selectors import public_fingerprint

MAX_AGE = 300
SERVER_CACHE_SECONDS = 600


def _code_version() -> str:
    """Part of the server-side cache key, so a restart with new code, templates, translations or
    settings (the environment and .env) never serves a page rendered by the old ones, while every
    worker of one deployment shares each rendered page (rendered once, not once per process)."""
    digest, root = hashlib.sha256(), Path(settings.BASE_DIR)
    digest.update(repr(sorted(os.environ.items())).encode())
    env_file = root / ".env"
    if env_file.is_file():
        digest.update(env_file.read_bytes())
    for folder in CODE_FOLDERS:
        for path in sorted((root / folder).rglob("*")):
            if path.suffix in CODE_SUFFIXES and path.is_file():
                stat = path.stat()
                digest.update(f"{path.relative_to(root)}|{stat.st_size}|{stat.st_mtime_ns}\n".encode())
    return digest.hexdigest()[:12]


CODE_FOLDERS = ("public", "templates", "locale", "incidents", "releases", "portal")
CODE_SUFFIXES = {".py", ".html", ".mo", ".txt", ".xml"}
CODE_VERSION = _code_version()
KEPT_HEADERS = {"content-language", "content-disposition", "vary", "allow"}
# The pages most asked for also stay in this process's memory (a shared-cache round trip costs
# as much as the rest of a cached answer); keyed by ETag like the shared cache, so never stale.
LOCAL_PAGES = 256


class _RecentPages:
    def __init__(self, size: int):
        self.size, self.lock, self.pages = size, threading.Lock(), OrderedDict()

    def get(self, key):
        with self.lock:
            page = self.pages.get(key)
            if page is not None:
                self.pages.move_to_end(key)
            return page

    def put(self, key, page) -> None:
        with self.lock:
            self.pages[key] = page
            self.pages.move_to_end(key)
            while len(self.pages) > self.size:
                self.pages.popitem(last=False)

    def clear(self) -> None:
        with self.lock:
            self.pages.clear()


recent_pages = _RecentPages(LOCAL_PAGES)


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
        key = f"public-page:{CODE_VERSION}:{_etag(request)}"
        stored = recent_pages.get(key)
        if stored is None:
            stored = cache.get(key)
            if stored is not None:
                recent_pages.put(key, stored)
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
            stored = (response.content, response["Content-Type"], headers)
            cache.set(key, stored, SERVER_CACHE_SECONDS)
            recent_pages.put(key, stored)
        return response

    return wrapper


def _shared_cache_may_store(request) -> bool:
    """A page for a request without the language or session cookie depends only on the URL and
    Accept-Language, so a CDN may keep it for everyone; `Vary: Cookie` instead would key it on
    every cookie a browser sends and make it useless. A page chosen by the language cookie, or
    seen with a session, is for that browser alone (`private`)."""
    return not (settings.LANGUAGE_COOKIE_NAME in request.COOKIES or settings.SESSION_COOKIE_NAME in request.COOKIES)


def public_cache(view):
    """Conditional GET plus `Cache-Control: public, max-age=0, s-maxage=300` and
    `Vary: Accept-Language`; `private` where a cookie chose the language.

    The CDN keeps a page for 300 s; a browser asks again each time (a 304 while nothing changed),
    because the language picker's cookie is not in Vary: a page it kept would otherwise stay in
    the old language after the visitor picked another (the ETag includes the language). What is
    cached for everyone needs no sign-in."""
    conditional = condition(etag_func=_etag, last_modified_func=_last_modified)(_rendered_once(view))

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        response = conditional(request, *args, **kwargs)
        if response.status_code in (200, 304):
            if _shared_cache_may_store(request):
                patch_cache_control(response, public=True, max_age=0, s_maxage=MAX_AGE)
            else:
                patch_cache_control(response, private=True, max_age=0)
            patch_vary_headers(response, ("Accept-Language",))
        return response

    return login_not_required(wrapper)
