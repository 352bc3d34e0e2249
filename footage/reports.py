"""The custody report of one footage item, as CSV or PDF: what it is, its hash, and every entry of
its chain of custody with the entry hashes, so a reader can check the report against the log.
Producing one is itself recorded (an "exported" entry, which the report includes)."""

from __future__ import annotations

import csv
import io
from datetime import timezone as dt_timezone

from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from reportlab.lib import colors
from reportlab.lib.pagesizes import letter, landscape
from reportlab.lib.styles import getSampleStyleSheet
from reportlab.lib.units import inch
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from .custody import custody_log, record_custody, verify_custody_chain
from .models import CustodyAction, FootageItem

COLUMNS = ["entry", "time (UTC)", "action", "actor", "address", "original SHA-256", "derived SHA-256", "detail", "entry hash", "previous hash"]


def _rows(item: FootageItem, *, local: bool = False):
    for event in custody_log(item):
        yield [
            event.pk,
            _local(event.occurred_at) if local else event.occurred_at.astimezone(dt_timezone.utc).strftime("%Y-%m-%d %H:%M:%S"),
            event.get_action_display(),
            event.actor_username or "system",
            event.ip_address or "",
            event.original_sha256,
            event.derived_sha256,
            "; ".join(f"{k}={v}" for k, v in sorted(event.detail.items())),
            event.hash,
            event.prev_hash,
        ]


def custody_report_response(item: FootageItem, fmt: str, *, request: HttpRequest) -> HttpResponse:
    record_custody(item, CustodyAction.EXPORTED, actor=request.user, request=request, detail={"what": "custody report", "format": fmt})
    filename = f"custody-footage-{item.pk}.{fmt}"
    if fmt == "csv":
        body = _csv(item)
        content_type = "text/csv; charset=utf-8"
    else:
        body = _pdf(item, request)
        content_type = "application/pdf"
    response = HttpResponse(body, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    return response


def _local(moment) -> str:
    # The PDF is read beside the staff pages, so it says the same local time, with its zone, as they do.
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M:%S %Z")


def _summary(item: FootageItem, *, local: bool = False) -> list[tuple[str, str]]:
    return [
        ("Footage", f"#{item.pk} {item.original_filename}"),
        ("Incident", str(item.incident)),
        ("Kind", item.get_kind_display()),
        ("Device", item.device_id or "—"),
        ("Uploaded", f"{_local(item.uploaded_at) if local else item.uploaded_at.astimezone(dt_timezone.utc).strftime('%Y-%m-%d %H:%M:%S UTC')}"
                     f" by {item.uploaded_by.get_username()}"),
        ("Size", f"{item.size} bytes"),
        ("SHA-256", item.sha256),
    ]


def _csv(item: FootageItem) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    for label, value in _summary(item):
        writer.writerow([f"# {label}", value])
    writer.writerow(COLUMNS)
    for row in _rows(item):
        writer.writerow(["'" + c if isinstance(c, str) and c[:1] in ("=", "+", "-", "@") else c for c in row])
    return out.getvalue().encode("utf-8")


def _pdf(item: FootageItem, request: HttpRequest) -> bytes:
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(buffer, pagesize=landscape(letter), leftMargin=0.5 * inch, rightMargin=0.5 * inch,
                            title=f"Chain of custody, footage {item.pk}")
    styles = getSampleStyleSheet()
    small = styles["BodyText"].clone("small", fontSize=7, leading=8.5)
    mono = styles["Code"].clone("mono", fontSize=6, leading=7.5)
    story = [Paragraph(f"Chain of custody — footage #{item.pk}", styles["Title"])]
    story.append(Table([[label, value] for label, value in _summary(item, local=True)], colWidths=[1.3 * inch, 8 * inch],
                       style=TableStyle([("FONTSIZE", (0, 0), (-1, -1), 8), ("FONTNAME", (0, 0), (0, -1), "Helvetica-Bold")])))
    chain = verify_custody_chain()
    story.append(Spacer(1, 8))
    story.append(Paragraph(
        f"Custody log chain check at {_local(timezone.now())}: "
        + ("intact" if chain.ok else f"BROKEN at entries {', '.join(str(b.event_id) for b in chain.breaks[:10])}")
        + f" ({chain.checked} entries checked).", small))
    story.append(Spacer(1, 8))
    header = ["#", "Time", "Action", "Actor", "Address", "Hashes", "Detail"]
    data = [header]
    for row in _rows(item, local=True):
        entry, when, action, actor, address, original, derived, detail, entry_hash, prev_hash = row
        hashes = f"original {original}" + (f"<br/>derived {derived}" if derived else "") + f"<br/>entry {entry_hash}"
        data.append([str(entry), when, action, actor, address, Paragraph(hashes, mono), Paragraph(_escape(detail), small)])
    table = Table(data, repeatRows=1, colWidths=[0.4 * inch, 1.1 * inch, 1.1 * inch, 0.9 * inch, 0.9 * inch, 3.4 * inch, 2.2 * inch])
    table.setStyle(TableStyle([
        ("FONTSIZE", (0, 0), (-1, -1), 7),
        ("FONTNAME", (0, 0), (-1, 0), "Helvetica-Bold"),
        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#dfe1e2")),
        ("GRID", (0, 0), (-1, -1), 0.25, colors.grey),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
    ]))
    story.append(table)
    doc.build(story)
    return buffer.getvalue()


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
