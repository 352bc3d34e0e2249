"""The page an outside recipient (a prosecutor) opens from a share link: confirm the emailed code,
then see the shared files with their SHA-256 and custody, and download them (range-capable,
streamed). Mounted at /share/; no staff account involved."""

from __future__ import annotations

from django.contrib.auth.decorators import login_not_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from portal.byte_ranges import UnsatisfiableRange, ranged_file_response, requested_range

from .custody import custody_log
from .lifecycle_errors import LifecycleError
from .models import CustodyAction
from .sharing import ShareClosed, confirm_code, is_confirmed, open_share, record_recipient, send_code, shared_items

NO_STORE = {"Cache-Control": "private, no-store", "Referrer-Policy": "no-referrer"}


def _closed(request: HttpRequest, exc: ShareClosed) -> HttpResponse:
    return _plain(render(request, "footage/lifecycle/share_closed.html", {"message": str(exc)}, status=410))


def _plain(response: HttpResponse) -> HttpResponse:
    for key, value in NO_STORE.items():
        response[key] = value
    return response


@login_not_required
@require_GET
def share_page(request: HttpRequest, token: str) -> HttpResponse:
    try:
        share = open_share(token)
    except ShareClosed as exc:
        return _closed(request, exc)
    if not is_confirmed(share, request):
        return _plain(render(request, "footage/lifecycle/share_code.html", {"share": share, "token": token,
                                                                            "sent": request.GET.get("sent") == "1"}))
    items = list(shared_items(share))
    for item in items:
        record_recipient(share, item, CustodyAction.SHARE_VIEWED, request=request, detail={"via": "share page"})
    rows = [(item, list(custody_log(item))) for item in items]
    return _plain(render(request, "footage/lifecycle/share_page.html", {"share": share, "token": token, "rows": rows}))


@login_not_required
@require_POST
def share_send_code(request: HttpRequest, token: str) -> HttpResponse:
    try:
        share = open_share(token)
    except ShareClosed as exc:
        return _closed(request, exc)
    send_code(share, request=request)
    return redirect(f"{request.path.rsplit('code/', 1)[0]}?sent=1")


@login_not_required
@require_POST
def share_confirm(request: HttpRequest, token: str) -> HttpResponse:
    try:
        share = open_share(token)
    except ShareClosed as exc:
        return _closed(request, exc)
    try:
        confirm_code(share, request.POST.get("code", ""), request=request)
    except LifecycleError as exc:
        return _plain(render(request, "footage/lifecycle/share_code.html", {"share": share, "token": token, "error": str(exc)},
                             status=400))
    return redirect(request.path.rsplit("confirm/", 1)[0])


@login_not_required
@require_GET
def share_download(request: HttpRequest, token: str, item_id) -> HttpResponse:
    try:
        share = open_share(token)
    except ShareClosed as exc:
        return _closed(request, exc)
    if not is_confirmed(share, request):
        return _plain(HttpResponse("Confirm your email address with the code first.", status=403, content_type="text/plain"))
    item = shared_items(share).filter(public_id=item_id).first()
    if item is None:
        raise Http404("This file is not shared with you.")
    storage = item.original.storage
    size = item.size
    try:
        byte_range = requested_range(request.headers.get("Range", ""), size)
    except UnsatisfiableRange:
        return ranged_file_response(request, storage, item.original.name, size=size)
    record_recipient(share, item, CustodyAction.SHARE_DOWNLOADED, request=request,
                     detail={"bytes": f"{byte_range.start}-{byte_range.end}/{size}", "sha256": item.sha256})
    safe_name = item.original_filename.replace('"', "").replace("\\", "")
    return ranged_file_response(request, storage, item.original.name, size=size, byte_range=byte_range,
                                content_type="application/octet-stream",
                                headers={**NO_STORE, "X-Content-SHA256": item.sha256,
                                         "Content-Disposition": f'attachment; filename="{safe_name}"'})


