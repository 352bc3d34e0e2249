"""Faces that move, grow and turn stay hidden: real face pictures moved over a textured background,
redacted, and checked from the pixels of the release copy the way shared/media/score.py checks them."""
from __future__ import annotations

import functools
import importlib.util
import json
import subprocess
from pathlib import Path

import cv2
import numpy as np
import pytest

from tests.shared_media import shared_media

W, H, FPS = 1280, 720, 30


@pytest.fixture(scope="module")
def media() -> Path:
    return shared_media("faces/faces.json")


@pytest.fixture(scope="module")
def scorer(media):
    spec = importlib.util.spec_from_file_location("shared_score", media / "score.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def background(seed: int = 3) -> np.ndarray:
    """A street-like texture twice the frame's size: blobs and edges at several scales, no faces."""
    return _background(seed).copy()


@functools.lru_cache(maxsize=None)
def _background(seed: int) -> np.ndarray:
    # Made once per seed and process: several tests of this folder draw on the same texture.
    rng = np.random.default_rng(seed)
    bg = np.zeros((H * 2, W * 2, 3), np.float32)
    for scale in (8, 32, 128):
        noise = rng.random((H * 2 // scale + 2, W * 2 // scale + 2, 3)).astype(np.float32)
        bg += cv2.resize(noise, (W * 2 + scale, H * 2 + scale), interpolation=cv2.INTER_CUBIC)[: H * 2, : W * 2] * 60
    return np.clip(bg + 20, 0, 255).astype(np.uint8)


def face_picture(media: Path, name: str = "obama.jpg", margin: float = 0.6) -> tuple[np.ndarray, tuple]:
    """A photo's face with `margin` of its box around it, and the face box inside that crop."""
    box = json.loads((media / "faces" / "faces.json").read_text())[name][0][:4]
    img = cv2.imread(str(media / "faces" / name))
    x1, y1, x2, y2 = box
    mx, my = (x2 - x1) * margin, (y2 - y1) * margin
    X1, Y1 = int(max(0, x1 - mx)), int(max(0, y1 - my))
    X2, Y2 = int(min(img.shape[1], x2 + mx)), int(min(img.shape[0], y2 + my))
    return img[Y1:Y2, X1:X2], (x1 - X1, y1 - Y1, x2 - X1, y2 - Y1)


def paste(frame: np.ndarray, picture: np.ndarray, face: tuple, face_h: float, cx: float, cy: float) -> list[float]:
    """Paste `picture` scaled so its face box is `face_h` tall, the face's centre at (cx, cy);
    return the face box in the frame (it may reach outside it)."""
    s = face_h / (face[3] - face[1])
    pic = cv2.resize(picture, (max(1, round(picture.shape[1] * s)), max(1, round(picture.shape[0] * s))),
                     interpolation=cv2.INTER_AREA)
    fx1, fy1, fx2, fy2 = (v * s for v in face)
    ox, oy = round(cx - (fx1 + fx2) / 2), round(cy - (fy1 + fy2) / 2)
    X1, Y1 = max(0, ox), max(0, oy)
    X2, Y2 = min(W, ox + pic.shape[1]), min(H, oy + pic.shape[0])
    if X2 > X1 and Y2 > Y1:
        frame[Y1:Y2, X1:X2] = pic[Y1 - oy:Y2 - oy, X1 - ox:X2 - ox]
    return [ox + fx1, oy + fy1, ox + fx2, oy + fy2]


def write_clip(path: Path, frames, size: tuple[int, int] = (W, H)) -> None:
    enc = subprocess.Popen(
        ["ffmpeg", "-v", "error", "-y", "-f", "rawvideo", "-pix_fmt", "bgr24", "-s", "{}x{}".format(*size), "-r", str(FPS),
         "-i", "-", "-c:v", "libx264", "-threads", "1", "-preset", "veryfast", "-qp", "12", "-pix_fmt", "yuv420p",
         str(path)],
        stdin=subprocess.PIPE,
    )
    for f in frames:
        enc.stdin.write(np.ascontiguousarray(f).tobytes())
    enc.stdin.close()
    assert enc.wait() == 0


def gray_frames(path: Path) -> list[np.ndarray]:
    out = subprocess.run(["ffmpeg", "-v", "error", "-i", str(path), "-f", "rawvideo", "-pix_fmt", "gray", "-"],
                         check=True, capture_output=True).stdout
    return [f.astype(np.float32) for f in np.frombuffer(out, np.uint8).reshape(-1, H, W)]


def redact(src: Path, tmp_path: Path) -> tuple[list[np.ndarray], dict]:
    from redaction import redact_video

    from .conftest import render_detector

    out, log = tmp_path / "release.mp4", tmp_path / "regions.json"
    redact_video(src, out, mode="blur", log_path=log, detector=render_detector())
    return gray_frames(out), json.loads(log.read_text())


def visible_part(box) -> tuple[list[float], float]:
    """The part of a face box inside the frame, and the share of the box that is."""
    x1, y1, x2, y2 = box
    v = [max(0.0, x1), max(0.0, y1), min(float(W), x2), min(float(H), y2)]
    inside = max(0.0, v[2] - v[0]) * max(0.0, v[3] - v[1])
    return v, inside / ((x2 - x1) * (y2 - y1))


def unhidden_frames(scorer, original, redacted, boxes, min_share: float = 0.25) -> list[int]:
    """Frames whose face (at least `min_share` of it in view) still shows its facial detail."""
    left = []
    for n, box in enumerate(boxes):
        if box is None:
            continue
        part, share = visible_part(box)
        if share >= min_share and not scorer.is_hidden(original[n], redacted[n], part):
            left.append(n)
    return left


def test_a_face_speeding_up_to_90_px_a_frame_out_of_the_frame_is_hidden_on_every_frame_it_is_in_view(media, scorer, tmp_path):
    picture, face = face_picture(media)
    bg = background()
    frames, boxes = [], []
    # Standing for a second (found and tracked), then walking off right, faster every frame up to
    # 90 px a frame (from frame 39), until gone.
    for n in range(50):
        frame = bg[100:100 + H, 200:200 + W].copy()
        t = max(0, n - 30)
        x = 300 + (5 * t * t if t <= 9 else 405 + 90 * (t - 9))
        boxes.append(paste(frame, picture, face, 110, x, 330) if x < W + 200 else None)
        frames.append(frame)
    src = tmp_path / "walk.mp4"
    write_clip(src, frames)
    redacted, _ = redact(src, tmp_path)
    original = gray_frames(src)
    in_view = [n for n, b in enumerate(boxes) if b is not None and visible_part(b)[1] >= 0.25]
    assert len(in_view) > 35  # the face crossed the frame
    assert unhidden_frames(scorer, original, redacted, boxes) == []


def test_a_face_entering_at_90_px_a_frame_is_hidden_from_its_first_frame_in_view_to_its_last(media, scorer, tmp_path):
    picture, face = face_picture(media, "obama2.jpg")
    bg = background(5)
    frames, boxes = [], []
    for n in range(24):  # in from the left edge, across and out at the right edge
        frame = bg[50:50 + H, 100:100 + W].copy()
        x = -60 + n * 90
        boxes.append(paste(frame, picture, face, 120, x, 360))
        frames.append(frame)
    src = tmp_path / "cross.mp4"
    write_clip(src, frames)
    redacted, _ = redact(src, tmp_path)
    assert unhidden_frames(scorer, gray_frames(src), redacted, boxes) == []


def test_a_face_that_doubles_in_size_over_ten_frames_of_a_zoom_is_hidden_on_each(media, scorer, tmp_path):
    picture, face = face_picture(media, "astronaut.png")
    bg = background(7)
    frames, boxes = [], []
    # The camera zooms in on a scene with a face up and right of centre: the whole picture, face
    # included, doubles in size over frames 12-22, and the face moves outward as it grows.
    for n in range(40):
        z = 2 ** (min(max(n - 12, 0), 10) / 10)
        scene = bg[200:200 + H, 300:300 + W].copy()
        x1, y1, x2, y2 = paste(scene, picture, face, 40, 1000, 200)
        m = np.float32([[z, 0, (1 - z) * W / 2], [0, z, (1 - z) * H / 2]])
        frames.append(cv2.warpAffine(scene, m, (W, H), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT))
        boxes.append([z * x1 + m[0, 2], z * y1 + m[1, 2], z * x2 + m[0, 2], z * y2 + m[1, 2]])
    src = tmp_path / "zoom.mp4"
    write_clip(src, frames)
    redacted, _ = redact(src, tmp_path)
    assert unhidden_frames(scorer, gray_frames(src), redacted, boxes, min_share=0.5) == []


def profile_head(media: Path) -> tuple[np.ndarray, tuple]:
    """The woman in full profile from the real-world clip rw02 (its first frame, brightened back
    from its dimming), and her head box there from the clip's ground truth."""
    clip = media / "realworld" / "rw02_profile_lowlight.mp4"
    gt = json.loads((media / "realworld" / "rw02_profile_lowlight_gt.json").read_text())
    raw = subprocess.run(["ffmpeg", "-v", "error", "-i", str(clip), "-frames:v", "1", "-f", "rawvideo",
                          "-pix_fmt", "bgr24", "-"], check=True, capture_output=True).stdout
    frame = np.frombuffer(raw, np.uint8).reshape(gt["height"], gt["width"], 3)
    box = next(f["box"] for f in gt["frames"][0] if f["src"].endswith("#1"))
    x1, y1, x2, y2 = box
    m = 0.5 * (x2 - x1)
    X1, Y1, X2, Y2 = int(max(0, x1 - m)), int(max(0, y1 - m)), int(x2 + m), int(y2 + m)
    crop = np.clip(frame[Y1:Y2, X1:X2].astype(np.float32) * 2.2, 0, 255).astype(np.uint8)
    return crop, (x1 - X1, y1 - Y1, x2 - X1, y2 - Y1)


def test_a_profile_head_is_hidden_from_brow_to_ear_nose_and_lips_included(media, scorer, tmp_path):
    picture, face = profile_head(media)
    bg = background(11)
    frames, boxes = [], []
    for n in range(30):  # walking towards the camera: her head from 120 to 300 px
        frame = bg[300:300 + H, 400:400 + W].copy()
        boxes.append(paste(frame, picture, face, 120 + 6 * n, 700, 360))
        frames.append(frame)
    src = tmp_path / "profile.mp4"
    write_clip(src, frames)
    redacted, log = redact(src, tmp_path)
    original = gray_frames(src)
    # The log says what found each track and what placed its boxes.
    assert log["tracks"] and all(t["found_by"].startswith(log["detector"]["name"]) for t in log["tracks"])
    assert all(sum(t["cues"].values()) == len(t["frames"]) for t in log["tracks"])
    assert any(t["cues"].get("detected") for t in log["tracks"])

    def part(box, fx1, fy1, fx2, fy2):
        x1, y1, x2, y2 = box
        w, h = x2 - x1, y2 - y1
        return [x1 + fx1 * w, y1 + fy1 * h, x1 + fx2 * w, y1 + fy2 * h]

    # Her head's box from the ground truth, and its ends: the nose tip and lips on the left,
    # where she looks, the ear on the right, and the brow along the top.
    parts = {
        "head": (0, 0, 1, 1),
        "nose tip and lips": (0, 0.3, 0.15, 0.9),
        "ear": (0.85, 0.3, 1, 0.75),
        "brow": (0, 0, 1, 0.2),
    }
    left = {name: unhidden_frames(scorer, original, redacted, [part(b, *p) for b in boxes])
            for name, p in parts.items()}
    assert left == {name: [] for name in parts}


def test_the_picture_is_followed_through_a_pan_and_a_zoom_and_a_cut_is_told_apart():
    from redaction.motion import CameraPath, MotionEstimator

    bg = cv2.cvtColor(background(13), cv2.COLOR_BGR2GRAY)
    estimator, path = MotionEstimator(W, H), CameraPath(W, H)
    z = 1.05
    zoom = np.float32([[z, 0, (1 - z) * W / 2], [0, z, (1 - z) * H / 2]])
    frames = [
        bg[300:300 + H, 400:400 + W],  # 0
        bg[300:300 + H, 370:370 + W],  # 1: the camera pans left, the picture moves 30 px right
        bg[290:290 + H, 340:340 + W],  # 2: and down by 10 px
        cv2.warpAffine(np.ascontiguousarray(bg[290:290 + H, 340:340 + W]), zoom, (W, H)),  # 3: zooms in 5%
        np.ascontiguousarray(bg[900:900 + H, 1100:1100 + W][::-1]),  # 4: another shot
    ]
    motions = []
    for n, f in enumerate(frames):
        motions.append(estimator.next(np.ascontiguousarray(f)))
        path.add(n, motions[-1])
    assert [m.cut for m in motions] == [False, False, False, False, True]
    box = np.array([600.0, 300.0, 660.0, 380.0])
    assert path.carry(box, 0, 2) == pytest.approx(box + [60, 10, 60, 10], abs=1.5)
    zoomed = path.carry(box, 2, 3)
    assert zoomed[2] - zoomed[0] == pytest.approx(60 * z, abs=1.5)
    assert (zoomed[0] + zoomed[2]) / 2 == pytest.approx(W / 2 + (630 - W / 2) * z, abs=1.5)
    assert path.carry(box, 2, 0) == pytest.approx(box - [60, 10, 60, 10], abs=1.5)
    assert path.carry(box, 3, 4) == pytest.approx(box)  # across a cut, nothing is carried


def test_detection_comes_every_kth_frame_when_calm_on_a_cut_at_once_and_more_often_while_the_camera_pans_fast(tmp_path):
    bg = background(17)
    frames = []
    for n in range(75):
        if n < 25:  # still
            frames.append(bg[100:100 + H, 100:100 + W])
        elif n < 50:  # panning fast: 40 px a frame
            x = 100 + 40 * (n - 25)
            frames.append(bg[100:100 + H, x:x + W])
        else:  # another shot from frame 52 on (not a Kth frame), still
            frames.append(bg[100:100 + H, 1100:1100 + W] if n < 52 else np.ascontiguousarray(bg[H:, :W][::-1]))
    src = tmp_path / "pan.mp4"
    write_clip(src, frames)
    _, log = redact(src, tmp_path)
    keyframes = log["detector"]["keyframes"]
    assert keyframes["every_kth"] == 75 // log["detector"]["detect_every"] + 1  # and the last frame
    assert keyframes["cut"] == 1
    # The pan moved the picture further between two Kth frames than a closer look has room for.
    assert keyframes["camera"] > 0
    assert "tracks" not in keyframes  # no faces here


def test_a_still_clip_without_faces_is_searched_every_kth_frame_only(tmp_path):
    frame = background(19)[:H, :W]
    src = tmp_path / "still.mp4"
    write_clip(src, [frame] * 30)
    _, log = redact(src, tmp_path)
    assert log["detector"]["keyframes"] == {"every_kth": 30 // log["detector"]["detect_every"] + 1}
