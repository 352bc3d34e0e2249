"""Every setting has its default in one place, portal/settings.py: code reads `settings.NAME`,
never `getattr(settings, "NAME", fallback)`, whose fallback would be a second, silent default."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
APPS = ("portal", "incidents", "footage", "releases", "public", "transparency")


def _fallbacks(path: Path) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "getattr"
                and node.args and isinstance(node.args[0], ast.Name) and node.args[0].id == "settings"):
            found.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    return found


def test_code_reads_settings_without_a_fallback_of_its_own():
    offenders = [hit for app in APPS for path in sorted((ROOT / app).rglob("*.py")) for hit in _fallbacks(path)]
    assert not offenders, "defaults belong in portal/settings.py: " + ", ".join(offenders)

