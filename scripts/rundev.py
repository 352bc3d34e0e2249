"""`make run`: migrate, load demo data, then serve the portal with a real Celery worker.

Runs the Django development server and one Celery worker (with the beat scheduler embedded) on
kombu's filesystem transport, so nothing but this machine is needed. Ctrl-C stops both.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


def main() -> int:
    os.chdir(ROOT)
    env = dict(os.environ, DJANGO_SETTINGS_MODULE="portal.settings", PYTHONUNBUFFERED="1")
    var = Path(env.get("PORTAL_VAR_DIR", ROOT / "var"))
    for sub in ("celery-broker", "celery-processed", "media", "evidence", "uploads"):
        (var / sub).mkdir(parents=True, exist_ok=True)
    port = env.get("PORT", "8000")
    manage = [sys.executable, "manage.py"]
    subprocess.run([*manage, "migrate", "--noinput"], env=env, check=True)
    worker = subprocess.Popen(
        [
            str(BIN / "celery"), "-A", "portal", "worker", "--beat", "--loglevel", "INFO",
            "--concurrency", "2", "--schedule", str(var / "celerybeat-schedule"),
        ],
        env=env,
    )
    procs = [worker]
    try:
        # Demo data enqueues footage jobs, so the worker is already up to take them.
        subprocess.run([*manage, "load_demo_data"], env=env, check=True)
        server = subprocess.Popen([*manage, "runserver", f"127.0.0.1:{port}", "--noreload"], env=env)
        procs.append(server)
        print(f"\nThe portal is at http://127.0.0.1:{port}/ (staff: http://127.0.0.1:{port}/staff/). Ctrl-C stops it.\n", flush=True)
        while all(p.poll() is None for p in procs):
            time.sleep(0.5)
        return next(p.returncode for p in procs if p.poll() is not None) or 1
    except KeyboardInterrupt:
        return 0
    finally:
        for p in procs:
            if p.poll() is None:
                p.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + 15
        for p in procs:
            try:
                p.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                p.kill()


if __name__ == "__main__":
    sys.exit(main())
