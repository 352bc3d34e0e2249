"""`make run`'s launcher, end to end: SQLite, filesystem broker, a real worker and beat; Ctrl-C, or
SIGTERM to its whole process group, stops all of them within the grace period."""

import base64
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests
from django_otp.oath import totp

ROOT = Path(__file__).resolve().parents[2]
DEMO_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _dev_env(tmp_path, port):
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL", "CELERY_BROKER_URL", "CELERY_TASK_ALWAYS_EAGER"}}
    env.update(PORT=str(port), PORTAL_VAR_DIR=str(tmp_path / "var"), DEMO_PASSWORD="demo pass for the test", DEMO_TOTP_SECRET=DEMO_SECRET)
    return env


def _descendants(pid: int) -> set[int]:
    """Every process below pid, whatever its session (make run gives the worker and beat their own)."""
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        children.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    found, todo = set(), [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.add(child)
            todo.append(child)
    return found


def _alive(pids: set[int]) -> set[int]:
    alive = set()
    for pid in pids:
        try:
            state = (Path("/proc") / str(pid) / "stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            continue
        if state != "Z":
            alive.add(pid)
    return alive


def _wait(url, predicate, timeout):
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        try:
            last = requests.get(url, timeout=5)
            if predicate(last):
                return last
        except requests.ConnectionError:
            pass
        time.sleep(0.2)
    raise AssertionError(f"{url} did not become ready: {last and last.status_code}")


@pytest.mark.slow
def test_make_run_serves_the_portal_with_a_working_worker_and_stops_on_ctrl_c(tmp_path):
    port = _free_port()
    env = _dev_env(tmp_path, port)
    family = set()
    # Started as a script's background job is, with SIGINT ignored (it stays ignored across exec):
    # Ctrl-C to the group must still stop everything.
    as_background_job = ("import os, signal, sys; signal.signal(signal.SIGINT, signal.SIG_IGN); "
                         "os.execv(sys.executable, [sys.executable, 'scripts/rundev.py'])")
    proc = subprocess.Popen([sys.executable, "-c", as_background_job], cwd=ROOT, env=env, stdout=open(tmp_path / "log", "wb"),
                            stderr=subprocess.STDOUT, start_new_session=True)
    try:
        base = f"http://127.0.0.1:{port}"
        _wait(base + "/healthz/", lambda r: r.status_code == 200, timeout=240)
        session = requests.Session()
        login = session.get(base + "/accounts/login/")
        token = login.cookies["csrftoken"]
        session.post(base + "/accounts/login/", data={"username": "supervisor", "password": "demo pass for the test", "csrfmiddlewaretoken": token,
                                                           "otp_token": f"{totp(base64.b32decode(DEMO_SECRET)):06d}"},
                     headers={"Referer": base + "/accounts/login/"})
        home = None
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            home = session.get(base + "/staff/")
            if "The worker is running" in home.text:
                break
            time.sleep(0.5)
        assert "Supervisor home" in home.text, (tmp_path / "log").read_text()[-3000:]
        assert "The worker is running" in home.text, (tmp_path / "log").read_text()[-3000:]
        assert (tmp_path / "var" / "db.sqlite3").exists()
        family = _descendants(proc.pid)
    finally:
        os.killpg(proc.pid, signal.SIGINT)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            raise AssertionError("Ctrl-C did not stop make run within 30 s")
    assert len(family) >= 3  # the server, the worker (and its pool) and beat
    deadline = time.monotonic() + 15
    while _alive(family) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not _alive(family), "processes were left running after Ctrl-C"


@pytest.mark.slow
def test_sigterm_to_make_runs_process_group_stops_the_worker_and_beat_within_the_grace_period(tmp_path):
    env = _dev_env(tmp_path, _free_port())
    log = tmp_path / "log"
    proc = subprocess.Popen([sys.executable, "scripts/rundev.py", "--jobs-only"], cwd=ROOT, env=env, stdout=open(log, "wb"),
                            stderr=subprocess.STDOUT, start_new_session=True)
    try:
        deadline = time.monotonic() + 180
        while not ("ready." in log.read_text() and "beat: Starting" in log.read_text()) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert "ready." in log.read_text(), log.read_text()[-3000:]
        # The worker used to hang only once its pool processes had taken work.
        send = "import django; django.setup(); from portal.tasks import record_worker_heartbeat as t; [t.delay() for _ in range(4)]"
        subprocess.run([sys.executable, "-c", send], cwd=ROOT, env=dict(env, DJANGO_SETTINGS_MODULE="portal.settings"), check=True)
        # Waits for what it asserts: beat's own "Sending due task" lines name the task too, so
        # counting the task's name could stop before the four had run on a slow machine.
        while log.read_text().count("succeeded") < 4 and time.monotonic() < deadline:
            time.sleep(0.1)
        assert log.read_text().count("succeeded") >= 4, log.read_text()[-3000:]
        family = _descendants(proc.pid)
        assert len(family) >= 3  # the worker, its pool and beat

        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            raise AssertionError("SIGTERM did not stop make run within 30 s") from None
    finally:
        if proc.poll() is None:
            stuck = _descendants(proc.pid)
            os.killpg(proc.pid, signal.SIGKILL)
            for pid in _alive(stuck):
                os.kill(pid, signal.SIGKILL)
    assert proc.returncode == 0, log.read_text()[-3000:]
    assert "killed after" not in log.read_text()
    deadline = time.monotonic() + 10
    while _alive(family) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not _alive(family), "processes were left running after SIGTERM"
