from __future__ import annotations

import ast
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from media import ProcessingError
from media.runner import FFMPEG, Limits, StreamingRun, check, run_tool

PACKAGE = Path(__file__).resolve().parents[2] / "media"


def test_a_tool_over_its_cpu_limit_is_stopped():
    limits = Limits(timeout=30, cpu_seconds=1)
    result = run_tool([FFMPEG, "-v", "error", "-f", "lavfi", "-i", "testsrc2=size=1280x720", "-f", "null", "-"], limits)

    with pytest.raises(ProcessingError) as caught:
        check(result, limits, "spinning")
    assert caught.value.code == "resource_limit"


def test_a_tool_over_its_memory_limit_fails_instead_of_taking_the_machine():
    limits = Limits(memory_bytes=16 * 1024 * 1024)
    with pytest.raises(ProcessingError) as caught:
        check(run_tool([FFMPEG, "-version"], limits), limits, "starting ffmpeg")
    assert caught.value.code == "tool_failed"


GRAY_2x16x16 = [FFMPEG, "-v", "error", "-f", "rawvideo", "-pix_fmt", "gray", "-s", "16x16", "-i", "pipe:0"]
ENDLESS = [FFMPEG, "-v", "error", "-re", "-f", "lavfi", "-i", "testsrc2=size=64x64:rate=5", "-f", "null", "-"]


def test_a_streaming_run_takes_raw_frames_in_and_hands_them_on():
    frames = bytes(range(256)) + bytes(255 - i for i in range(256))
    with StreamingRun([*GRAY_2x16x16, "-f", "rawvideo", "-pix_fmt", "gray", "pipe:1"], Limits(timeout=30),
                      stdin=True, buffered=False) as run:
        run.stdin.write(frames)
        run.stdin.close()
        out = b"".join(iter(lambda: run.stdout.read(4096), b""))
        assert run.wait().returncode == 0
    assert out == frames


def test_a_streaming_run_writes_a_second_output_to_a_descriptor_it_is_given():
    read_end, write_end = os.pipe()
    try:
        run = StreamingRun([FFMPEG, "-v", "error", "-f", "lavfi", "-i", "color=c=white:size=16x16:rate=1", "-frames:v", "1",
                            "-f", "rawvideo", "-pix_fmt", "gray", f"pipe:{write_end}"], Limits(timeout=30),
                           stdout=False, pass_fds=(write_end,))
    finally:
        os.close(write_end)
    with run, os.fdopen(read_end, "rb") as second:
        assert second.read() == b"\xff" * 256  # one white 16x16 frame
        assert run.wait().returncode == 0


def test_a_streaming_run_past_its_deadline_is_killed_and_reported_as_a_timeout():
    with StreamingRun(ENDLESS, Limits(timeout=1), stdout=False) as run:
        with pytest.raises(ProcessingError) as caught:
            run.wait()
    assert caught.value.code == "timeout"


def test_a_streaming_run_over_its_memory_limit_fails_instead_of_taking_the_machine():
    with StreamingRun([FFMPEG, "-version"], Limits(memory_bytes=16 * 1024 * 1024)) as run:
        assert run.wait().returncode != 0


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False


def test_a_streaming_run_dies_with_the_process_that_started_it():
    starter = subprocess.Popen(
        [sys.executable, "-c", "import sys, time; from media.runner import StreamingRun, Limits; "
         f"run = StreamingRun({ENDLESS!r}, Limits(timeout=60), stdout=False); print(run.pid, flush=True); time.sleep(60)"],
        cwd=PACKAGE.parent, stdout=subprocess.PIPE, text=True,
    )
    try:
        pid = int(starter.stdout.readline())
        assert _alive(pid)
    finally:
        starter.kill()
        starter.wait()
    deadline = time.monotonic() + 10
    while _alive(pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not _alive(pid), "the tool went on after the process that started it was killed"


ROOT = PACKAGE.parent
RUNNER = PACKAGE / "runner.py"
# Not part of what is deployed, and each starts processes of its own on purpose: tests/ starts the
# code under test and makes clips, bench/ starts servers, renders and plain transcodes to compare
# with, scripts/ starts the development servers (testenv.py, rundev.py) and tools (vendor_assets.py).
NOT_SCANNED = {"tests", "bench", "scripts"}
PROCESS_STARTERS = {"system", "popen", "fork", "forkpty", "posix_spawn", "posix_spawnp",
                    "spawnl", "spawnle", "spawnlp", "spawnlpe", "spawnv", "spawnve", "spawnvp", "spawnvpe",
                    "execl", "execle", "execlp", "execlpe", "execv", "execve", "execvp", "execvpe"}
PROCESS_MODULES = {"subprocess", "multiprocessing", "pty", "concurrent.futures.process"}


def project_modules() -> list[Path]:
    """Every module of every top-level package and app, and the top-level scripts (manage.py)."""
    packages = [init.parent for init in ROOT.glob("*/__init__.py") if init.parent.name not in NOT_SCANNED]
    return [module for package in packages for module in package.rglob("*.py")] + list(ROOT.glob("*.py"))


def process_starts(module: Path) -> list[str]:
    """How `module` starts processes itself or through a shell, one line each."""
    found = []
    for node in ast.walk(ast.parse(module.read_text(), str(module))):
        if isinstance(node, ast.keyword) and node.arg == "shell":
            found.append(f"line {node.lineno}: passes shell=")
        elif isinstance(node, ast.Import):
            found += [f"line {node.lineno}: imports {a.name}" for a in node.names if a.name in PROCESS_MODULES]
        elif isinstance(node, ast.ImportFrom) and node.module in PROCESS_MODULES:
            found.append(f"line {node.lineno}: imports from {node.module}")
        elif isinstance(node, ast.ImportFrom) and node.module == "os" and {a.name for a in node.names} & PROCESS_STARTERS:
            found.append(f"line {node.lineno}: imports a process starter from os")
        elif isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
            if node.value.id == "os" and node.attr in PROCESS_STARTERS:
                found.append(f"line {node.lineno}: os.{node.attr}")
            elif node.value.id == "asyncio" and node.attr.startswith("create_subprocess"):
                found.append(f"line {node.lineno}: asyncio.{node.attr}")
    return found


def test_the_guard_scans_every_package_and_app_of_the_project():
    scanned = {module.relative_to(ROOT).parts[0] for module in project_modules()}
    assert {"media", "redaction", "footage", "incidents", "releases", "public", "portal", "transparency", "manage.py"} <= scanned
    assert not scanned & NOT_SCANNED


def test_the_guard_sees_each_way_of_starting_a_process(tmp_path):
    module = tmp_path / "starter.py"
    module.write_text("import os, subprocess\nfrom multiprocessing import Process\nos.system('x')\nos.execvp('x', [])\n"
                      "subprocess.run(['x'], shell=True)\n")
    assert len(process_starts(module)) == 5


def test_subprocesses_are_started_only_by_the_runner_and_never_through_a_shell():
    offenders = {
        str(module.relative_to(ROOT)): starts
        for module in project_modules()
        if module != RUNNER and (starts := process_starts(module))
    }
    assert not offenders, f"processes started outside media/runner.py: {offenders}"
    assert not [s for s in process_starts(RUNNER) if "shell=" in s]


def test_the_media_package_imports_without_django():
    code = "import sys, media; assert not [m for m in sys.modules if m.split('.')[0] == 'django']"
    subprocess.run([sys.executable, "-c", code], check=True, cwd=PACKAGE.parent)
