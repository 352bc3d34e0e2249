from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

from media import ProcessingError
from media.runner import FFMPEG, Limits, check, run_tool

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


def test_subprocesses_are_started_only_by_the_runner_and_never_through_a_shell():
    for module in PACKAGE.glob("*.py"):
        tree = ast.parse(module.read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.keyword) and node.arg == "shell":
                pytest.fail(f"{module.name} passes shell=")
            if isinstance(node, ast.Attribute) and node.attr in {"system", "popen", "Popen", "run", "call", "check_output"}:
                if isinstance(node.value, ast.Name) and node.value.id in {"os", "subprocess"}:
                    assert module.name == "runner.py", f"{module.name} starts a process itself"


def test_the_media_package_imports_without_django():
    code = "import sys, media; assert not [m for m in sys.modules if m.split('.')[0] == 'django']"
    subprocess.run([sys.executable, "-c", code], check=True, cwd=PACKAGE.parent)
