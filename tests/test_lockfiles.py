"""Installs are repeatable: every package the portal runs with is pinned, with hashes, in
requirements/*.lock, and the three lockfiles agree with pyproject.toml and with each other."""
from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parent.parent
PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
LOCKS = {"web": (), "worker": ("worker",), "test": ("worker", "test")}


def locked(name: str) -> dict[str, tuple[str, list[str]]]:
    """{package: (version, hashes)} of requirements/NAME.lock."""
    text = (ROOT / "requirements" / f"{name}.lock").read_text(encoding="utf-8")
    entries = {}
    for block in re.split(r"\n(?=\S)", text):
        first = re.match(r"^([A-Za-z0-9_.\-]+)==(\S+)", block)
        if first:
            entries[canonicalize_name(first.group(1))] = (first.group(2), re.findall(r"--hash=sha256:([0-9a-f]{64})", block))
    return entries


def wanted(extras) -> list[Requirement]:
    found = [Requirement(r) for r in PROJECT["dependencies"]]
    for extra in extras:
        found += [Requirement(r) for r in PROJECT["optional-dependencies"][extra]]
    return found


@pytest.mark.parametrize("lock", LOCKS)
def test_every_requirement_of_pyproject_is_locked_at_a_version_it_allows_with_hashes(lock):
    entries = locked(lock)
    assert entries and all(hashes for _, hashes in entries.values())
    for requirement in wanted(LOCKS[lock]):
        version, _ = entries[canonicalize_name(requirement.name)]
        assert requirement.specifier.contains(version, prereleases=True), (requirement, version)


def test_the_web_lock_leaves_out_the_worker_extra_and_the_locks_agree_on_every_version():
    web, worker, test = locked("web"), locked("worker"), locked("test")
    for requirement in wanted(["worker"])[len(PROJECT["dependencies"]):]:
        assert canonicalize_name(requirement.name) not in web
    assert set(web) <= set(worker) <= set(test)
    for name, (version, _) in worker.items():
        assert test[name][0] == version and (name not in web or web[name][0] == version), name
