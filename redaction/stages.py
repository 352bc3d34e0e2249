"""The pipeline's threads, joined by bounded queues: decode, scan (whole-frame passes on
keyframes), follow (closer looks and tracking) and, in the caller's thread, hide and encode.

Queues are bounded so no stage runs ahead by more than a few keyframes and memory stays flat. A
stage's error stops every other stage and is raised in the caller's thread; a stop from elsewhere
ends a stage quietly.
"""
from __future__ import annotations

import queue
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator

import numpy as np

END = object()  # put after a stage's last item


class Stopped(Exception):
    """Another stage failed, or the caller gave up: this one ends without a word."""


def put(q: queue.Queue, item, stop: threading.Event) -> None:
    while True:
        if stop.is_set():
            raise Stopped
        try:
            q.put(item, timeout=0.2)
            return
        except queue.Full:
            continue


def get(q: queue.Queue, stop: threading.Event):
    while True:
        if stop.is_set():
            raise Stopped
        try:
            return q.get(timeout=0.2)
        except queue.Empty:
            continue


def raw_frames(pipe, frame_bytes: int) -> Iterator[np.ndarray]:
    """Whole raw frames from a pipe, each in its own buffer, until it ends."""
    while True:
        buf = bytearray(frame_bytes)
        view, got = memoryview(buf), 0
        while got < frame_bytes:
            n = pipe.readinto(view[got:])
            if not n:
                return
            got += n
        yield np.frombuffer(buf, np.uint8)


def feed(q: queue.Queue, items: Iterable, stop: threading.Event) -> None:
    """A source stage: every item into `q`, then END."""
    for item in items:
        put(q, item, stop)
    put(q, END, stop)


class Stages:
    """Threads that stop together: the first error is kept for the caller and stops the rest.

    Each thread's CPU time goes into `timings` as "<name>_cpu_s": on a busy host the stages'
    wall times count the time they waited for a core, and say little about where work can be cut."""

    def __init__(self, timings: Counter | None = None) -> None:
        self.timings = Counter() if timings is None else timings
        self.stop = threading.Event()
        self.errors: list[BaseException] = []
        self._threads: list[threading.Thread] = []

    def add(self, name: str, body: Callable[[], None]) -> None:
        def run() -> None:
            try:
                body()
            except Stopped:
                pass
            except BaseException as e:  # noqa: BLE001 - handed to the caller's thread
                self.errors.append(e)
                self.stop.set()
            finally:
                self.timings[f"{name}_cpu_s"] += time.thread_time()

        self._threads.append(threading.Thread(target=run, name=name, daemon=True))

    def start(self) -> None:
        for t in self._threads:
            t.start()

    def raise_first_error(self) -> None:
        if self.errors:
            raise self.errors[0]

    def close(self) -> None:
        self.stop.set()
        for t in self._threads:
            if t.ident is not None:
                t.join(timeout=5)
