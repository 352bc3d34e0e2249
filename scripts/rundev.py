"""`make run`: migrate, load demo data, then serve the portal with a real Celery worker and beat.

Runs the Django development server, one Celery worker and the beat scheduler beside it (as in
docker-compose) on kombu's filesystem transport, so nothing but this machine is needed. Ctrl-C,
SIGTERM or SIGHUP stops all three. `--jobs-only` runs the worker and beat without demo data or
server.
"""

from __future__ import annotations

import ctypes
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
# How long the worker may take to finish what it is running; after that it is killed, and the
# stale-job sweep runs the job again when make run next starts.
GRACE_SECONDS = 20


def worker_command() -> list[str]:
    return [str(BIN / "celery"), "-A", "portal", "worker", "--loglevel", "INFO", "--concurrency", "2"]


def beat_command(var: Path) -> list[str]:
    return [str(BIN / "celery"), "-A", "portal", "beat", "--loglevel", "INFO", "--schedule", str(var / "celerybeat-schedule")]


def _stop_with_parent() -> None:
    # If make run itself is killed outright, its worker and beat are still asked to stop.
    if sys.platform == "linux":
        ctypes.CDLL(None).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


def _lower_priority() -> None:
    os.nice(10)


def start_in_own_session(argv: list[str], env: dict) -> subprocess.Popen:
    """A signal sent to make run's process group (Ctrl-C, `kill -TERM -PGID`, a closed terminal)
    must reach the worker only through stop(): a pool process killed directly can die holding the
    lock of the filesystem transport's task queue, and the worker then waits for it for good."""
    return subprocess.Popen(argv, env=env, start_new_session=True, preexec_fn=_stop_with_parent)


def stop(procs: list[subprocess.Popen], sessions: list[subprocess.Popen]) -> list[str]:
    """SIGTERM to each, a grace period, then SIGKILL to whatever is left of each session.
    Returns the commands that had to be killed."""
    for p in procs:
        if p.poll() is None:
            p.send_signal(signal.SIGTERM)
    deadline = time.monotonic() + GRACE_SECONDS
    killed = []
    for p in procs:
        try:
            p.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            killed.append(" ".join(str(a) for a in p.args[1:4]))
            p.kill()
    for p in sessions:
        try:
            os.killpg(p.pid, signal.SIGKILL)  # a pool process outliving its worker
        except ProcessLookupError:
            pass
    for p in procs:
        p.wait()
    return killed


def main(argv: list[str]) -> int:
    jobs_only = "--jobs-only" in argv
    os.chdir(ROOT)
    env = dict(os.environ, DJANGO_SETTINGS_MODULE="portal.settings", PYTHONUNBUFFERED="1")
    var = Path(env.get("PORTAL_VAR_DIR", ROOT / "var"))
    for sub in ("celery-broker", "celery-processed", "media", "evidence", "uploads"):
        (var / sub).mkdir(parents=True, exist_ok=True)
    port = env.get("PORT", "8000")
    manage = [sys.executable, "manage.py"]
    # SIGTERM (docker, systemd, kill) and SIGHUP (a closed terminal) stop everything as Ctrl-C does.
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    signal.signal(signal.SIGHUP, signal.default_int_handler)
    # Ctrl-C too, even where make run was started with SIGINT ignored or blocked (a background job
    # of a script, nohup): Python would otherwise keep what it inherited, and so would its children.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT, signal.SIGTERM, signal.SIGHUP})
    procs: list[subprocess.Popen] = []
    sessions: list[subprocess.Popen] = []
    loader: subprocess.Popen | None = None  # the demo data; its end stops nothing
    code = 0
    try:
        subprocess.run([*manage, "migrate", "--noinput"], env=env, check=True)
        sessions += [start_in_own_session(worker_command(), env), start_in_own_session(beat_command(var), env)]
        procs += sessions
        if jobs_only:
            print("\nThe worker and beat are running. Ctrl-C stops them.\n", flush=True)
        else:
            # The demo accounts first, so anyone can sign in at once; the demo cases, footage and
            # releases (real renders: minutes on a small machine) load beside the running portal.
            # Demo data enqueues footage jobs, so the worker is already up to take them.
            subprocess.run([*manage, "load_demo_data", "--accounts-only"], env=env, check=True)
            # At low CPU priority: its renders then take only what the portal and the worker leave.
            loader = subprocess.Popen([*manage, "load_demo_data"], env=env, preexec_fn=_lower_priority)
            procs.append(subprocess.Popen([*manage, "runserver", f"127.0.0.1:{port}", "--noreload"], env=env))
            print(f"\nThe portal is at http://127.0.0.1:{port}/ (staff: http://127.0.0.1:{port}/staff/). Ctrl-C stops it.\n"
                  "The demo cases, footage and releases are loading beside it.\n", flush=True)
        while all(p.poll() is None for p in procs):
            if loader is not None and loader.poll() is not None:
                print("\nThe demo data is loaded.\n" if loader.returncode == 0 else
                      f"\nLoading the demo data failed (exit {loader.returncode}); the portal goes on without the rest of it.\n",
                      flush=True)
                loader = None
            time.sleep(0.5)
        code = next(p.returncode for p in procs if p.poll() is not None) or 1
    except KeyboardInterrupt:
        pass
    finally:
        for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
            signal.signal(sig, signal.SIG_IGN)  # a second Ctrl-C must not cut the stop short
        killed = stop(procs + ([loader] if loader is not None else []), sessions)
    if killed:
        print(f"make run: killed after {GRACE_SECONDS} s without stopping: {', '.join(killed)}", file=sys.stderr, flush=True)
        return code or 1
    return code


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
