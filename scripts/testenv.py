"""Run a command beside throwaway PostgreSQL and Redis servers on free loopback ports.

    python scripts/testenv.py -- pytest ...

Both servers live in a temporary directory and are stopped (and the directory removed) when the
command ends, whatever its outcome. The command gets DATABASE_URL, REDIS_URL and
CELERY_BROKER_URL pointing at them. At the end it prints the CPU PostgreSQL used (it is outside the
command's own rusage). With PORTAL_TEST_PG_STATEMENTS=FILE it also loads pg_stat_statements and
writes the statements that took the most of the server's time to FILE, for profiling runs.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def pg_bin(name: str) -> str:
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"), key=lambda p: int(p.split("/")[4]))
    if found:
        return found[-1]
    path = shutil.which(name)
    if path:
        return path
    sys.exit(f"PostgreSQL's {name} was not found; install the 'postgresql' package.")


def as_db_user(argv: list[str]) -> list[str]:
    """PostgreSQL refuses to run as root; as root, run it as the 'postgres' system user."""
    if os.geteuid() != 0:
        return argv
    return ["runuser", "-u", "postgres", "--", *argv]


def wait_for_port(port: int, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"nothing listens on port {port} after {timeout}s")


def _stat(pid: int | str) -> list[str]:
    return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()


def postgres_cpu_seconds(data: Path) -> float | None:
    """The postmaster's CPU, that of the backends it has reaped and that of the processes it still
    runs (checkpointer, WAL writer...): the whole server's, once the command's connections close."""
    try:
        pid = int((data / "postmaster.pid").read_text().split()[0])
        ticks = sum(int(f) for f in _stat(pid)[11:15])
    except (OSError, ValueError, IndexError):
        return None
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = _stat(entry.name)
                if int(fields[1]) == pid:
                    ticks += int(fields[11]) + int(fields[12])
            except (OSError, ValueError, IndexError):
                continue
    return ticks / os.sysconf("SC_CLK_TCK")


STATEMENTS_REPORT = """
    SELECT round(total_exec_time::numeric, 1) AS ms, calls, round((total_exec_time / calls)::numeric, 3) AS ms_each,
           rows, left(regexp_replace(query, '\\s+', ' ', 'g'), 300) AS query
    FROM pg_stat_statements ORDER BY total_exec_time DESC LIMIT 80
"""


def write_statements(port: int, out: str) -> None:
    report = subprocess.run(
        [pg_bin("psql"), "-h", "127.0.0.1", "-p", str(port), "-U", "postgres", "-d", "portal", "-X", "-A", "-F", " | ",
         "-c", "SELECT round(sum(total_exec_time)::numeric) AS all_ms, sum(calls) AS all_calls FROM pg_stat_statements",
         "-c", STATEMENTS_REPORT],
        capture_output=True, text=True,
    )
    Path(out).write_text(report.stdout + report.stderr)


def main(argv: list[str]) -> int:
    if "--" in argv:
        argv = argv[argv.index("--") + 1 :]
    if not argv:
        sys.exit("usage: testenv.py -- COMMAND [ARGS...]")
    tmp = Path(tempfile.mkdtemp(prefix="portal-test-"))
    tmp.chmod(0o755)
    pg_dir = tmp / "pg"
    pg_dir.mkdir()
    if os.geteuid() == 0:
        pw = pwd.getpwnam("postgres")
        os.chown(pg_dir, pw.pw_uid, pw.pw_gid)
    pg_port, redis_port = free_port(), free_port()
    redis = None
    pg_started = False
    try:
        subprocess.run(
            as_db_user([pg_bin("initdb"), "-D", str(pg_dir / "data"), "-U", "postgres", "-A", "trust", "-E", "UTF8", "--no-locale", "--no-sync"]),
            check=True, stdout=subprocess.DEVNULL,
        )
        options = f"-p {pg_port} -k {pg_dir} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200"
        statements = os.environ.get("PORTAL_TEST_PG_STATEMENTS")
        if statements:
            options += " -c shared_preload_libraries=pg_stat_statements -c pg_stat_statements.track=all -c pg_stat_statements.max=10000"
        subprocess.run(
            as_db_user([pg_bin("pg_ctl"), "-D", str(pg_dir / "data"), "-o", options, "-l", str(pg_dir / "log"), "-w", "start"]),
            check=True, stdout=subprocess.DEVNULL,
        )
        pg_started = True
        subprocess.run([pg_bin("createdb"), "-h", "127.0.0.1", "-p", str(pg_port), "-U", "postgres", "portal"], check=True)
        if statements:
            subprocess.run([pg_bin("psql"), "-h", "127.0.0.1", "-p", str(pg_port), "-U", "postgres", "-d", "portal", "-q",
                            "-c", "CREATE EXTENSION pg_stat_statements"], check=True)
        redis = subprocess.Popen(
            ["redis-server", "--port", str(redis_port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--databases", "64", "--dir", str(tmp)],
            stdout=subprocess.DEVNULL,
        )
        wait_for_port(redis_port)
        env = dict(
            os.environ,
            DATABASE_URL=f"postgres://postgres@127.0.0.1:{pg_port}/portal",
            REDIS_URL=f"redis://127.0.0.1:{redis_port}/0",
            CELERY_BROKER_URL=f"redis://127.0.0.1:{redis_port}/1",
            PORTAL_VAR_DIR=str(tmp / "var"),
            PORTAL_TEST_SERVICES="1",
        )
        # pytest rewrites the asserts of every test module and plugin at each start unless it may
        # keep the result beside the source: without it each xdist worker redoes seconds of it.
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        print(f"testenv: PostgreSQL on {pg_port}, Redis on {redis_port}, in {tmp}", flush=True)
        proc = subprocess.Popen(argv, env=env)
        try:
            return proc.wait()
        except KeyboardInterrupt:
            proc.send_signal(signal.SIGINT)
            return proc.wait()
    finally:
        if redis is not None:
            redis.terminate()
            redis.wait(timeout=10)
        if pg_started:
            if statements:
                write_statements(pg_port, statements)
            seconds = postgres_cpu_seconds(pg_dir / "data")
            if seconds is not None:
                print(f"testenv: PostgreSQL used {seconds:.1f} CPU-s", flush=True)
            subprocess.run(as_db_user([pg_bin("pg_ctl"), "-D", str(pg_dir / "data"), "-m", "immediate", "-w", "stop"]), stdout=subprocess.DEVNULL)
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
