from django.contrib.auth.decorators import login_not_required, login_required
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from portal.models import WorkerHeartbeat
from portal.roles import ROLE_DESCRIPTIONS, Role, roles_of
from portal.tasks import record_worker_heartbeat


def worker_status() -> dict:
    beat = WorkerHeartbeat.objects.order_by("-last_seen").first()
    if beat is None:
        return {"state": "unknown", "beat": None}
    age = (timezone.now() - beat.last_seen).total_seconds()
    return {"state": "ok" if age < 180 else "stale", "beat": beat, "age_seconds": int(age)}


@login_required
@require_GET
def staff_home(request: HttpRequest) -> HttpResponse:
    roles = sorted(roles_of(request.user), key=list(Role).index)
    sections = _dashboard_sections(request)
    return render(
        request,
        "staff/home.html",
        {
            "roles": [{"role": r, "label": r.label, "description": ROLE_DESCRIPTIONS[r]} for r in roles],
            "sections": sections,
            "worker": worker_status(),
        },
    )


def _dashboard_sections(request: HttpRequest) -> list:
    """Per-role dashboard panels contributed by the apps (incidents, footage)."""
    from portal.dashboard import sections_for

    return sections_for(request)


@login_required
@require_POST
def check_worker(request: HttpRequest) -> HttpResponse:
    record_worker_heartbeat.delay()
    return redirect("staff-home")


@login_not_required
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        db = "ok"
    except Exception:  # the probe reports; it must never raise
        db = "unavailable"
    status = 200 if db == "ok" else 503
    return JsonResponse({"status": "ok" if status == 200 else "degraded", "database": db}, status=status)
