"""python -m redaction IN.mp4 OUT.mp4 --log regions.json [--mode blur|fill]
       [--mute 12.5-14.0 ...] [--bleep-range 20-21.5 ...] [--bleep] [--max-height 720] [--detect-every 5]
       [--regions manual.json] [--suppress 3 7 --tracks-from earlier-regions.json] [--float32]"""
from __future__ import annotations

import argparse
import json
import sys

from .detector import FaceDetector
from .pipeline import RedactionSettings, redact_video
from .regions import TrackMark
from .regions_log import RegionsLog


def _range(text: str) -> tuple[float, float]:
    try:
        a, b = text.split("-", 1)
        start, end = float(a), float(b)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected START-END in seconds, e.g. 12.5-14.0, not {text!r}")
    if not 0 <= start < end:
        raise argparse.ArgumentTypeError(f"mute range {text!r} must have 0 <= start < end")
    return start, end


def _read_json(ap: argparse.ArgumentParser, path: str, option: str):
    try:
        with open(path) as f:
            return json.load(f)
    except (OSError, ValueError) as exc:
        ap.error(f"{option}: cannot read {path}: {exc}")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m redaction", description="Hide every face in a video.")
    ap.add_argument("input")
    ap.add_argument("output")
    ap.add_argument("--log", help="write the regions log (JSON) here")
    ap.add_argument("--mode", choices=["blur", "fill"], default="blur")
    ap.add_argument("--mute", type=_range, nargs="+", default=[], metavar="START-END", help="seconds to silence")
    ap.add_argument("--bleep-range", type=_range, nargs="+", default=[], metavar="START-END",
                    help="seconds to replace with a 1 kHz tone")
    ap.add_argument("--bleep", action="store_true", help="bleep the --mute ranges too")
    ap.add_argument("--max-height", type=int, default=720, help="release copy height limit (<= 1080; default 720)")
    ap.add_argument("--detect-every", type=int, default=5)
    ap.add_argument("--preset", default="ultrafast", help="x264 preset")
    ap.add_argument("--regions", help="JSON list of manual regions {start_frame, end_frame, keyframes}")
    ap.add_argument("--suppress", type=int, nargs="+", default=[], metavar="TRACK",
                    help="automatic tracks of the --tracks-from log to leave unhidden (found again by where they were)")
    ap.add_argument("--tracks-from", metavar="LOG", help="the regions log of an earlier run that --suppress numbers refer to")
    ap.add_argument("--float32", action="store_true",
                    help="run the detector in float32 only (by default often-used shapes run in bfloat16 where the CPU has it)")
    ap.add_argument("--quiet", action="store_true")
    a = ap.parse_args(argv)
    if a.max_height > 1080:
        ap.error("--max-height may be at most 1080")
    extra = _read_json(ap, a.regions, "--regions") if a.regions else []
    marks = []
    if a.suppress:
        if not a.tracks_from:
            ap.error("--suppress needs --tracks-from: track numbers belong to one run's log")
        log = RegionsLog.from_dict(_read_json(ap, a.tracks_from, "--tracks-from"))
        if not log.tracks and not log.pipeline_version:
            ap.error(f"{a.tracks_from} is not a regions log")
        tracks = {t.id: t for t in log.tracks}
        unknown = sorted(set(a.suppress) - set(tracks))
        if unknown:
            ap.error(f"no track {', '.join(map(str, unknown))} in {a.tracks_from}")
        marks = [TrackMark.from_frames(f"track {n}", tracks[n].frames) for n in a.suppress]

    def progress(frac: float) -> None:
        if not a.quiet:
            print(f"\r{frac * 100:5.1f}%", end="", file=sys.stderr, flush=True)

    settings = RedactionSettings(max_height=a.max_height, detect_every=a.detect_every, preset=a.preset)
    result = redact_video(
        a.input, a.output, mode=a.mode, log_path=a.log, extra_regions=extra,
        suppressed=marks, mute_ranges=a.mute, bleep_ranges=a.bleep_range, bleep=a.bleep,
        progress=progress, settings=settings, detector=FaceDetector(threads=1, fast=not a.float32),
    )
    if not a.quiet:
        print(file=sys.stderr)
        t = result.timings
        print(
            f"{result.frames} frames {result.width}x{result.height}, {len(result.log.tracks)} tracks,"
            f" {t['total_s']:.1f} s",
            file=sys.stderr,
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
