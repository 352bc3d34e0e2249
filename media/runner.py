"""The one way this package starts ffmpeg/ffprobe: argument lists, a wall-clock timeout, and
kernel limits on address space and CPU time set in the child before it execs.

Hostile files are the reason: a crafted input can make a demuxer allocate without bound or spin
forever, so every run is capped even when the caller forgets.
"""

from __future__ import annotations

import ctypes
import os
import resource
import signal
import subprocess
import threading
from collections.abc import Callable, Iterator, Sequence
from typing import IO
from dataclasses import dataclass

from .errors import ProcessingError

GIB = 1024**3
DEFAULT_MEMORY_LIMIT = 4 * GIB  # address space, not RSS: decoder threads reserve a lot they never touch
DEFAULT_CPU_SECONDS = 600
DEFAULT_TIMEOUT = 120.0

FFMPEG = os.environ.get("PORTAL_FFMPEG", "ffmpeg")
FFPROBE = os.environ.get("PORTAL_FFPROBE", "ffprobe")

_PR_SET_PDEATHSIG = 1
# Looked up now, in the parent: between fork and exec the child must not dlopen or allocate, or it
# can deadlock on a lock another thread held at the fork.
try:
    _prctl = ctypes.CDLL(None, use_errno=True).prctl
except (OSError, AttributeError):  # not Linux
    _prctl = None


@dataclass(frozen=True)
class Limits:
    timeout: float = DEFAULT_TIMEOUT
    memory_bytes: int = DEFAULT_MEMORY_LIMIT
    cpu_seconds: int = DEFAULT_CPU_SECONDS


@dataclass(frozen=True)
class ToolResult:
    args: list[str]
    returncode: int
    stdout: bytes
    stderr: str


def _child_setup(memory_bytes: int, cpu_seconds: int) -> Callable[[], None]:
    def setup() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (memory_bytes, memory_bytes))
        # Soft equal to hard: the kernel sends SIGKILL, not SIGXCPU, which ffmpeg would catch and
        # turn into an ordinary-looking exit status.
        resource.setrlimit(resource.RLIMIT_CPU, (cpu_seconds, cpu_seconds))
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
        # If the worker that started us dies (OOM killer, SIGKILL), don't keep encoding for nobody.
        if _prctl is not None:
            _prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)

    return setup


def _child_env() -> dict[str, str]:
    env = dict(os.environ)
    # glibc reserves a 64 MiB arena per thread; with many decoder threads that alone can exhaust
    # RLIMIT_AS without using any real memory.
    env["MALLOC_ARENA_MAX"] = "2"
    return env


def _describe_signal(returncode: int, limits: Limits) -> ProcessingError | None:
    if returncode in (-signal.SIGXCPU, -signal.SIGKILL):
        return ProcessingError(
            "resource_limit",
            f"the media tool was stopped after using its CPU time limit ({limits.cpu_seconds} s) "
            "or was killed",
        )
    return None


def run_tool(args: Sequence[str], limits: Limits = Limits()) -> ToolResult:
    """Run a tool to completion, capturing output. Raises ProcessingError('timeout') on timeout."""
    argv = [str(a) for a in args]
    try:
        proc = subprocess.run(
            argv,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            timeout=limits.timeout,
            preexec_fn=_child_setup(limits.memory_bytes, limits.cpu_seconds),
            env=_child_env(),
            close_fds=True,
        )
    except subprocess.TimeoutExpired as exc:
        raise ProcessingError(
            "timeout", f"{os.path.basename(argv[0])} did not finish within {limits.timeout:g} s"
        ) from exc
    except FileNotFoundError as exc:
        raise ProcessingError("tool_failed", f"{argv[0]} is not installed") from exc
    return ToolResult(
        args=argv,
        returncode=proc.returncode,
        stdout=proc.stdout,
        stderr=proc.stderr.decode("utf-8", "replace"),
    )


def check(result: ToolResult, limits: Limits, what: str) -> ToolResult:
    """Turn a non-zero exit into a ProcessingError naming what we were doing."""
    if result.returncode == 0:
        return result
    signalled = _describe_signal(result.returncode, limits)
    if signalled:
        raise signalled
    tail = result.stderr.strip().splitlines()[-3:]
    raise ProcessingError("tool_failed", f"{what} failed: {' / '.join(tail) or 'no message'}")


class StreamingRun:
    """A long run whose output is read as it comes: lines (`-progress pipe:1`), blocks of raw
    frames, or nothing; `stdin=True` gives a pipe to write raw frames into (an encoder).

    stderr goes to `stderr` (a file) or to a pipe drained by a thread, so a chatty tool can never
    block on it; a timer kills the child at the deadline. `pass_fds` are further descriptors the
    child inherits (a second output of one decode). `buffered=False` gives raw pipes, whose reads
    may return less than asked. Use as a context manager (or call `close`): leaving it kills the
    child if it is still running, which is how a cancelled or failed caller stops it.
    """

    def __init__(
        self,
        args: Sequence[str],
        limits: Limits,
        *,
        stdin: bool = False,
        stdout: bool | IO[bytes] = True,
        stderr: IO[bytes] | None = None,
        pass_fds: Sequence[int] = (),
        buffered: bool = True,
        cwd: str | os.PathLike[str] | None = None,
    ) -> None:
        self.args = [str(a) for a in args]
        self.limits = limits
        self.timed_out = False
        self._stderr_chunks: list[bytes] = []
        if isinstance(stdout, bool):
            stdout = subprocess.PIPE if stdout else subprocess.DEVNULL
        try:
            self.proc = subprocess.Popen(
                self.args,
                stdin=subprocess.PIPE if stdin else subprocess.DEVNULL,
                stdout=stdout,
                stderr=stderr if stderr is not None else subprocess.PIPE,
                bufsize=-1 if buffered else 0,
                preexec_fn=_child_setup(limits.memory_bytes, limits.cpu_seconds),
                env=_child_env(),
                close_fds=True,
                pass_fds=tuple(pass_fds),
                cwd=cwd,
                start_new_session=True,
            )
        except FileNotFoundError as exc:
            raise ProcessingError("tool_failed", f"{self.args[0]} is not installed") from exc
        self.stdin = self.proc.stdin
        self.stdout = self.proc.stdout
        self._drain = threading.Thread(target=self._drain_stderr, daemon=True)
        self._drain.start()
        self._timer = threading.Timer(limits.timeout, self._on_timeout)
        self._timer.daemon = True
        self._timer.start()

    def _drain_stderr(self) -> None:
        if self.proc.stderr is None:  # the caller's file holds it
            return
        kept = 0
        for chunk in iter(lambda: self.proc.stderr.read(8192), b""):
            if kept < 1024 * 1024:  # keep the first MiB; the rest is noise
                self._stderr_chunks.append(chunk)
                kept += len(chunk)

    def _on_timeout(self) -> None:
        self.timed_out = True
        self.kill()

    @property
    def pid(self) -> int:
        return self.proc.pid

    def poll(self) -> int | None:
        return self.proc.poll()

    def kill(self) -> None:
        if self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass

    def lines(self) -> Iterator[str]:
        assert self.proc.stdout is not None
        for raw in self.proc.stdout:
            yield raw.decode("utf-8", "replace").rstrip("\n")

    def chunks(self, size: int) -> Iterator[bytes]:
        """stdout in blocks of `size` bytes (the last may be shorter), for raw audio or video."""
        assert self.proc.stdout is not None
        while True:
            block = self.proc.stdout.read(size)
            if not block:
                return
            yield block

    def wait(self) -> ToolResult:
        returncode = self.proc.wait()
        self._timer.cancel()
        self._drain.join(timeout=5)
        if self.timed_out:
            raise ProcessingError(
                "timeout",
                f"{os.path.basename(self.args[0])} did not finish within {self.limits.timeout:g} s",
            )
        return ToolResult(self.args, returncode, b"", b"".join(self._stderr_chunks).decode("utf-8", "replace"))

    def __enter__(self) -> StreamingRun:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        """Stop the child if it still runs and release its pipes; safe to call twice."""
        self._timer.cancel()
        self.kill()
        self.proc.wait()
        for pipe in (self.proc.stdin, self.proc.stdout):
            if pipe:
                try:
                    pipe.close()
                except BrokenPipeError:  # unflushed input for a child that is gone
                    pass
        self._drain.join(timeout=5)
        if self.proc.stderr:
            self.proc.stderr.close()
