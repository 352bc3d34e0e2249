"""The public log of everything the city signs (`portal.transparency_log`): an overview page, the
entries, the latest signed tree head, and inclusion and consistency proofs, as in RFC 9162.
Bad parameters get a 400 with a JSON body saying which."""

from __future__ import annotations

from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_GET

from portal import transparency_log
from portal.models import LogEntry, SignedTreeHead, TimestampToken

MAX_ENTRIES = 1000


class BadParameter(Exception):
    pass


def _int(request: HttpRequest, name: str, default: int | None = None) -> int:
    value = request.GET.get(name)
    if value in (None, ""):
        if default is None:
            raise BadParameter(f"'{name}' is required")
        return default
    try:
        number = int(value)
    except ValueError:
        raise BadParameter(f"'{name}' must be a whole number") from None
    if number < 0:
        raise BadParameter(f"'{name}' must not be negative")
    return number


def _bad(message: str) -> JsonResponse:
    return JsonResponse({"error": message}, status=400)


def _latest_head() -> SignedTreeHead | None:
    return SignedTreeHead.objects.order_by("-tree_size").first()


@login_not_required
@require_GET
@cache_control(public=True, max_age=60)
def log_overview(request: HttpRequest) -> HttpResponse:
    """/log/"""
    head = _latest_head()
    entries = LogEntry.objects.order_by("-index")[:50]
    return render(request, "public/transparency_log.html", {"head": head, "entries": entries})


@login_not_required
@require_GET
@cache_control(public=True, max_age=60)
def log_entries(request: HttpRequest) -> JsonResponse:
    """/log/entries?start=&end= (end exclusive, at most 1000 at a time)"""
    try:
        start = _int(request, "start", 0)
        end = _int(request, "end", start + MAX_ENTRIES)
    except BadParameter as exc:
        return _bad(str(exc))
    if end < start:
        return _bad("'end' must not be smaller than 'start'")
    rows = LogEntry.objects.filter(index__gte=start, index__lt=min(end, start + MAX_ENTRIES)).order_by("index")
    return JsonResponse({"entries": [transparency_log.entry_document(r) for r in rows]})


@login_not_required
@require_GET
@cache_control(public=True, max_age=60)
def log_tree_head(request: HttpRequest) -> JsonResponse:
    """/log/sth: the latest signed tree head, with its timestamp tokens."""
    head = _latest_head()
    if head is None:
        return JsonResponse({"error": "the log is empty"}, status=404)
    tokens = TimestampToken.objects.filter(subject="tree_head", subject_id=head.pk)
    document = transparency_log.tree_head_document(head)
    document["timestamp_tokens"] = [{"authority": t.authority, "token": t.token, "gen_time": t.gen_time.isoformat()} for t in tokens]
    return JsonResponse(document)


@login_not_required
@require_GET
def log_inclusion_proof(request: HttpRequest) -> JsonResponse:
    """/log/proof/inclusion?leaf_hash=HEX|index=N&tree_size=N"""
    try:
        head = _latest_head()
        size = _int(request, "tree_size", head.tree_size if head else 0)
        if request.GET.get("leaf_hash"):
            leaf = request.GET["leaf_hash"].strip().lower()
            row = LogEntry.objects.filter(leaf_hash=leaf, index__lt=size).order_by("index").first()
            if row is None:
                return JsonResponse({"error": "no entry with that leaf hash in a tree of that size"}, status=404)
            index = row.index
        else:
            index = _int(request, "index")
        return JsonResponse(transparency_log.inclusion(index, size))
    except (BadParameter, transparency_log.LogError) as exc:
        return _bad(str(exc))


@login_not_required
@require_GET
def log_consistency_proof(request: HttpRequest) -> JsonResponse:
    """/log/proof/consistency?first=N&second=N"""
    try:
        return JsonResponse(transparency_log.consistency(_int(request, "first"), _int(request, "second")))
    except (BadParameter, transparency_log.LogError) as exc:
        return _bad(str(exc))
