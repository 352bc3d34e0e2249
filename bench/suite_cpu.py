"""Where the test suite's CPU goes: runs `make test` with this file loaded as a pytest plugin,
which records for every test the CPU time of its xdist worker and of the children it reaped
(workers, ffmpeg, browsers' drivers), then prints the files and the tests that cost the most,
beside the whole run's wall time and CPU (from `make test`'s own rusage) and the share of the
two cores it kept busy.

    .venv/bin/python bench/suite_cpu.py [--workers N] [--most 30] [-- extra pytest arguments]

A child's CPU counts where it was reaped, so a process started by one test and stopped by a later
one (a module's server) is counted at the later test, and what each worker keeps for the whole
run (Chromium above all) on one line of its own, its session teardown; PostgreSQL and Redis, started by
scripts/testenv.py outside pytest, are in neither figure; PostgreSQL's CPU is printed beside them, as
testenv.py reports it. Compare files between two runs on the
same quiet machine, not absolute seconds between machines.
"""

from __future__ import annotations

import argparse
import collections
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
_OUT = "SUITE_CPU_OUT"


def _cpu() -> tuple[float, float]:
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime, children.ru_utime + children.ru_stime


try:
    import pytest
except ImportError:  # run as a script with a Python that has no pytest
    pytest = None

SESSION_TEARDOWN = "(each worker's session teardown: its browser, servers and other fixtures kept for the run)"

if pytest is not None:
    _teardown: dict[str, float] = {}

    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_teardown(item, nextitem):
        # The last test's teardown ends the session's fixtures too: Chromium, whose CPU is reaped
        # only then, would otherwise be counted at whichever test a worker happened to run last.
        if nextitem is not None or not os.environ.get(_OUT):
            yield
            return
        own0, children0 = _cpu()
        start = time.monotonic()
        yield
        own1, children1 = _cpu()
        _teardown.update(own=own1 - own0, children=children1 - children0, wall=time.monotonic() - start)

    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_protocol(item, nextitem):
        folder = os.environ.get(_OUT)
        if not folder:
            yield
            return
        own0, children0 = _cpu()
        start, started = time.monotonic(), time.time()
        yield
        own1, children1 = _cpu()
        row = {"id": item.nodeid, "own": own1 - own0, "children": children1 - children0,
               "wall": time.monotonic() - start, "start": started}
        rows = [row]
        if _teardown:
            row.update({key: row[key] - _teardown[key] for key in ("own", "children", "wall")})
            rows.append({"id": SESSION_TEARDOWN, **_teardown, "start": started + row["wall"]})
        worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
        with open(Path(folder) / f"{worker}.jsonl", "a") as out:
            out.writelines(json.dumps(r | {"worker": worker}) + "\n" for r in rows)


def _busy(rows: list[dict]) -> str:
    """How long the run had fewer workers at a test than the machine has cores (a tail of one
    long test, or tests waiting on what they started), from each test's start and wall time."""
    if not rows:
        return ""
    begin, end = min(r["start"] for r in rows), max(r["start"] + r["wall"] for r in rows)
    cores, step = os.cpu_count() or 1, 0.5
    short = collections.Counter()
    for i in range(int((end - begin) / step) + 1):
        t = begin + i * step
        busy = sum(1 for r in rows if r["start"] <= t < r["start"] + r["wall"])
        if busy < cores:
            short[busy] += step
    last = {r["worker"]: r for r in sorted(rows, key=lambda r: r["start"] + r["wall"]) if r["id"] != SESSION_TEARDOWN}
    ends = ", ".join(f"{w} {r['start'] + r['wall'] - begin:.0f} s" for w, r in sorted(last.items()))
    return (f"workers at a test: fewer than the {cores} cores for {sum(short.values()):.0f} s of {end - begin:.0f} s "
            f"({', '.join(f'{n} for {s:.0f} s' for n, s in sorted(short.items()))}); each worker's last test ended at: {ends}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--workers", help="pytest-xdist workers (default: the Makefile's)")
    ap.add_argument("--most", type=int, default=30)
    ap.add_argument("pytest_args", nargs="*")
    a = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="suite-cpu-") as folder:
        env = {**os.environ, _OUT: folder, "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT / "bench"), os.environ.get("PYTHONPATH")]))}
        command = ["make", "test", f"PYTEST_ARGS=-p suite_cpu -p no:cacheprovider -q {' '.join(a.pytest_args)}"]
        if a.workers:
            command.append(f"TEST_WORKERS={a.workers}")
        before, start = resource.getrusage(resource.RUSAGE_CHILDREN), time.monotonic()
        run = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True)
        wall, after = time.monotonic() - start, resource.getrusage(resource.RUSAGE_CHILDREN)
        lines = run.stdout.strip().splitlines()
        postgres = [line for line in lines if line.startswith("testenv: PostgreSQL used")]
        summary = [line for line in lines if not line.startswith("testenv:")]
        print(summary[-1] if summary else run.stderr[-2000:])
        for line in summary:
            if line.startswith(("FAILED ", "ERROR ")):
                print(line[:300])
        rows = [json.loads(line) for f in Path(folder).glob("*.jsonl") for line in f.read_text().splitlines()]
    cpu = after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime
    counted = sum(r["own"] + r["children"] for r in rows)
    tests = [r for r in rows if r["id"] != SESSION_TEARDOWN]
    print(f"make test: {wall:.0f} s wall, {cpu:.0f} CPU-s ({cpu / wall / (os.cpu_count() or 1):.0%} of {os.cpu_count()} cores);"
          f" {len(tests)} tests, {counted:.0f} CPU-s counted at the tests and the workers' session teardowns")
    print(_busy(rows))
    if postgres:
        print(postgres[-1].removeprefix("testenv: "), "(not in the figures above)")
    by_file, tests_in = collections.Counter(), collections.Counter()
    for r in rows:
        name = r["id"].split("::")[0]
        by_file[name] += r["own"] + r["children"]
        tests_in[name] += 1
    print(f"\nfiles by CPU (CPU-s, tests, share of counted):")
    for name, seconds in by_file.most_common(a.most):
        print(f"  {seconds:7.1f} {tests_in[name]:4d} {seconds / counted:6.1%}  {name}")
    print(f"\ntests by CPU (own, children, wall in seconds):")
    for r in sorted(rows, key=lambda r: -(r["own"] + r["children"]))[:a.most]:
        print(f"  {r['own']:6.1f} {r['children']:6.1f} {r['wall']:6.1f}  {r['id'][:160]}")
    sys.exit(run.returncode)


if __name__ == "__main__":
    main()
