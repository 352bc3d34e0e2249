"""Second, independent check of a rendered release copy: look again for faces left unhidden.

It does not trust the pipeline's log: it decodes the release copy itself, at its full resolution,
and looks with two detector families. dlib's HOG detector, trained and built unlike CenterFace (the
pipeline's detector), looks at every second frame, so a leak of two frames or more is seen, and a
face CenterFace does not see is looked for by another method; CenterFace itself looks at every
tenth frame in overlapping tiles (finer than the pipeline's own full-frame pass) for the small
faces HOG's window is too large for. Told where the render hid faces, CenterFace also looks
closer around every hidden region on every frame HOG looks at (a region that lagged or stopped
leaves a face that HOG may not see: small, in profile, looking down; regions side by side are
looked around together), and HOG looks again at each hidden region at the frame's edge with the
frame mirrored beyond it. Two processes share the
frames where there are two cores and frames enough to repay the second's start. Findings are
frames; `finding_ranges` groups them into runs.

    python -m redaction.check OUT.mp4 [--every 2] [--centerface-every 10] [--threshold 0.5] [--workers N] [--json]

Exits 1 when it finds a face, 0 when it finds none.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from collections import defaultdict
from typing import Callable, Iterable

import cv2
import numpy as np

from . import media
from .detector import MODEL_NAME, Detection, FaceDetector, dark_lut, merge
from .regions import TrackMark, inside_matrix, spared_boxes
from .regions_log import RegionsLog, TrackRecord

Finding = tuple[int, tuple[float, float, float, float], float]

# Changed whenever what the check finds may change, so a render's log says which check ran.
CHECK_VERSION = "second check 1 (wider looks shared)"

# The helpers run this module from the directory that holds the package.
PROJECT_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# Pixels each process must have to look at before a helper is started: below it, loading a
# helper's detectors costs more than the frames it takes off this process.
HELPER_MIN_PIXELS = 20_000_000


def scan_for_unhidden_faces(
    video_path: str | os.PathLike,
    *,
    every: int | None = 2,
    centerface_every: int | None = 10,
    threshold: float = 0.5,
    tile: int = 640,
    min_size: float = 10.0,
    detector: FaceDetector | None = None,
    second_family=None,
    workers: int | None = None,
    hidden_tracks: Iterable[TrackRecord] = (),
    progress: Callable[[float], None] | None = None,
    part: tuple[int, int] = (0, 1),
) -> list[Finding]:
    """Frames of `video_path` where a face still appears: (frame_index, box, score), in frame order.

    Boxes are in the video's own pixels. The HOG family (`second_family`) looks at every
    `every`th frame, CenterFace (`detector`) at every `centerface_every`th (either None: never),
    both at full resolution. `workers` (default: two where there are two cores and the frames to
    look at are enough to repay a helper's start) share the frames:
    the others are this module's command line in processes of their own, since the detectors
    hold Python's lock. `progress` is told the share of frames scanned after each. `part` (i, n):
    look only at the i-th of every n frames looked at (what a worker does).

    `hidden_tracks` (the render's regions log tracks) say where the render hid faces: on every
    frame HOG looks at, CenterFace looks closer there too, so a face whose region lagged or
    stopped is seen even where HOG cannot see it (too small, in profile, looking down, dark). A
    face the render never hid is left to the passes above.
    """
    info = media.probe(video_path)
    hidden_tracks = list(hidden_tracks)
    if part == (0, 1):
        workers = _workers_worth_starting(info, every, centerface_every) if workers is None else max(1, workers)
        if workers > 1:
            return _scan_with_helpers(
                video_path, info, workers, every=every, centerface_every=centerface_every, threshold=threshold, tile=tile,
                min_size=min_size, detector=detector, second_family=second_family, hidden_tracks=hidden_tracks,
                progress=progress,
            )
    from .hog_detector import HogFaceDetector

    w, h = info.width, info.height
    if not every and not centerface_every:
        raise ValueError("the check must look with at least one detector")
    hidden = hidden_boxes(hidden_tracks) if every else {}
    if centerface_every or hidden:
        detector = detector or FaceDetector(threads=1, fast=False)  # float32: not the render's arithmetic
    if every:
        second_family = second_family or HogFaceDetector(threshold=threshold)

    def looked_at(n: int) -> bool:
        return bool((every and n % every == 0) or (centerface_every and n % centerface_every == 0))

    picked = "+".join(f"not(mod(n\\,{k}))" for k in (every, centerface_every) if k)
    cmd = [
        # -xerror: without it ffmpeg exits 0 on a file cut short, and the missing frames would
        # pass as scanned.
        media.FFMPEG, "-nostdin", "-v", "error", "-xerror", "-i", os.fspath(video_path), "-map", "0:v:0",
        "-vf", f"select='{picked}'", "-fps_mode", "passthrough",
        "-f", "rawvideo", "-pix_fmt", "rgb24", "pipe:1",
    ]
    found: list[Finding] = []
    size = w * h * 3
    k, n, looked = 0, -1, -1
    with tempfile.TemporaryFile() as err, media.StreamingRun(cmd, media.limits_for(info.duration), stderr=err) as proc:
        while True:
            buf = proc.stdout.read(size)
            if len(buf) < size:
                break
            # The frame number of the k-th frame ffmpeg selected.
            n += 1
            while not looked_at(n):
                n += 1
            looked += 1
            if looked % part[1] != part[0]:
                continue
            rgb = np.frombuffer(buf, np.uint8).reshape(h, w, 3)
            for d in _frame_findings(
                rgb, hog=bool(every and n % every == 0), centerface=bool(centerface_every and n % centerface_every == 0),
                hidden_here=hidden.get(n, ()), detector=detector, second_family=second_family, threshold=threshold,
                tile=tile, min_size=min_size,
            ):
                found.append((n, tuple(round(v, 1) for v in d.box), round(d.score, 3)))
            k += 1
            if progress and info.frames:
                progress(min((n + 1) / info.frames, 1.0))
        # The pipe reached its end; ffmpeg is exiting. A failure part-way must not pass as a clean
        # scan: the frames never decoded would read as "no face found".
        if proc.wait().returncode != 0:
            err.seek(0)
            raise media.ProcessingError(
                "tool_failed",
                f"could not decode {video_path} to the end (scanned {k} frames): "
                f"{err.read()[-1000:].decode(errors='replace')}",
            )
    return found


def _frame_findings(rgb: np.ndarray, *, hog: bool, centerface: bool, hidden_here, detector, second_family,
                    threshold: float, tile: int, min_size: float) -> list[Detection]:
    """The faces one frame shows: HOG's pass and the looks at the hidden regions (`hog`), CenterFace's
    tiled pass (`centerface`), merged."""
    h, w = rgb.shape[:2]
    dets: list[Detection] = []
    near_hidden: list[Detection] = []
    if hog:
        dets += second_family.detect(rgb)
        near_hidden += _closer_looks(rgb, hidden_here, detector, threshold)
        near_hidden += _edge_looks(rgb, hidden_here, second_family)
    if centerface:
        dets += detector.detect_tiled(rgb, tile, overlap=0.25, threshold=threshold)
        if w > tile:
            dets += detector.detect_scaled(rgb, tile, threshold=threshold)
    # Where the render hid a face, a face of any size is one it thought worth hiding; elsewhere a
    # box smaller than `min_size` is more often texture than a face.
    dets = [d for d in dets if min(d.x2 - d.x1, d.y2 - d.y1) >= min_size]
    return merge(dets + near_hidden)


# A closer look takes every hidden region, however many: a capped look left a crowd's faces to HOG,
# whose window is larger than they are. Its cost grows with the regions, as hiding them does.
SMALL_FACE_PX = 64  # below HOG's window
CLOSER_LOOK_PX = 160  # the widest crop CenterFace is given at its own scale
# ... and every region also shown at this size: CenterFace's score for one face swings with the
# scale it is shown at, and each of the two scales found faces left visible that the other missed.
CLOSER_LOOK_BOX_PX = 64


def hidden_boxes(tracks: Iterable[TrackRecord]) -> dict[int, list[tuple]]:
    """Per frame, the boxes the render hid."""
    by_frame: dict[int, list[tuple]] = defaultdict(list)
    for track in tracks:
        if track.suppressed:
            continue
        for f, *box in track.frames:
            by_frame[int(f)].append(tuple(box[:4]))
    return dict(by_frame)


def _closer_looks(rgb: np.ndarray, boxes, detector: FaceDetector | None, threshold: float) -> list[Detection]:
    """CenterFace twice on each box's surroundings: three times its size, a face smaller than HOG
    sees enlarged twice and a larger one reduced to at most CLOSER_LOOK_PX across; and twice its
    size, scaled so that the box is CLOSER_LOOK_BOX_PX across. The wider surroundings of regions
    side by side (a crowd's) are looked at together where that is fewer pixels (`_shared_looks`);
    the nearer ones stay apart, each at its own box's scale: CenterFace's score for a face swings
    with the scale it is shown at, and looks at several scales find what one would miss."""
    if not boxes or detector is None:
        return []
    h, w = rgb.shape[:2]
    wide, near = [], []
    for x1, y1, x2, y2 in boxes:
        side = max(x2 - x1, y2 - y1, 16)
        cx, cy = (x1 + x2) / 2, (y1 + y2) / 2
        for context in (1.5, 1.0):
            a, b = int(max(0, cx - context * side)), int(min(w, cx + context * side))
            c, d = int(max(0, cy - context * side)), int(min(h, cy + context * side))
            if b - a < 8 or d - c < 8:
                continue
            if context == 1.0:
                width = max(32, int((b - a) * CLOSER_LOOK_BOX_PX / side))
            else:
                width = 2 * (b - a) if max(x2 - x1, y2 - y1) < SMALL_FACE_PX else min(b - a, CLOSER_LOOK_PX)
            (wide if context == 1.5 else near).append(((a, b, c, d), width))
    found = []
    for (a, b, c, d), width, members in _shared_looks(wide) + [(crop, width, [crop]) for crop, width in near]:
        for det in detector.detect_scaled(_lift_if_dark(rgb[c:d, a:b]), width, threshold=threshold):
            # A face in the gap between the members' surroundings was not looked for there.
            x, y = (det.x1 + det.x2) / 2 + a, (det.y1 + det.y2) / 2 + c
            if len(members) == 1 or any(p <= x < q and r <= y < s for p, q, r, s in members):
                found.append(Detection(det.x1 + a, det.y1 + c, det.x2 + a, det.y2 + c, det.score))
    return found


# Surroundings shown at scales this close are looked at together, at the largest of them.
SHARED_LOOK_SCALES_PER_OCTAVE = 4


def _shared_looks(looks: list[tuple[tuple[int, int, int, int], int]]):
    """Closer looks (crop (a, b, c, d), width to show it at) as the looks to take: (crop, width,
    the crops it stands for).

    Crops to be shown at about one scale that overlap, directly or through others, are looked at
    as one rectangle where it has fewer pixels than they have together: each one's pixels are
    shown as large as before or a little larger (at most a step of SHARED_LOOK_SCALES_PER_OCTAVE),
    with more of their surroundings, and brightened, where dark, by the rectangle's own light
    (`_lift_if_dark`). A crop alone is looked at as it was."""
    if len(looks) < 2:
        return [(crop, width, [crop]) for crop, width in looks]
    out, by_step = [], defaultdict(list)
    for crop, width in looks:
        a, b, c, d = crop
        by_step[int(np.ceil(np.log2(width / (b - a)) * SHARED_LOOK_SCALES_PER_OCTAVE - 1e-9))].append((crop, width))
    for step, group in by_step.items():
        crops = np.array([crop for crop, _ in group], dtype=np.int64)
        boxes = crops[:, [0, 2, 1, 3]]  # as x1, y1, x2, y2
        _, label = _connected_components(inside_matrix(boxes, boxes) > 0)
        scale = 2.0 ** (step / SHARED_LOOK_SCALES_PER_OCTAVE)
        for cluster in range(label.max() + 1):
            rows = np.nonzero(label == cluster)[0]
            box = crops[rows]
            whole = (int(box[:, 0].min()), int(box[:, 1].max()), int(box[:, 2].min()), int(box[:, 3].max()))
            own = [tuple(int(v) for v in row) for row in box]
            together = ((whole[1] - whole[0]) * (whole[3] - whole[2]) * scale ** 2
                        < sum((q - p) * (s - r) * (group[i][1] / (q - p)) ** 2 for i, (p, q, r, s) in zip(rows, own)))
            if len(rows) > 1 and together:
                out.append((whole, max(32, round((whole[1] - whole[0]) * scale)), own))
            else:
                out += [(group[i][0], group[i][1], [group[i][0]]) for i in rows]
    return out


def _connected_components(touching: np.ndarray) -> tuple[int, np.ndarray]:
    """The groups of a symmetric adjacency matrix: (how many, each row's group number)."""
    label = np.full(len(touching), -1)
    count = 0
    for start in range(len(touching)):
        if label[start] >= 0:
            continue
        todo = [start]
        label[start] = count
        while todo:
            i = todo.pop()
            for j in np.nonzero(touching[i] & (label < 0))[0]:
                label[j] = count
                todo.append(int(j))
        count += 1
    return count, label


def _lift_if_dark(rgb: np.ndarray) -> np.ndarray:
    """A dark crop with its luma lifted as the render lifts a dark frame: a face in a dark corner
    of a lit frame was never lifted by the frame's brightness."""
    ycc = cv2.cvtColor(rgb, cv2.COLOR_RGB2YCrCb)
    lut = dark_lut(ycc[..., 0])
    if lut is None:
        return rgb
    ycc[..., 0] = cv2.LUT(ycc[..., 0], lut)
    return cv2.cvtColor(ycc, cv2.COLOR_YCrCb2RGB)


# HOG is shown each hidden region at the frame's edge at one size: the region this many pixels
# tall, so the face it hid (about two thirds of it) fills more than HOG's window.
EDGE_LOOK_PX = 128


def _edge_looks(rgb: np.ndarray, boxes, hog) -> list[Detection]:
    """HOG on each hidden box that touches the frame's edge, in a window twice its size centred on
    it, the frame mirrored beyond its left and right edges (and its rows repeated beyond the top
    and bottom): a face the edge cuts in half becomes whole with its mirror image, where HOG, whose
    window must lie inside the image, never saw it and CenterFace scores half a face low."""
    if not boxes or hog is None:
        return []
    h, w = rgb.shape[:2]
    found = []
    for x1, y1, x2, y2 in boxes:
        if x1 > 1 and y1 > 1 and x2 < w - 1 and y2 < h - 1:
            continue
        side = max(x2 - x1, y2 - y1, 16)
        cx, cy = (x1 + x2) / 2, (y1 + y2) / 2
        a, b, c, d = (int(round(v)) for v in (cx - side, cx + side, cy - side, cy + side))
        window = rgb[max(0, c):min(h, d), max(0, a):min(w, b)]
        if window.shape[0] < 8 or window.shape[1] < 8:
            continue
        # Mirroring cannot reach further than the frame is wide.
        left, right = min(max(0, -a), window.shape[1] - 1), min(max(0, b - w), window.shape[1] - 1)
        window = cv2.copyMakeBorder(window, 0, 0, left, right, cv2.BORDER_REFLECT_101)
        window = cv2.copyMakeBorder(window, max(0, -c), max(0, d - h), 0, 0, cv2.BORDER_REPLICATE)
        f = EDGE_LOOK_PX / side
        look = cv2.resize(window, None, fx=f, fy=f, interpolation=cv2.INTER_AREA if f < 1 else cv2.INTER_LINEAR)
        ox, oy = max(0, a) - left, max(0, c) - max(0, -c)
        for det in hog.detect(look):
            # What the mirror showed of the face lies folded back inside the frame.
            a1, a2 = _fold(det.x1 / f + ox, det.x2 / f + ox, w)
            b1, b2 = max(0.0, det.y1 / f + oy), min(float(h), det.y2 / f + oy)
            if a2 - a1 >= 1 and b2 - b1 >= 1:
                found.append(Detection(a1, b1, a2, b2, det.score))
    return found


def _fold(a: float, b: float, size: int) -> tuple[float, float]:
    """The span a..b of a picture mirrored beyond 0 and `size`, as the frame's own pixels it shows."""
    if a < 0:
        a, b = 0.0, max(b, -a)
    if b > size:
        a, b = min(a, 2.0 * size - b), float(size)
    return max(0.0, a), min(float(size), b)


def _workers_worth_starting(info: media.VideoInfo, every: int | None, centerface_every: int | None) -> int:
    """Two processes where there are two cores and each has `HELPER_MIN_PIXELS` to look at, else one."""
    cores = min(2, os.cpu_count() or 1)
    if cores == 1:
        return 1
    looked_at = sum(1 for n in range(info.frames) if (every and n % every == 0) or (centerface_every and n % centerface_every == 0))
    return cores if looked_at * info.width * info.height >= cores * HELPER_MIN_PIXELS else 1


def _scan_with_helpers(video_path, info: media.VideoInfo, workers: int, *, every, centerface_every, threshold, hidden_tracks,
                       **options) -> list[Finding]:
    """`scan_for_unhidden_faces` with the frames shared among this process and `workers` - 1
    helper processes."""
    cmd = [sys.executable, "-m", "redaction.check", os.path.abspath(video_path), "--json", "--workers", "1",
           "--every", str(every or 0), "--centerface-every", str(centerface_every or 0), "--threshold", str(threshold)]
    limits = media.limits_for(info.duration)
    outputs, helpers = [], []
    tracks_file = None
    try:
        if hidden_tracks:
            tracks_file = tempfile.NamedTemporaryFile("w", suffix=".json", delete=False)
            json.dump({"tracks": [t.as_dict() for t in hidden_tracks]}, tracks_file)
            tracks_file.close()
            cmd += ["--hidden-tracks", tracks_file.name]
        for i in range(1, workers):
            out, err = tempfile.TemporaryFile(), tempfile.TemporaryFile()
            outputs.append((out, err))
            helpers.append(media.StreamingRun(cmd + ["--part", f"{i}/{workers}"], limits, stdout=out, stderr=err, cwd=PROJECT_ROOT))
        found = scan_for_unhidden_faces(video_path, every=every, centerface_every=centerface_every, threshold=threshold,
                                        hidden_tracks=hidden_tracks, part=(0, workers), **options)
        for proc, (out, err) in zip(helpers, outputs):
            # A helper exits 0 whatever it found: anything else is a failure, never a clean scan.
            if proc.wait().returncode != 0:
                err.seek(0)
                raise media.ProcessingError(
                    "tool_failed", f"the check's helper process failed: {err.read()[-1000:].decode(errors='replace')}"
                )
            out.seek(0)
            found += [(f["frame"], tuple(f["box"]), f["score"]) for f in json.loads(out.read() or b"[]")]
    finally:
        for proc in helpers:
            proc.close()
        for out, err in outputs:
            out.close()
            err.close()
        if tracks_file is not None:
            os.unlink(tracks_file.name)
    return sorted(found, key=lambda f: f[0])


def check_report(
    *, every: int | None = 2, centerface_every: int | None = 10, threshold: float = 0.5,
    detector: FaceDetector | None = None, second_family=None,
) -> dict:
    """What the check looked with, for the render's log: how often each family looked, each
    model's SHA-256 and the versions of the libraries that decide what it finds (another build can
    find another borderline face, so a check is only repeatable with the same)."""
    from .hog_detector import MODEL_NAME as HOG_MODEL_NAME, HogFaceDetector

    detector = detector or FaceDetector(threads=1, fast=False)
    hog = second_family or HogFaceDetector(threshold=threshold)
    return {
        "version": CHECK_VERSION, "every": every, "centerface_every": centerface_every, "threshold": threshold,
        "detectors": {
            "hog": {"name": HOG_MODEL_NAME, "model_sha256": hog.model_sha256, "software": dict(hog.software)},
            "centerface": {"name": MODEL_NAME, "model_sha256": detector.model_sha256, "runtime": detector.runtime,
                           "software": dict(detector.software)},
        },
    }


def _overlap(a, b) -> bool:
    return min(a[2], b[2]) > max(a[0], b[0]) and min(a[3], b[3]) > max(a[1], b[1])


def finding_ranges(findings: Iterable[Finding], *, gap: int = 10) -> list[dict]:
    """Findings grouped into runs: one face left visible over frames `first`..`last`.

    A finding joins a run when it overlaps the run's latest box and comes at most `gap` frames
    after it (the check does not look at every frame). Each run: first, last, frames (how many
    findings), box (covering all of them), score (the highest). In order of their first frame.
    """
    runs: list[dict] = []
    open_runs: list[dict] = []
    for frame, box, score in sorted(findings, key=lambda f: f[0]):
        open_runs = [r for r in open_runs if frame - r["last"] <= gap]
        run = next((r for r in open_runs if r["last"] < frame and _overlap(r["_box"], box)), None)
        if run is None:
            run = {"first": frame, "last": frame, "frames": 0, "box": list(box), "score": score}
            runs.append(run)
            open_runs.append(run)
        run["last"], run["_box"] = frame, box
        run["frames"] += 1
        run["score"] = max(run["score"], score)
        run["box"] = [min(run["box"][0], box[0]), min(run["box"][1], box[1]), max(run["box"][2], box[2]), max(run["box"][3], box[3])]
    for run in runs:
        del run["_box"]
    return runs


def split_spared_findings(findings, tracks: Iterable[TrackRecord], marks: Iterable[TrackMark]) -> tuple[list, list]:
    """Separate the findings a reviewer's decision explains from the rest.

    `findings` are (frame, box, score) from `scan_for_unhidden_faces`; `tracks` the render's
    regions log tracks (boxes as hidden, in release-copy pixels); `marks` the confirmed "do not
    redact" decisions. A finding whose centre lies in the box a mark left unhidden on that frame
    (the box the render spared, found as the render found it) is that person, shown on purpose.
    Returns (still to look at, [(finding, mark id), ...]).
    """
    marks = list(marks)
    by_frame: dict[int, dict[int, tuple]] = defaultdict(dict)
    for track in tracks:
        for f, *box in track.frames:
            by_frame[f][track.id] = tuple(box[:4])
    keep, spared = [], []
    for finding in findings:
        frame, box = int(finding[0]), finding[1]
        cx, cy = (box[0] + box[2]) / 2, (box[1] + box[3]) / 2
        boxes = by_frame.get(frame, {})
        by = next(
            (mark for tid, mark in (spared_boxes(boxes, marks, frame) if boxes and marks else {}).items()
             if boxes[tid][0] <= cx <= boxes[tid][2] and boxes[tid][1] <= cy <= boxes[tid][3]),
            None,
        )
        if by is None:
            keep.append(finding)
        else:
            spared.append((finding, by))
    return keep, spared


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m redaction.check", description=__doc__.split("\n")[0])
    ap.add_argument("video")
    ap.add_argument("--every", type=int, default=2, help="HOG looks at every Nth frame (default 2; 0: never)")
    ap.add_argument("--centerface-every", type=int, default=10, help="CenterFace looks at every Nth frame (default 10; 0: never)")
    ap.add_argument("--threshold", type=float, default=0.5, help="detector score that counts as a face")
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--workers", type=int, help="processes sharing the frames (default: two where there are two cores and frames enough)")
    ap.add_argument("--hidden-tracks", help="the render's regions log (or its tracks) as JSON: look closer where it hid faces")
    ap.add_argument("--part", default="0/1", help=argparse.SUPPRESS)  # I/N: a helper's share of the frames
    a = ap.parse_args(argv)
    i, n = (int(v) for v in a.part.split("/"))
    tracks = []
    if a.hidden_tracks:
        with open(a.hidden_tracks) as f:
            data = json.load(f)
        tracks = RegionsLog.from_dict(data if isinstance(data, dict) else {"tracks": data}).tracks
    found = scan_for_unhidden_faces(a.video, every=a.every or None, centerface_every=a.centerface_every or None,
                                    threshold=a.threshold, workers=a.workers, hidden_tracks=tracks, part=(i, n))
    if a.json:
        print(json.dumps([{"frame": f, "box": list(b), "score": s} for f, b, s in found]))
        if (i, n) != (0, 1):
            return 0  # a helper: its findings are its output, and any failure an exception
    else:
        for run in finding_ranges(found, gap=max(a.every or 0, a.centerface_every or 0)):
            print(f"frames {run['first']}-{run['last']} ({run['frames']} looked at): face at {run['box']} score {run['score']}")
        print(f"{len(found)} unhidden face(s) found" if found else "no unhidden faces found")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
