"""How fast is the web proxy? Times `make_proxy` on a synthetic 1080p30 clip against ffmpeg's bare
decode of the same clip (the floor: a proxy can never be faster than reading the original).

    .venv/bin/python bench/proxy.py [--seconds 60] [--size 1920x1080] [--fps 30]

The clip is cached in ~/.cache/portal-bench/ (made once, with libx264 ultrafast, which decodes
about like a camera's baseline stream). CPU seconds are reported beside wall time because the
machine may be shared: wall time alone says as much about the neighbours as about the code.
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from media import make_proxy, make_test_clip, probe_media  # noqa: E402
from media.probe import input_url  # noqa: E402
from media.runner import FFMPEG, Limits, check, run_tool  # noqa: E402


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def timed(fn):
    wall, cpu = time.perf_counter(), children_cpu()
    value = fn()
    return value, time.perf_counter() - wall, children_cpu() - cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--size", default="1920x1080")
    parser.add_argument("--fps", type=int, default=30)
    parser.add_argument("--preset", default="veryfast", help="x264 preset of the proxy")
    parser.add_argument("--cache", type=Path, default=Path.home() / ".cache" / "portal-bench")
    args = parser.parse_args()
    width, height = (int(x) for x in args.size.lower().split("x"))

    args.cache.mkdir(parents=True, exist_ok=True)
    clip = args.cache / f"testsrc2-{width}x{height}-{args.fps}fps-{args.seconds:g}s.mp4"
    if not clip.exists():
        print(f"making {clip.name} (once) ...", flush=True)
        make_test_clip(clip, seconds=args.seconds, size=(width, height), fps=args.fps, timeout=3600)
    info = probe_media(clip)
    duration = info.duration or args.seconds

    limits = Limits(timeout=3600, cpu_seconds=36000)
    decode = [FFMPEG, "-hide_banner", "-nostdin", "-v", "error", "-i", input_url(clip), "-f", "null", "-"]
    _, decode_wall, decode_cpu = timed(lambda: check(run_tool(decode, limits), limits, "decoding"))

    with tempfile.TemporaryDirectory(dir=args.cache) as out:
        result, proxy_wall, proxy_cpu = timed(
            lambda: make_proxy(clip, Path(out) / "proxy.mp4", info=info, preset=args.preset)
        )

    print(f"machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.2f} at the end")
    print(
        f"clip:    {info.width}x{info.height} {info.fps:g} fps {info.video_codec}, {duration:.1f} s, "
        f"{(info.bitrate or 0) / 1e6:.1f} Mb/s"
    )
    print(f"decode:  {decode_wall:6.2f} s wall ({duration / decode_wall:5.2f}x real time), {decode_cpu:6.2f} s CPU")
    print(
        f"proxy:   {proxy_wall:6.2f} s wall ({duration / proxy_wall:5.2f}x real time), {proxy_cpu:6.2f} s CPU "
        f"-> {result.width}x{result.height}, {result.size / 1e6:.1f} MB, preset {args.preset}"
    )
    print(f"ratio:   proxy takes {proxy_wall / decode_wall:.2f}x the wall time and "
          f"{proxy_cpu / max(decode_cpu, 1e-9):.2f}x the CPU of a bare decode")


if __name__ == "__main__":
    main()
