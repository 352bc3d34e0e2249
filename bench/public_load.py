"""The public site under load: gunicorn with the production settings on PostgreSQL, 2,000
released incidents, a fixed number of concurrent clients on loopback.

    .venv/bin/python scripts/testenv.py -- .venv/bin/python bench/public_load.py [--incidents 2000]
        [--concurrency 50] [--seconds 15] [--workers 2] [--threads 8] [--worker-class gthread]
        [--keep-alive 5] [--warm]

(Run without a PostgreSQL DATABASE_URL it starts itself under scripts/testenv.py.) Reports, for the
public list, an incident page and the JSON API: requests per second and p50/p95/p99 latency over
every request, beside the same figures for /robots.txt (the whole middleware stack and a view with
no query: pages kept by the server skip that stack, so they may come in under it); and the SQL
queries each page costs with 100 and with all incidents (it must not grow with rows).

The load is closed-loop: `--concurrency` keep-alive connections, each sending its next request
when the previous answer has arrived, from bench/http_load.py in a process of its own, whose CPU
use is reported (a share of one core) since it runs on the same cores as the server. `--warm` asks
for every URL once first, as readers before the rush would have. The machine may be shared, so
the numbers say as much about the neighbours as about the code: the load average is printed.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def ensure_postgres() -> None:
    if not os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://")):
        os.execv(sys.executable, [sys.executable, str(ROOT / "scripts" / "testenv.py"), "--", sys.executable, *sys.argv])


def setup_django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
    import django

    django.setup()


def seed(count: int, *, first: int = 1) -> list[str]:
    """Released incidents, inserted in bulk. This is benchmark data, not a state change: going
    through the workflow 2,000 times would take minutes and measure the audit chain instead."""
    from django.core.management import call_command
    from django.utils import timezone

    from incidents.models import Incident
    from incidents.vocabulary import AGENCIES, CATEGORIES, NEIGHBOURHOODS, OUTCOMES
    from portal.accounts import create_user_with_role
    from portal.roles import Role

    from django.contrib.auth.models import User

    call_command("migrate", verbosity=0)
    reporter = User.objects.filter(username="bench-reporter").first() or create_user_with_role(
        username="bench-reporter", role=Role.REPORTER, password="bench-password-123", check_password_strength=False
    )
    rng = random.Random(first)
    now = timezone.now()
    rows = []
    for n in range(first - 1, first - 1 + count):
        hood = rng.choice(NEIGHBOURHOODS)
        start = now - timedelta(days=rng.randint(1, 400), minutes=rng.randint(0, 1440))
        closed = rng.random() < 0.5
        rows.append(Incident(
            reference=f"INC-2026-{n + 1:05d}",
            state="closed" if closed else "investigation",
            outcome=rng.choice(OUTCOMES)[0] if closed else "",
            reporter=reporter,
            occurred_start=start,
            occurred_end=start + timedelta(minutes=rng.randint(5, 120)),
            address=f"{rng.randint(1, 9999)} Private Street",
            neighbourhood=hood.key,
            latitude=hood.latitude + Decimal(rng.randint(-900, 900)) / 100000,
            longitude=hood.longitude + Decimal(rng.randint(-900, 900)) / 100000,
            agencies=rng.sample([a for a, _ in AGENCIES], rng.randint(1, 2)),
            categories=rng.sample([c for c, _ in CATEGORIES], rng.randint(1, 3)),
            narrative="Private narrative. " * 40,
            public_summary=f"Federal agents were seen in {hood.label}. " * 3,
            published_at=start + timedelta(days=rng.randint(1, 60)),
            public_location_precision="block",
            public_latitude=round(hood.latitude + Decimal(rng.randint(-900, 900)) / 100000, 3),
            public_longitude=round(hood.longitude + Decimal(rng.randint(-900, 900)) / 100000, 3),
        ))
    Incident.objects.bulk_create(rows, batch_size=500)
    from django.db import connection

    from public.data_version import public_data_changed

    public_data_changed()  # as every writer of public rows does, so no page kept before the insert is served

    # As autovacuum would soon after: statistics and visibility map for the planner.
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE incidents_incident")
    return [r.reference for r in rows]


PAGES = {
    "list": "/incidents/",
    "list page 40": "/incidents/?page=40",
    "list filtered": "/incidents/?agency=ice_ero&sort=oldest",
    "incident": "/incidents/{ref}/",
    "api list": "/api/public/incidents/",
    "api detail": "/api/public/incidents/{ref}/",
    "statistics": "/statistics/",
    "home": "/",
}


def query_counts(reference: str) -> dict[str, int]:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client()
    counts = {}
    for name, path in PAGES.items():
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(path.format(ref=reference))
            if response.streaming:
                b"".join(response.streaming_content)
        assert response.status_code == 200, (path, response.status_code)
        counts[name] = len(ctx.captured_queries)
    return counts


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_gunicorn(workers: int, threads: int, worker_class: str, keep_alive: int) -> tuple[subprocess.Popen, str, Path]:
    static_root = Path(tempfile.mkdtemp(prefix="bench-static-"))
    env = {
        **os.environ,
        "DJANGO_ENV": "production",
        "SECRET_KEY": "bench-" + os.urandom(24).hex(),
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "false",
        "STATIC_ROOT": str(static_root),
        "LOG_LEVEL": "WARNING",
    }
    subprocess.run([sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"], cwd=ROOT, env=env, check=True)
    port = free_port()
    proc = subprocess.Popen(
        [str(Path(sys.executable).with_name("gunicorn")), "portal.wsgi:application", "--bind", f"127.0.0.1:{port}",
         "--workers", str(workers), "--worker-class", worker_class, "--threads", str(threads),
         "--keep-alive", str(keep_alive), "--log-level", "warning"],
        cwd=ROOT, env=env, start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    import requests

    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if requests.get(base + "/healthz/", timeout=1).status_code < 500:
                return proc, base, static_root
        except requests.RequestException:
            time.sleep(0.2)
    proc.terminate()
    sys.exit("gunicorn did not start")


def load(base: str, paths: list[str], concurrency: int, seconds: float) -> dict:
    """Closed loop: `concurrency` keep-alive connections, each sending its next request when the
    previous answer has arrived; the client runs in its own process (bench/http_load.py)."""
    host, port = base.removeprefix("http://").split(":")
    spec = json.dumps({"paths": paths, "headers": {"Accept-Language": "en"}})
    began = time.monotonic()
    out = subprocess.run([sys.executable, str(ROOT / "bench" / "http_load.py"), host, port, str(concurrency), str(seconds)],
                         input=spec, capture_output=True, text=True, check=True)
    result = json.loads(out.stdout)
    latencies = sorted(result["latencies"])

    def pct(p: float) -> float:
        return latencies[min(len(latencies) - 1, int(p / 100 * len(latencies)))]

    elapsed = result["elapsed"]
    return {"requests": len(latencies), "errors": result["errors"], "rps": len(latencies) / elapsed,
            "p50": pct(50), "p95": pct(95), "p99": pct(99), "mean": statistics.fmean(latencies),
            "client_cpu": result["cpu_seconds"] / (time.monotonic() - began)}


def warm(base: str, paths: list[str]) -> None:
    """Every URL asked for once, so the figures are those of pages already read by somebody."""
    import requests

    with requests.Session() as session:
        for path in paths:
            session.get(base + path, headers={"Accept-Language": "en"}, timeout=30)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--incidents", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=15)
    # The deployed server's settings (Dockerfile, docker-compose.yml): one process per core.
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--worker-class", default="gthread")
    parser.add_argument("--keep-alive", type=int, default=5)
    parser.add_argument("--warm", action="store_true", help="ask for every URL once before measuring")
    args = parser.parse_args()
    ensure_postgres()
    setup_django()

    references = seed(100)
    small = query_counts(references[0])
    references += seed(args.incidents - 100, first=101)
    large = query_counts(references[len(references) // 2])
    print(f"load average at start: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
    print(f"SQL queries per request (100 vs {args.incidents} released incidents):")
    for name in PAGES:
        print(f"  {name:14s} {small[name]:3d} vs {large[name]:3d}{'' if small[name] == large[name] else '  <-- grows'}")

    proc, base, static_root = start_gunicorn(args.workers, args.threads, args.worker_class, args.keep_alive)
    try:
        sample = random.Random(7).sample(references, 200)
        scenarios = {
            # The floor: the same server and middleware, a view with no query and no template.
            "baseline": ["/robots.txt"],
            "public list": [f"/incidents/?page={p}" for p in range(1, 21)],
            "incident page": [f"/incidents/{r}/" for r in sample],
            "JSON API": [f"/api/public/incidents/?page={p}" for p in range(1, 11)],
        }
        print(f"\ngunicorn {args.workers} {args.worker_class} workers x {args.threads} threads, production settings, {args.concurrency} clients, "
              f"{args.seconds:.0f} s each, loopback{', every URL asked once first' if args.warm else ''}; "
              f"load average now {os.getloadavg()[0]:.1f}")
        print(f"  {'scenario':14s} {'req':>6s} {'err':>4s} {'req/s':>7s} {'p50 ms':>7s} {'p95 ms':>7s} {'p99 ms':>7s} {'client CPU':>10s}")
        for name, paths in scenarios.items():
            load(base, paths[:3], 2, 1.5)  # warm the connections and the workers
            if args.warm:
                warm(base, paths)
            r = load(base, paths, args.concurrency, args.seconds)
            print(f"  {name:14s} {r['requests']:6d} {r['errors']:4d} {r['rps']:7.1f} {r['p50']:7.1f} {r['p95']:7.1f} {r['p99']:7.1f} {r['client_cpu']:9.0%}")
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=20)
        shutil.rmtree(static_root, ignore_errors=True)


if __name__ == "__main__":
    main()
