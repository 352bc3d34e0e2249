"""The public site under load: the deployed server (the Dockerfile's gunicorn command, with
docker/gunicorn.conf.py) with the production settings on PostgreSQL, 2,000 released incidents, a
fixed number of concurrent clients on loopback.

    .venv/bin/python scripts/testenv.py -- .venv/bin/python bench/public_load.py [--incidents 2000]
        [--concurrency 50] [--seconds 15] [--warm] [--client wrk|python]
        [--workers N] [--threads N] [--switch-interval-ms MS]   (to compare others than the deployed)

(Run without a PostgreSQL DATABASE_URL it starts itself under scripts/testenv.py.) Reports, for the
public list, an incident page and the JSON API: requests per second and p50/p95/p99 latency over
every request, beside the same figures for /robots.txt (the whole middleware stack and a view with
no query: pages kept by the server are answered before Django's handler, so they come in under it);
the server's CPU time per request (its workers' user and system time, steadier than latencies on a
shared machine), each worker's memory, and the SQL queries each page costs with 100 and with all
incidents (it must not grow with rows).

The load is closed-loop: `--concurrency` keep-alive connections, each sending its next request
when the previous answer has arrived, p95 over every request. The client is wrk (Debian's package,
which the bench installs with apt-get when it is missing and it runs as root): one C thread costs
3-6% of a core where bench/http_load.py (asyncio, `--client python`, the fallback) costs 7-25%,
on the same two cores as the server. The client's CPU share is reported either way. `--warm` asks
for every URL once first, as readers before the rush would have. The machine may be shared, so
the numbers say as much about the neighbours as about the code: the load average is printed.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
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


def deployed_command() -> list[str]:
    """The web container's command: the Dockerfile's CMD (docker-compose.yml's web command is the same)."""
    import re

    return json.loads(re.search(r"^CMD (\[.*\])$", (ROOT / "Dockerfile").read_text(), re.M).group(1))


def start_gunicorn(workers: int | None, threads: int | None, switch_interval_ms: float | None) -> tuple[subprocess.Popen, str, Path, list[str]]:
    """The deployed server, as the Dockerfile starts it, on a free loopback port; `workers`, `threads`
    and `switch_interval_ms` replace the deployed values where given."""
    static_root = Path(tempfile.mkdtemp(prefix="bench-static-"))
    port = free_port()
    command = deployed_command()
    replace = {"--bind": f"127.0.0.1:{port}", "--workers": workers, "--threads": threads}
    for option, value in replace.items():
        if value is not None:
            command[command.index(option) + 1] = str(value)
    if "--access-logfile" in command:  # formatted and written as deployed, to nowhere rather than the terminal
        command[command.index("--access-logfile") + 1] = os.devnull
    env = {
        **os.environ,
        "DJANGO_ENV": "production",
        "SECRET_KEY": "bench-" + os.urandom(24).hex(),
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "false",
        "STATIC_ROOT": str(static_root),
        "LOG_LEVEL": "WARNING",
        **({"WEB_SWITCH_INTERVAL_MS": str(switch_interval_ms)} if switch_interval_ms is not None else {}),
    }
    subprocess.run([sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"], cwd=ROOT, env=env, check=True)
    command[0] = str(Path(sys.executable).with_name("gunicorn"))
    proc = subprocess.Popen([*command, "--log-level", "warning"], cwd=ROOT, env=env, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    import requests

    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if requests.get(base + "/healthz/", timeout=1).status_code < 500:
                return proc, base, static_root, command
        except requests.RequestException:
            time.sleep(0.2)
    proc.terminate()
    sys.exit("gunicorn did not start")


def worker_pids(proc: subprocess.Popen) -> list[int]:
    return [int(pid) for pid in Path(f"/proc/{proc.pid}/task/{proc.pid}/children").read_text().split()]


def cpu_seconds(pids: list[int]) -> float:
    total = 0
    for pid in pids:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / os.sysconf("SC_CLK_TCK")


def server_memory(proc: subprocess.Popen) -> list[int]:
    """Resident memory of each gunicorn worker, in MiB."""
    sizes = []
    for pid in worker_pids(proc):
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                sizes.append(int(line.split()[1]) // 1024)
    return sizes


def wrk_binary() -> str | None:
    """wrk from Debian's packages, installed here when missing and the bench runs as root (as on the
    project's machines); without it the Python client is used."""
    if shutil.which("wrk") or os.geteuid() != 0 or not shutil.which("apt-get"):
        return shutil.which("wrk")
    quiet = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL, "env": {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}}
    if subprocess.run(["apt-get", "install", "-y", "-q", "wrk"], **quiet).returncode:
        subprocess.run(["apt-get", "update", "-q"], **quiet)
        subprocess.run(["apt-get", "install", "-y", "-q", "wrk"], **quiet)
    return shutil.which("wrk")


WRK_SCRIPT = """
local paths = {%s}
local requests = {}
function init(args)
  math.randomseed(7)
  for i, path in ipairs(paths) do
    requests[i] = wrk.format("GET", path, {["Accept-Language"] = "en"})
  end
end
function request()
  return requests[math.random(#requests)]
end
function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format('\\n{"requests": %%d, "elapsed_us": %%d, "errors": %%d, "mean": %%f, "p50": %%f, "p95": %%f, "p99": %%f}\\n',
    summary.requests, summary.duration, e.connect + e.read + e.write + e.status + e.timeout, latency.mean,
    latency:percentile(50), latency:percentile(95), latency:percentile(99)))
end
"""


def load(base: str, paths: list[str], concurrency: int, seconds: float, client: str) -> dict:
    """Closed loop: `concurrency` keep-alive connections, each sending its next request when the
    previous answer has arrived, a path drawn at random from `paths` each time; the client runs in
    a process of its own and its CPU time is measured."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    began = time.monotonic()
    if client == "python":
        host, port = base.removeprefix("http://").split(":")
        spec = json.dumps({"paths": paths, "headers": {"Accept-Language": "en"}})
        out = subprocess.run([sys.executable, str(ROOT / "bench" / "http_load.py"), host, port, str(concurrency), str(seconds)],
                             input=spec, capture_output=True, text=True, check=True)
        result = json.loads(out.stdout)
        latencies = sorted(result["latencies"])

        def pct(p: float) -> float:
            return latencies[min(len(latencies) - 1, int(p / 100 * len(latencies)))]

        figures = {"requests": len(latencies), "errors": result["errors"], "rps": len(latencies) / result["elapsed"],
                   "p50": pct(50), "p95": pct(95), "p99": pct(99), "mean": statistics.fmean(latencies)}
    else:
        with tempfile.NamedTemporaryFile("w", suffix=".lua") as script:
            script.write(WRK_SCRIPT % ", ".join(json.dumps(p) for p in paths))
            script.flush()
            out = subprocess.run([client, "--threads", "1", "--connections", str(concurrency), "--duration", f"{seconds:.0f}s",
                                  "--timeout", "10s", "--script", script.name, base + paths[0]],
                                 capture_output=True, text=True, check=True)
        result = json.loads(out.stdout.strip().splitlines()[-1])
        figures = {"requests": result["requests"], "errors": result["errors"],
                   "rps": result["requests"] / (result["elapsed_us"] / 1e6),
                   **{k: result[k] / 1000 for k in ("p50", "p95", "p99", "mean")}}
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return {**figures, "client_cpu": cpu / (time.monotonic() - began)}


def warm(base: str, paths: list[str]) -> None:
    """Every URL asked for once, so the figures are those of pages already read by somebody."""
    import requests

    with requests.Session() as session:
        for path in paths:
            session.get(base + path, headers={"Accept-Language": "en"}, timeout=30)


def scenarios(references: list[str]) -> dict[str, list[str]]:
    sample = random.Random(7).sample(references, 200)
    return {
        # The floor: the same server and middleware, a view with no query and no template.
        "baseline": ["/robots.txt"],
        "public list": [f"/incidents/?page={p}" for p in range(1, 21)],
        "incident page": [f"/incidents/{r}/" for r in sample],
        "JSON API": [f"/api/public/incidents/?page={p}" for p in range(1, 11)],
    }


def measure(base: str, scenarios: dict[str, list[str]], args, client: str, workers: list[int]) -> dict[str, dict]:
    """Each scenario after a short warm-up; the server's CPU per request (its workers' user and
    system time) is steadier than the latencies on a shared machine, so it is printed beside them."""
    print(f"  {'scenario':14s} {'req':>6s} {'err':>4s} {'req/s':>7s} {'p50 ms':>7s} {'p95 ms':>7s} {'p99 ms':>7s} "
          f"{'server CPU/req':>14s} {'client CPU':>10s} {'load':>5s}")
    results = {}
    for name, paths in scenarios.items():
        load(base, paths[:3], 2, 2, client)  # warm the connections and the workers
        if args.warm:
            warm(base, paths)
        before = cpu_seconds(workers)
        r = results[name] = load(base, paths, args.concurrency, args.seconds, client)
        r["server_us"] = (cpu_seconds(workers) - before) / max(r["requests"], 1) * 1e6
        print(f"  {name:14s} {r['requests']:6d} {r['errors']:4d} {r['rps']:7.1f} {r['p50']:7.1f} {r['p95']:7.1f} {r['p99']:7.1f} "
              f"{r['server_us']:11.0f} us {r['client_cpu']:9.0%} {os.getloadavg()[0]:5.1f}", flush=True)
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--incidents", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=50)
    parser.add_argument("--seconds", type=int, default=15)
    # Left out, the deployed server's settings apply (the Dockerfile's CMD and docker/gunicorn.conf.py).
    parser.add_argument("--workers", type=int)
    parser.add_argument("--threads", type=int)
    parser.add_argument("--switch-interval-ms", type=float)
    parser.add_argument("--client", choices=("wrk", "python"), default="wrk",
                        help="wrk (installed from Debian's packages when missing) or bench/http_load.py")
    parser.add_argument("--warm", action="store_true", help="ask for every URL once before measuring")
    args = parser.parse_args()
    ensure_postgres()
    setup_django()
    client = "python" if args.client == "python" else wrk_binary()
    if client is None:
        print("wrk is not installed and cannot be installed here: the Python client measures instead")
        client = "python"

    references = seed(100)
    small = query_counts(references[0])
    references += seed(args.incidents - 100, first=101)
    large = query_counts(references[len(references) // 2])
    print(f"load average at start: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
    print(f"SQL queries per request (100 vs {args.incidents} released incidents):")
    for name in PAGES:
        print(f"  {name:14s} {small[name]:3d} vs {large[name]:3d}{'' if small[name] == large[name] else '  <-- grows'}")

    proc, base, static_root, command = start_gunicorn(args.workers, args.threads, args.switch_interval_ms)
    try:
        print(f"\n{' '.join(command[1:])}{f' (switch interval {args.switch_interval_ms} ms)' if args.switch_interval_ms else ''}, "
              f"production settings, {args.concurrency} keep-alive clients ({'wrk' if client != 'python' else 'bench/http_load.py'}), "
              f"{args.seconds} s each, loopback{', every URL asked once first' if args.warm else ''}; load average now {os.getloadavg()[0]:.1f}")
        measure(base, scenarios(references), args, client, worker_pids(proc))
        print(f"worker memory (RSS, MiB): {', '.join(map(str, server_memory(proc)))}")
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=20)
        shutil.rmtree(static_root, ignore_errors=True)


if __name__ == "__main__":
    main()
