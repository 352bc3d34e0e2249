"""`make run`'s launcher, end to end: SQLite, filesystem broker, a real worker, Ctrl-C stops all."""

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
        time.sleep(0.5)
    raise AssertionError(f"{url} did not become ready: {last and last.status_code}")


@pytest.mark.slow
def test_make_run_serves_the_portal_with_a_working_worker_and_stops_on_ctrl_c(tmp_path):
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL", "CELERY_BROKER_URL", "CELERY_TASK_ALWAYS_EAGER"}}
    env.update(PORT=str(port), PORTAL_VAR_DIR=str(tmp_path / "var"), DEMO_PASSWORD="demo pass for the test", DEMO_TOTP_SECRET=DEMO_SECRET)
    proc = subprocess.Popen([sys.executable, "scripts/rundev.py"], cwd=ROOT, env=env, stdout=open(tmp_path / "log", "wb"),
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
            time.sleep(1)
        assert "Supervisor home" in home.text, (tmp_path / "log").read_text()[-3000:]
        assert "The worker is running" in home.text, (tmp_path / "log").read_text()[-3000:]
        assert (tmp_path / "var" / "db.sqlite3").exists()
    finally:
        os.killpg(proc.pid, signal.SIGINT)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            raise AssertionError("Ctrl-C did not stop make run within 30 s")
    deadline = time.monotonic() + 15
    while True:
        leftovers = subprocess.run(["pgrep", "-a", "-g", str(proc.pid)], capture_output=True, text=True).stdout.strip()
        if not leftovers or time.monotonic() > deadline:
            break
        time.sleep(0.5)
    assert leftovers == "", f"processes were left running after Ctrl-C: {leftovers}"
