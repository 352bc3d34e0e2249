"""A real portal server process (gunicorn) against the test database, and a TCP relay in front
of it that can cut connections in the middle of an upload, the way a bad mobile network does."""

from __future__ import annotations

import re
import signal
import socket
import subprocess
import sys
import threading
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from tests.workers import ROOT, wait_until, worker_env


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _listening(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True
    except OSError:
        return False


@contextmanager
def portal_server(*, workers: int = 2, threads: int = 4, log_path: Path | None = None):
    """gunicorn with threaded workers (which keep connections alive), as tus clients prefer. Stopped
    once its tests are done, when nothing is in flight: no grace period worth waiting for."""
    port = free_port()
    gunicorn = Path(sys.executable).with_name("gunicorn")
    args = [str(gunicorn), "portal.wsgi:application", "--bind", f"127.0.0.1:{port}", "--workers", str(workers),
            "--worker-class", "gthread", "--threads", str(threads), "--timeout", "120", "--graceful-timeout", "1"]
    out = open(log_path, "ab") if log_path else subprocess.DEVNULL
    proc = subprocess.Popen(args, cwd=ROOT, env=worker_env(), stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        wait_until(lambda: proc.poll() is not None or _listening(port), timeout=60, message="gunicorn to listen")
        assert proc.poll() is None, "gunicorn exited at start"
        yield f"http://127.0.0.1:{port}"
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        if log_path:
            out.close()


_HEADER_END = b"\r\n\r\n"


@dataclass
class PatchSeen:
    offset: int
    length: int
    cut_after: int | None


@dataclass
class CuttingRelay:
    """Relays to `target_port`; `decide(offset, length)` says after how many body bytes of a tus
    PATCH to drop both sides of the connection (None: let it through)."""

    target_port: int
    decide: callable
    port: int = field(default_factory=free_port)
    patches: list[PatchSeen] = field(default_factory=list)

    def __post_init__(self):
        self._server = socket.create_server(("127.0.0.1", self.port))
        self._stop = threading.Event()
        threading.Thread(target=self._accept, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def close(self) -> None:
        self._stop.set()
        self._server.close()

    def _accept(self) -> None:
        while not self._stop.is_set():
            try:
                client, _ = self._server.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(client,), daemon=True).start()

    def _serve(self, client: socket.socket) -> None:
        upstream = socket.create_connection(("127.0.0.1", self.target_port))
        cutting = threading.Event()
        pump = threading.Thread(target=self._pump_back, args=(upstream, client, cutting), daemon=True)
        pump.start()
        buffer = b""
        # None until the request head is read; then -1 (relay everything, tuspy sends one request
        # per connection) or the bytes still to relay before the cut.
        budget: int | None = None
        try:
            while True:
                data = client.recv(65536)
                if not data:
                    break
                if budget is None:
                    buffer += data
                    if _HEADER_END not in buffer:
                        continue
                    head = buffer.split(_HEADER_END, 1)[0]
                    data, buffer = buffer, b""
                    cut = self._plan(head)
                    budget = -1 if cut is None else len(head) + len(_HEADER_END) + cut
                if budget >= 0:
                    if len(data) >= budget:
                        upstream.sendall(data[:budget])
                        # End the body cleanly (a FIN, never a reset that would drop bytes the
                        # server has not read yet) and wait until the server has finished with
                        # it, answer unseen by the client: the client then resumes from exactly
                        # the bytes relayed, not from wherever a race left the server.
                        cutting.set()
                        upstream.shutdown(socket.SHUT_WR)
                        pump.join(timeout=30)
                        raise ConnectionAbortedError
                    budget -= len(data)
                upstream.sendall(data)
        except (ConnectionAbortedError, OSError):
            pass
        finally:
            for s in (client, upstream):
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
                s.close()

    def _plan(self, head: bytes) -> int | None:
        text = head.decode("latin-1")
        if not text.startswith("PATCH "):
            return None
        offset = int(re.search(r"(?im)^upload-offset:\s*(\d+)", text).group(1))
        length = int(re.search(r"(?im)^content-length:\s*(\d+)", text).group(1))
        cut_after = self.decide(offset, length)
        self.patches.append(PatchSeen(offset, length, cut_after))
        return cut_after

    @staticmethod
    def _pump_back(upstream: socket.socket, client: socket.socket, cutting: threading.Event) -> None:
        try:
            while True:
                data = upstream.recv(65536)
                if not data:
                    break
                if not cutting.is_set():
                    client.sendall(data)
        except OSError:
            pass
        finally:
            try:
                client.shutdown(socket.SHUT_WR)
            except OSError:
                pass
