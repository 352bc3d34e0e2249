"""A closed-loop HTTP/1.1 load client: N connections, each sending its next GET as soon as the
previous answer has fully arrived, for a fixed time. Used by bench/public_load.py in its own
process, so the client's work neither shares the server's GIL nor hides in its figures.

    python bench/http_load.py HOST PORT CONCURRENCY SECONDS < paths.json   (prints one JSON object)

It is asyncio protocols on raw sockets with keep-alive (a new connection only when the server
closes one, and then the connect counts in that request's time), because a thread per client
with `requests` measured mostly itself. The JSON holds every latency in ms, the error count and
the CPU seconds this process used, so its share of the machine can be reported beside the result.
"""

from __future__ import annotations

import asyncio
import json
import random
import resource
import sys
import time


class Client(asyncio.Protocol):
    def __init__(self, run: "Run", rng: random.Random):
        self.run, self.rng = run, rng
        self.transport = None
        self.began = 0.0
        self.buffer = bytearray()
        self.reset()

    def reset(self) -> None:
        self.buffer.clear()
        self.header_end = -1
        self.length = None
        self.chunked = False
        self.status = 0
        self.closes = False

    def connection_made(self, transport) -> None:
        self.transport = transport
        self.send()

    def send(self) -> None:
        self.reset()
        path = self.rng.choice(self.run.paths)
        self.transport.write(self.run.request_bytes[path])
        if not self.began:
            self.began = time.perf_counter()

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        if self.header_end < 0:
            end = self.buffer.find(b"\r\n\r\n")
            if end < 0:
                return
            self.header_end = end + 4
            head = bytes(self.buffer[:end]).decode("latin-1").split("\r\n")
            self.status = int(head[0].split(" ", 2)[1])
            for line in head[1:]:
                name, _, value = line.partition(":")
                name, value = name.strip().lower(), value.strip().lower()
                if name == "content-length":
                    self.length = int(value)
                elif name == "transfer-encoding" and "chunked" in value:
                    self.chunked = True
                elif name == "connection" and value == "close":
                    self.closes = True
        body = len(self.buffer) - self.header_end
        if self.chunked:
            if not self.buffer.endswith(b"0\r\n\r\n"):
                return
        elif self.length is not None and body < self.length:
            return
        elif self.length is None and not self.chunked and self.status not in (204, 304):
            return  # delimited by the close
        self.finish()

    def finish(self) -> None:
        self.run.record(time.perf_counter() - self.began, self.status == 200)
        self.began = 0.0
        if self.closes:
            self.transport.close()
        elif self.run.going():
            self.began = time.perf_counter()
            self.send()
        else:
            self.transport.close()

    def connection_lost(self, exc) -> None:
        if self.began and self.header_end >= 0 and self.length is None and not self.chunked:
            self.run.record(time.perf_counter() - self.began, self.status == 200)
            self.began = 0.0
        elif self.began and not self.closes:
            self.run.record(time.perf_counter() - self.began, False)
            self.began = 0.0
        self.run.reconnect(self)


class Run:
    def __init__(self, host: str, port: int, paths: list[str], seconds: float, headers: dict[str, str]):
        self.host, self.port, self.paths = host, port, paths
        extra = "".join(f"{k}: {v}\r\n" for k, v in headers.items())
        self.request_bytes = {p: f"GET {p} HTTP/1.1\r\nHost: {host}\r\n{extra}\r\n".encode() for p in paths}
        self.stop = time.perf_counter() + seconds
        self.latencies: list[float] = []
        self.errors = 0
        self.open = 0
        self.done = asyncio.get_running_loop().create_future()

    def going(self) -> bool:
        return time.perf_counter() < self.stop

    def record(self, seconds: float, ok: bool) -> None:
        self.latencies.append(seconds * 1000)
        self.errors += not ok

    def connect(self, rng: random.Random, began: float = 0.0) -> None:
        self.open += 1
        loop = asyncio.get_running_loop()

        def made():
            client = Client(self, rng)
            client.began = began or time.perf_counter()
            return client

        async def dial():
            try:
                await loop.create_connection(made, self.host, self.port)
            except OSError:
                self.record(0.0, False)
                self.reconnect_rng(rng)

        loop.create_task(dial())

    def reconnect(self, client: Client) -> None:
        self.reconnect_rng(client.rng)

    def reconnect_rng(self, rng: random.Random) -> None:
        self.open -= 1
        if self.going():
            self.connect(rng)
        elif self.open == 0 and not self.done.done():
            self.done.set_result(None)


async def main_async(host: str, port: int, concurrency: int, seconds: float, paths: list[str],
                     headers: dict[str, str]) -> dict:
    run = Run(host, port, paths, seconds, headers)
    began = time.perf_counter()
    for n in range(concurrency):
        run.connect(random.Random(n))
    await run.done
    elapsed = time.perf_counter() - began
    return {"latencies": run.latencies, "errors": run.errors, "elapsed": elapsed}


def main() -> None:
    host, port, concurrency, seconds = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4])
    spec = json.load(sys.stdin)
    result = asyncio.run(main_async(host, port, concurrency, seconds, spec["paths"], spec.get("headers", {})))
    usage = resource.getrusage(resource.RUSAGE_SELF)
    result["cpu_seconds"] = usage.ru_utime + usage.ru_stime
    json.dump(result, sys.stdout)


if __name__ == "__main__":
    main()
