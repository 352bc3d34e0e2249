"""How fast is a resumable upload? Sends one large file through the tus endpoint of a real server
process on loopback, and compares with `openssl dgst -sha256` on the same
file (the floor: the server must at least hash every byte, and does so once, over each range read
back from the stored file and compared with the bytes received, then probes it before storing; a
file nothing vouches for since it was written is read once more), and with `dd ... conv=fsync`
copying the same file on the same disk (the other floor: the server must write every byte and
fsync it before acknowledging a chunk), in 8 MiB and in 256 KiB blocks.

    .venv/bin/python bench/upload.py [--size-mb 2048] [--chunk-mb 128] [--workers 2] [--client sendfile|tuspy]
                                     [--py-spy /tmp/spy/bin/py-spy]

The client measures the server, not itself: by default a lean tus client (http.client on one
kept-alive connection, each PATCH's body handed to the kernel with `socket.sendfile`, so the client
neither reads nor copies the file) speaks the same protocol as any other: creation with
Upload-Length and Upload-Metadata, then PATCHes at the server's Upload-Offset, each answer's offset
checked. `--client tuspy` uses the tuspy library instead, which reads each chunk into memory and
opens a new connection for it: on a 2-core machine that client's CPU and its pause between chunks
(the server idle while the next chunk is read) are a large part of the wall time, and they are the
client's cost, not the server's (a browser pays its own, reading the File in its own process).

The server is gunicorn (threaded workers, 2 by default) against a throwaway SQLite database in a
temporary PORTAL_VAR_DIR, so the bench needs no PostgreSQL. The file is a real 2 s clip followed by
an `mdat` box of pseudo-random bytes (written streaming, never held in memory), so the server accepts
it as video and the whole path runs: hash, verify, sniff, probe, store, custody. Peak RSS is the
largest VmHWM of the server's processes (master and workers), read from /proc. CPU seconds of the
client (this process: tuspy reading and sending the file) and of the server are counted over the
upload, since both share the machine's cores. With `--py-spy`, the server's workers are sampled
during the upload (native frames included) and the flame graph is kept beside the bench's output.
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import textwrap
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

MIB = 1024 * 1024


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def make_file(path: Path, size: int) -> None:
    """A playable clip, then one more `mdat` box of pseudo-random bytes up to `size`: the shape of a
    camera file (a huge mdat, a small moov), which players and ffprobe accept. '<' never appears in
    the padding, so no scan could mistake it for a hidden web page."""
    from media import make_test_clip

    clip = make_test_clip(path.with_suffix(".clip.mp4"), seconds=2, size=(320, 180))
    head = clip.read_bytes()
    clip.unlink()
    padding = size - len(head) - 16
    block = random.Random(4).randbytes(8 * MIB).replace(b"<", b"=")
    with open(path, "wb") as f:
        f.write(head)
        f.write((1).to_bytes(4, "big") + b"mdat" + (padding + 16).to_bytes(8, "big"))
        counter = 0
        while padding > 0:
            piece = counter.to_bytes(8, "big") + block[8:]
            f.write(piece[:padding])
            padding -= min(padding, len(piece))
            counter += 1


def process_tree(pid: int) -> list[int]:
    pids, todo = [], [pid]
    while todo:
        current = todo.pop()
        pids.append(current)
        try:
            for task in os.listdir(f"/proc/{current}/task"):
                children = Path(f"/proc/{current}/task/{task}/children").read_text().split()
                todo.extend(int(c) for c in children)
        except OSError:
            continue
    return pids


def vm_value(pid: int, key: str) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(key + ":"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


class RssWatcher(threading.Thread):
    """Remembers each server process's high-water mark while it lives (a worker could be recycled)."""

    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.pid, self.peaks, self.stop = pid, {}, threading.Event()

    def run(self) -> None:
        while not self.stop.is_set():
            self.sample()
            time.sleep(0.2)

    def sample(self) -> None:
        for pid in process_tree(self.pid):
            self.peaks[pid] = max(self.peaks.get(pid, 0), vm_value(pid, "VmHWM"))


def cpu_seconds(pids: list[int]) -> float:
    """User + system CPU time of these processes so far (their threads included)."""
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / os.sysconf("SC_CLK_TCK")


def manage(env: dict, *args: str, script: str | None = None) -> str:
    command = [sys.executable, "manage.py", *args]
    result = subprocess.run(command, cwd=ROOT, env=env, input=script, text=True, capture_output=True, check=False)
    if result.returncode:
        sys.exit(f"manage.py {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
    return result.stdout


SETUP = textwrap.dedent("""
    from rest_framework.authtoken.models import Token
    from portal.accounts import create_user_with_role
    from tests.factories.incidents import make_incident
    user = create_user_with_role(username="bench", role="reporter", password="bench-password-0123", check_password_strength=False)
    incident = make_incident(reporter=user)
    print("BENCH", Token.objects.create(user=user).key, incident.pk)
""")


def send_with_tuspy(url: str, token: str, source: Path, size: int, chunk: int, metadata: dict) -> list[float]:
    from tusclient import client as tus_client

    client = tus_client.TusClient(url, headers={"Authorization": f"Token {token}"})
    uploader = client.uploader(str(source), chunk_size=chunk, metadata=metadata)
    uploader.stop_at = size
    uploader.set_url(uploader.create_url())
    uploader.offset = 0
    chunk_seconds = []
    while uploader.offset < size:
        chunk_started = time.perf_counter()
        uploader.upload_chunk()
        chunk_seconds.append(time.perf_counter() - chunk_started)
    return chunk_seconds


def send_with_sendfile(url: str, token: str, source: Path, size: int, chunk: int, metadata: dict) -> list[float]:
    """tus creation and core over one kept-alive connection; each body goes from the file to the
    socket inside the kernel."""
    import base64
    import http.client
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=600)
    headers = {"Authorization": f"Token {token}", "Tus-Resumable": "1.0.0"}
    encoded = ",".join(f"{key} {base64.b64encode(value.encode()).decode()}" for key, value in metadata.items())
    conn.request("POST", parts.path, headers={**headers, "Upload-Length": str(size), "Upload-Metadata": encoded})
    response = conn.getresponse()
    response.read()
    if response.status != 201:
        sys.exit(f"creating the upload failed: {response.status}")
    path = urlsplit(response.getheader("Location")).path
    chunk_seconds, offset = [], 0
    with open(source, "rb") as f:
        while offset < size:
            chunk_started = time.perf_counter()
            length = min(chunk, size - offset)
            conn.putrequest("PATCH", path, skip_accept_encoding=True)
            for name, value in {**headers, "Upload-Offset": str(offset), "Content-Length": str(length),
                                "Content-Type": "application/offset+octet-stream"}.items():
                conn.putheader(name, value)
            conn.endheaders()
            conn.sock.sendfile(f, offset, length)
            response = conn.getresponse()
            body = response.read()
            if response.status != 204 or int(response.getheader("Upload-Offset")) != offset + length:
                sys.exit(f"PATCH at {offset} failed: {response.status} {response.getheader('Upload-Offset')} {body[:300]!r}")
            offset += length
            chunk_seconds.append(time.perf_counter() - chunk_started)
    conn.close()
    return chunk_seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size-mb", type=int, default=2048)
    parser.add_argument("--chunk-mb", type=int, default=128, help="the browser's chunk size (footage/static/footage/upload.js)")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--client", choices=("sendfile", "tuspy"), default="sendfile", help="the lean client (default) or tuspy")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder")
    parser.add_argument("--py-spy", metavar="PY_SPY", help="py-spy executable: profile the server's workers during the upload")
    parser.add_argument("--profile-out", default="upload-profile.svg", help="where --py-spy writes its flame graph (collapsed stacks if it ends in .txt); idle threads are sampled too, so waits on the disk show")
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="bench-upload-"))
    var = work / "var"
    for folder in ("celery-broker", "celery-processed", "celery-control"):
        (var / folder).mkdir(parents=True)
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL", "CELERY_BROKER_URL")}
    env.update(PORTAL_VAR_DIR=str(var), DJANGO_SETTINGS_MODULE="portal.settings", CELERY_TASK_ALWAYS_EAGER="0",
               MAX_UPLOAD_SIZE=str(max(args.size_mb * MIB * 2, 8 * 1024 * MIB)), LOG_LEVEL="WARNING")
    server = None
    try:
        source = work / "bodycam.mp4"
        size = args.size_mb * MIB
        print(f"writing a {args.size_mb} MiB file ...", flush=True)
        make_file(source, size)

        manage(env, "migrate", "--no-input")
        token, incident_id = manage(env, "shell", script=SETUP).split("BENCH", 1)[1].split()[:2]

        port = free_port()
        gunicorn = Path(sys.executable).with_name("gunicorn")
        server = subprocess.Popen(
            [str(gunicorn), "portal.wsgi:application", "--bind", f"127.0.0.1:{port}", "--workers", str(args.workers),
             "--worker-class", "gthread", "--threads", str(args.threads), "--timeout", "600"],
            cwd=ROOT, env=env, stdout=open(work / "server.log", "wb"), stderr=subprocess.STDOUT, start_new_session=True,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
                break
            except OSError:
                time.sleep(0.2)
        # Each worker imports the URL configuration and views on its first request; that start-up
        # is not upload speed, so every worker answers a few requests before the clock starts.
        import requests
        from concurrent.futures import ThreadPoolExecutor

        with ThreadPoolExecutor(args.workers * args.threads) as pool:
            list(pool.map(lambda _: requests.get(f"http://127.0.0.1:{port}/api/uploads/", headers={"Authorization": f"Token {token}"}),
                          range(args.workers * args.threads * 3)))
        watcher = RssWatcher(server.pid)
        watcher.start()
        idle_rss = sum(vm_value(pid, "VmRSS") for pid in process_tree(server.pid))
        server_pids = process_tree(server.pid)
        spy = None
        if args.py_spy:
            spy = subprocess.Popen([args.py_spy, "record", "--pid", str(server.pid), "--subprocesses", "--native",
                                    "--rate", "100", "--output", str(Path(args.profile_out).resolve()), "--idle",
                                    "--format", "raw" if args.profile_out.endswith(".txt") else "flamegraph"],
                                   stdout=subprocess.DEVNULL, stderr=open(work / "py-spy.log", "wb"))
            time.sleep(2)

        url = f"http://127.0.0.1:{port}/api/uploads/"
        metadata = {"filename": source.name, "incident": incident_id, "kind": "body_worn"}
        print(f"uploading through tus in {args.chunk_mb} MiB chunks ({args.client} client) to gunicorn "
              f"({args.workers} workers × {args.threads} threads) ...", flush=True)
        started = time.perf_counter()
        client_cpu, server_cpu = time.process_time(), cpu_seconds(server_pids)
        send = send_with_tuspy if args.client == "tuspy" else send_with_sendfile
        chunk_seconds = send(url, token, source, size, args.chunk_mb * MIB, metadata)
        upload_seconds = time.perf_counter() - started
        client_cpu, server_cpu = time.process_time() - client_cpu, cpu_seconds(server_pids) - server_cpu
        if spy is not None:
            spy.send_signal(signal.SIGINT)
            spy.wait(timeout=60)
        watcher.sample()
        watcher.stop.set()

        started = time.perf_counter()
        digest = subprocess.run(["openssl", "dgst", "-sha256", "-r", str(source)], capture_output=True, text=True, check=True)
        openssl_seconds = time.perf_counter() - started
        expected = digest.stdout.split()[0]

        dd_seconds = {}
        for block in ("8M", "256K"):
            started = time.perf_counter()
            subprocess.run(["dd", f"if={source}", f"of={work / 'copy.bin'}", f"bs={block}", "conv=fsync", "status=none"], check=True)
            dd_seconds[block] = time.perf_counter() - started
            (work / "copy.bin").unlink()

        check = subprocess.run(
            [sys.executable, "manage.py", "shell", "-c",
             "from footage.models import FootageItem; i = FootageItem.objects.get(); print(i.sha256, i.size)"],
            cwd=ROOT, env=env, capture_output=True, text=True, check=True,
        ).stdout.strip().splitlines()[-1].split()
    finally:
        if server is not None:
            server.send_signal(signal.SIGTERM)
            server.wait(timeout=30)
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)

    mb = size / 1e6
    upload_rate, openssl_rate = mb / upload_seconds, mb / openssl_seconds
    peak = max(watcher.peaks.values())
    print()
    print(f"file:                 {size / MIB:.0f} MiB ({size} bytes)")
    print(f"stored sha256 ok:     {check[0] == expected and int(check[1]) == size}")
    print(f"tus upload:           {upload_seconds:.2f} s = {upload_rate:.1f} MB/s (incl. probe, store)")
    print(f"openssl dgst -sha256: {openssl_seconds:.2f} s = {openssl_rate:.1f} MB/s")
    print(f"upload / openssl:     {upload_rate / openssl_rate:.2f}")
    for block, seconds in dd_seconds.items():
        # Both block sizes: on some VMs writes of 512 KiB and more cost the kernel far more CPU.
        print(f"dd bs={block:4s} conv=fsync: {seconds:.2f} s = {mb / seconds:.1f} MB/s; upload / dd: {upload_rate / (mb / seconds):.2f}")
    middle = sorted(chunk_seconds[:-1])[len(chunk_seconds[:-1]) // 2] if len(chunk_seconds) > 1 else chunk_seconds[0]
    print(f"per chunk:            median {middle:.2f} s ({args.chunk_mb * MIB / 1e6 / middle:.0f} MB/s), "
          f"last (with probe, store) {chunk_seconds[-1]:.2f} s, {len(chunk_seconds)} PATCHes")
    print(f"server peak RSS:      {peak / MIB:.0f} MiB in one process (VmHWM); "
          f"all {len(watcher.peaks)} processes together at most {sum(watcher.peaks.values()) / MIB:.0f} MiB; idle {idle_rss / MIB:.0f} MiB")
    print(f"CPU during upload:    server {server_cpu:.2f} s, client {client_cpu:.2f} s "
          f"({(server_cpu + client_cpu) / upload_seconds:.2f} cores busy on average); load average {os.getloadavg()[0]:.1f}")
    if args.py_spy:
        print(f"profile:              {Path(args.profile_out).resolve()}")
    if not (check[0] == expected):
        sys.exit("the stored hash does not match openssl's")


if __name__ == "__main__":
    main()
