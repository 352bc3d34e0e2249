"""HTTP caching for public responses: validators from the public data version, shared-cache
headers, and a server-side copy of each public page, served before Django's handler (`PublicPageFront`)
or, where no front stands, before the rest of the middleware.

The ETag covers the public data version (see `public.data_version`), the hour, the language and
the exact URL, so a changed filter, a new release or a withdrawn incident always gives a new one."""

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
from django.core.handlers.wsgi import WSGIRequest
from django.http import HttpResponse
from django.utils import timezone, translation
from django.utils.cache import get_conditional_response, patch_cache_control, patch_vary_headers
from django.utils.http import parse_http_date_safe
from django.views.decorators.http import condition

from .data_version import read_public_version

MAX_AGE = 300
# No longer than the CDN may keep the page anyway, in case a writer forgot the data version.
SERVER_CACHE_SECONDS = MAX_AGE


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
# The pages most asked for also stay in this process's memory (a shared-cache round trip costs
# as much as the rest of a cached answer); keyed by data version like the shared cache, so never stale.
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

    def forget(self, key) -> None:
        with self.lock:
            self.pages.pop(key, None)

    def clear(self) -> None:
        with self.lock:
            self.pages.clear()


recent_pages = _RecentPages(LOCAL_PAGES)
# URLs whose last answer could not be shared (robots.txt, a file, a 404) go straight to the stack,
# without a round trip to the shared cache; an answer that can be shared takes them off the list.
never_shared = _RecentPages(LOCAL_PAGES)


def _version(request, *also: str) -> tuple[str, object]:
    """The data version and the hour, read once per request (with the cache keys `also`, kept on
    the request as `_public_found`): the release clock moves with time alone (footage becomes
    overdue), so the hour is part of every public version."""
    if not hasattr(request, "_public_version"):
        (token, changed_at), request._public_found = read_public_version(*also)
        request._public_version = (f"{token}|{timezone.now():%Y-%m-%dT%H}", changed_at)
    return request._public_version


def _etag(request, *args, **kwargs):
    version, _ = _version(request)
    key = f"{version}|{translation.get_language()}|{request.scheme}://{request.get_host()}{request.get_full_path()}"
    return hashlib.sha256(key.encode()).hexdigest()[:40]


def _last_modified(request, *args, **kwargs):
    return _version(request)[1]


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
    conditional = condition(etag_func=_etag, last_modified_func=_last_modified)(view)

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        response = conditional(request, *args, **kwargs)
        if response.status_code in (200, 304):
            if _shared_cache_may_store(request):
                patch_cache_control(response, public=True, max_age=0, s_maxage=MAX_AGE)
                response.public_page = True
            else:
                patch_cache_control(response, private=True, max_age=0)
            patch_vary_headers(response, ("Accept-Language",))
        return response

    return login_not_required(wrapper)


def _page_key(request) -> str | None:
    """What a shared-cache page depends on besides the data version (stored with the page): the
    code, the URL and Accept-Language (a request with a cookie never gets here)."""
    try:
        host = request.get_host()
    except Exception:  # DisallowedHost: the normal stack answers it
        return None
    asked = f"{request.scheme}://{host}{request.get_full_path()}|{request.META.get('HTTP_ACCEPT_LANGUAGE', '')}"
    return f"public-page:{CODE_VERSION}:{hashlib.sha256(asked.encode()).hexdigest()}"


SKIPPED_PATHS = ("/staff/", "/admin/", "/accounts/", "/share/")
# Set by PublicPageFront on a request it looked up and passes on: what it read from the shared cache.
LOOKED_UP = "public.page_cache.looked_up"


def _lookup(request) -> tuple[str | None, tuple | None]:
    """The page key of a request that may be answered from the kept pages (None for any other),
    and the page kept for it under the current data version, if there is one. The version and
    the page come in one round trip to the shared cache; a page asked for again, from memory."""
    key = _page_key(request) if _may_look_up(request) else None
    if key is None or never_shared.get(key):
        return key, None
    if LOOKED_UP in request.META:  # the front found no page: the version it read is the one to store under
        request._public_version, request._public_found = request.META[LOOKED_UP]
        return key, None
    local = recent_pages.get(key)
    version, _ = _version(request, *([] if local else [key]))
    stored = local or request._public_found.get(key)
    if stored is None or stored[0] != version:
        return key, None
    if local is None:
        recent_pages.put(key, stored)
    return key, stored


def _may_look_up(request) -> bool:
    path = request.path
    return (request.method == "GET" and _shared_cache_may_store(request) and "HTTP_AUTHORIZATION" not in request.META
            and not path.startswith((settings.STATIC_URL or "/static/", *SKIPPED_PATHS))
            and (not path.startswith("/api/") or path.startswith("/api/public/")))


def _answer(request, stored) -> HttpResponse:
    _, content, headers = stored
    response = HttpResponse(content)
    for name, value in headers:
        response[name] = value
    return get_conditional_response(
        request, etag=response.get("ETag"), last_modified=parse_http_date_safe(response.get("Last-Modified", "")),
        response=response,
    )


class PublicPageCacheMiddleware:
    """First in the stack: a public page a CDN could keep is kept here too, with the headers the
    whole stack gave it, and served again without sessions, locale, CSRF or sign-in checks.

    Only what `public_cache` marked as shareable is stored (a 200 with `Cache-Control: public`,
    no cookie set, varying on nothing but Accept-Language), and only requests without the session or language
    cookie are looked up, so no staff or private variant is ever stored or served. A page is
    stored with the data version it was rendered under and served only under that version.
    Behind the WSGI server, `PublicPageFront` answers the kept pages before Django's handler; this
    answers them where no front stands (the test client) and stores every page for both."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        key, stored = _lookup(request)
        if stored is not None:
            return _answer(request, stored)
        response = self.get_response(request)
        if key is not None and self.shareable(response):
            stored = (_version(request)[0], response.content, list(response.items()))
            cache.set(key, stored, SERVER_CACHE_SECONDS)
            recent_pages.put(key, stored)
            never_shared.forget(key)
        elif key is not None and response.status_code != 304:
            never_shared.put(key, True)
        return response

    @staticmethod
    def shareable(response) -> bool:
        # The key holds the URL and Accept-Language only, so nothing else may choose the answer.
        varies = {name.strip().lower() for name in response.get("Vary", "").split(",") if name.strip()}
        return (getattr(response, "public_page", False) and response.status_code == 200 and not response.streaming
                and not response.cookies and varies <= {"accept-language"} and "public" in response.get("Cache-Control", ""))


CONDITIONS = ("HTTP_IF_NONE_MATCH", "HTTP_IF_MODIFIED_SINCE", "HTTP_IF_MATCH", "HTTP_IF_UNMODIFIED_SINCE")


class PublicPageFront:
    """The WSGI application in front of Django's (portal/wsgi.py): a kept page is answered before
    Django's handler, so a reader of a page already read costs no request signals (database
    connection checks), no middleware and no response object; anything else goes on to Django
    unchanged, with what was read from the shared cache, so a page not kept costs one round trip."""

    def __init__(self, application):
        self.application = application

    def __call__(self, environ, start_response):
        if environ.get("REQUEST_METHOD") == "GET":
            request = WSGIRequest(environ.copy())  # it rewrites PATH_INFO, which Django's own request reads again
            try:
                _, stored = _lookup(request)
            except Exception:  # the cache is down: Django's handler meets it again and answers as it answers errors
                return self.application(environ, start_response)
            if stored is not None:
                if any(name in environ for name in CONDITIONS):
                    response = _answer(request, stored)
                    start_response(f"{response.status_code} {response.reason_phrase}", list(response.items()))
                    return [response.content]
                start_response("200 OK", list(stored[2]))
                return [stored[1]]
            if hasattr(request, "_public_version"):
                environ[LOOKED_UP] = (request._public_version, request._public_found)
        return self.application(environ, start_response)
