"""The second-pass scanner finds faces in footage that was not redacted, and not in footage that was."""
from __future__ import annotations

import subprocess
import sys

from redaction.regions_log import TrackRecord

from .conftest import OPENING_FRAMES, ROOT, render_detector


def test_it_flags_faces_in_an_unredacted_clip(clip_scanned):
    found = clip_scanned
    frames = {f for f, _, _ in found}
    assert len(frames) >= 7  # faces in (nearly) every scanned frame of 8
    assert all(score >= 0.5 for _, _, score in found)


def test_it_finds_no_faces_in_the_redacted_clip(clip_scanned, blurred):
    from redaction import scan_for_unhidden_faces

    before = clip_scanned
    after = scan_for_unhidden_faces(blurred.path, every=15, workers=1)
    assert len(after) <= max(1, len(before) // 10), after


def test_a_copy_cut_short_is_an_error_not_a_clean_scan(blurred, tmp_path):
    """The frames after the cut were never looked at; they must not count as free of faces."""
    import pytest

    from redaction import MediaError, scan_for_unhidden_faces

    # The copy's first second as it is (a stream copy, its index at the front as in the copy): any
    # stretch of it is cut short the same way, and fewer frames are scanned before the cut.
    opening = tmp_path / "opening.mp4"
    subprocess.run(["ffmpeg", "-v", "error", "-y", "-i", str(blurred.path), "-frames:v", str(OPENING_FRAMES), "-an", "-c", "copy",
                    "-movflags", "+faststart", str(opening)], check=True)
    data = opening.read_bytes()
    cut = tmp_path / "cut.mp4"
    cut.write_bytes(data[: len(data) * 6 // 10])  # the index is at the front (faststart)
    with pytest.raises(MediaError, match="to the end"):
        scan_for_unhidden_faces(cut, every=15, workers=1)  # this process's own decode meets the cut first


def test_its_command_line_exits_1_when_it_finds_faces(opening):
    # One process and HOG alone find frame 0's faces; a helper and CenterFace would cost more than the scan.
    proc = subprocess.run(
        [sys.executable, "-m", "redaction.check", str(opening), "--every", "60", "--centerface-every", "0", "--workers", "1", "--json"],
        cwd=ROOT, capture_output=True, text=True,
    )
    assert proc.returncode == 1, proc.stderr
    assert '"frame": 0' in proc.stdout


def test_a_finding_on_a_face_two_officers_agreed_to_leave_visible_is_not_a_finding():
    """Issue 25: 52 frames of a confirmed agent's face had to be cleared one by one."""
    from redaction.check import split_spared_findings
    from redaction.regions import TrackMark

    agent = [[f, 100.0, 50.0, 180.0, 150.0] for f in range(0, 30)]
    bystander = [[f, 400.0, 60.0, 460.0, 140.0] for f in range(0, 30)]
    tracks = [TrackRecord(id=3, frames=agent), TrackRecord(id=4, frames=bystander)]  # as this render numbered them
    decision = TrackMark.from_frames("c9", [[f, x1 + 4, y1, x2 + 4, y2] for f, x1, y1, x2, y2 in agent])  # an earlier render
    on_agent = (10, (120.0, 70.0, 160.0, 120.0), 0.9)
    on_bystander = (10, (410.0, 70.0, 450.0, 130.0), 0.8)  # hidden, yet the scan saw a face: still a finding
    after_the_track = (40, (120.0, 70.0, 160.0, 120.0), 0.9)  # where the agent was, on a frame the decision does not cover
    keep, spared = split_spared_findings([on_agent, on_bystander, after_the_track], tracks, [decision])
    assert keep == [on_bystander, after_the_track]
    assert spared == [(on_agent, "c9")]
    assert split_spared_findings([on_agent], tracks, []) == ([on_agent], [])


def _overlaps(a, b) -> bool:
    return min(a[2], b[2]) > max(a[0], b[0]) and min(a[3], b[3]) > max(a[1], b[1])


# The planted leaks' frames and a stretch around each: wider than a finding run's gap around the
# three-frame leak (31-33), a few frames around the small one (101-103). Each starts on a tenth
# frame, so the check looks at the same frames of it as of the whole copy.
LEAK_STRETCHES = ((20, 50), (100, 110))
# The planted leaks' own frames, each stretch from the tenth frame before them: the frames whose
# findings say whether the render itself hid those faces (the check judges each frame alone).
LEAK_FRAMES = ((30, 34), (100, 104))


def _scan_stretches(copy, stretches, tracks, folder) -> list:
    """The second check's findings (with its default settings) on `copy`'s frames in `stretches`
    ([first, end) pairs) only, in the copy's frame numbers: each stretch is cut out losslessly
    (its frames' pixels as in `copy`) and scanned with the render's `tracks` over it."""
    import dataclasses

    from redaction import scan_for_unhidden_faces

    folder.mkdir()
    found = []
    for first, end in stretches:
        assert first % 10 == 0
        part = folder / f"{first}-{end}.mp4"
        subprocess.run(
            ["ffmpeg", "-v", "error", "-y", "-i", str(copy), "-an", "-vf",
             f"trim=start_frame={first}:end_frame={end},setpts=PTS-STARTPTS",
             "-c:v", "libx264", "-threads", "1", "-preset", "ultrafast", "-qp", "0", "-pix_fmt", "yuv420p", str(part)],
            check=True,
        )
        over = [dataclasses.replace(t, frames=[[f - first, *box] for f, *box in t.frames if first <= f < end]) for t in tracks]
        found += [(f + first, box, score) for f, box, score in
                  scan_for_unhidden_faces(part, hidden_tracks=[t for t in over if t.frames], workers=1)]
    return found


def test_a_planted_three_frame_leak_is_found_by_the_second_check_and_a_confirmed_do_not_redact_face_is_not(clip, blurred, tmp_path):
    """Issue 23: the check looked at every 10th frame, so a leak of a few frames passed it; and a
    small face's leak is found where the render had hidden it."""
    import json

    from redaction import TrackMark, redact_video
    from redaction.check import finding_ranges, split_spared_findings

    # An official acting in public, whom two officers agreed to leave visible: the longest-lived large track.
    agent = max((t for t in blurred.log.tracks if t.frames[0][4] - t.frames[0][2] > 80), key=lambda t: len(t.frames))
    mark = TrackMark.from_frames("c1", agent.frames)
    reviewed = tmp_path / "reviewed.mp4"
    result = redact_video(clip.path, reviewed, mode="blur", suppressed=[mark], detector=render_detector())

    # A leak: a large face elsewhere, hidden in the render, shown unhidden on frames 31-33 only
    # (none of them a tenth frame).
    leak_frames = range(31, 34)
    gt = json.loads(clip.gt.read_text())["frames"]
    agent_boxes = [mark.boxes[f] for f in leak_frames if f in mark.boxes]

    def union(boxes):
        return [min(b[0] for b in boxes), min(b[1] for b in boxes), max(b[2] for b in boxes), max(b[3] for b in boxes)]

    candidates = []
    for face in gt[31]:
        same = [next((g["box"] for g in gt[f] if g["src"] == face["src"] and _overlaps(g["box"], face["box"])), None) for f in leak_frames]
        if None in same or face["vis"] < 0.9 or face["box"][3] - face["box"][1] < 100:
            continue
        box = union(same)
        if not any(_overlaps(box, a) for a in agent_boxes):
            candidates.append(box)
    assert candidates, "the clip has no large face apart from the agent's on frames 31-33"
    x1, y1, x2, y2 = (int(v) for v in max(candidates, key=lambda b: b[3] - b[1]))
    w, h = x2 - x1, y2 - y1
    # And a small face (about 38 px, below what HOG sees) on frames 101-103.
    small_frames = range(101, 104)
    small = union([g["box"] for f in small_frames for g in gt[f] if g["src"].startswith("Tom_Hanks")])
    m = 0.1 * (small[3] - small[1])
    sx1, sy1, sx2, sy2 = int(small[0] - m), int(small[1] - m), int(small[2] + m + 1), int(small[3] + m + 1)
    assert sy2 - sy1 < 64
    planted = tmp_path / "planted.mp4"
    subprocess.run(
        ["ffmpeg", "-v", "error", "-y", "-i", str(reviewed), "-i", str(clip.path), "-filter_complex",
         f"[1:v]split[a][b];[a]crop={w}:{h}:{x1}:{y1}[face];[b]crop={sx2 - sx1}:{sy2 - sy1}:{sx1}:{sy1}[small];"
         f"[0:v][face]overlay={x1}:{y1}:enable='between(n,31,33)'[v];"
         f"[v][small]overlay={sx1}:{sy1}:enable='between(n,101,103)'",
         "-c:v", "libx264", "-threads", "1", "-preset", "ultrafast", "-qp", "18", str(planted)],
        check=True,
    )

    def on_leak(findings):
        return [f for f in findings if f[0] in leak_frames and _overlaps(f[1], (x1, y1, x2, y2))]

    def on_small_leak(findings):
        return [f for f in findings if f[0] in small_frames and _overlaps(f[1], (sx1, sy1, sx2, sy2))]

    as_rendered = _scan_stretches(reviewed, LEAK_FRAMES, result.log.tracks, tmp_path / "reviewed")
    assert not on_leak(as_rendered) and not on_small_leak(as_rendered), "the faces were not hidden in the render itself"
    found, spared = split_spared_findings(_scan_stretches(planted, LEAK_STRETCHES, result.log.tracks, tmp_path / "planted"),
                                          result.log.tracks, [mark])
    assert on_leak(found)
    assert on_small_leak(found)
    leak_runs = [r for r in finding_ranges(found) if _overlaps(r["box"], (x1, y1, x2, y2)) and r["first"] in leak_frames]
    assert leak_runs and all(r["last"] in leak_frames for r in leak_runs)
    # The agent's face was seen and explained by the decision, not reported.
    assert spared and {mark_id for _, mark_id in spared} == {"c1"}
    assert not [f for f in found if (box := mark.boxes.get(f[0])) and box[0] <= (f[1][0] + f[1][2]) / 2 <= box[2]
                and box[1] <= (f[1][1] + f[1][3]) / 2 <= box[3]]


def test_closer_looks_side_by_side_are_taken_together_each_as_large_as_before_and_apart_ones_alone():
    """A crowd's hidden regions overlap: one look at them together has fewer pixels than one
    look at each, and shows each crop's pixels at least at its own scale."""
    from redaction.check import _shared_looks

    row = [((100 + 40 * i, 190 + 40 * i, 100, 190), 180) for i in range(6)]  # 90 px crops at 2x, overlapping
    apart = ((900, 990, 500, 590), 180)
    smaller = ((120, 210, 100, 190), 60)  # over the row, but to be shown at a third of the scale
    looks = _shared_looks(row + [apart, smaller])
    together = [look for look in looks if len(look[2]) > 1]
    assert len(together) == 1
    (a, b, c, d), width, members = together[0]
    assert sorted(members) == sorted(crop for crop, _ in row)
    assert (a, b, c, d) == (100, 390, 100, 190) and width / (b - a) >= 2
    assert width * (d - c) * width / (b - a) < sum(w * w * (q - p) * (s - r) / (q - p) ** 2 for (p, q, r, s), w in row)
    assert (apart[0], apart[1], [apart[0]]) in looks and (smaller[0], smaller[1], [smaller[0]]) in looks


def test_finding_ranges_group_one_face_over_frames_and_keep_two_faces_apart():
    from redaction.check import finding_ranges

    face = [(f, (100.0 + f, 50.0, 180.0 + f, 150.0), 0.8) for f in range(10, 20, 2)]
    other = [(12, (600.0, 50.0, 680.0, 150.0), 0.9)]
    later = [(60, (100.0, 50.0, 180.0, 150.0), 0.7)]  # the same place, long after: another leak
    runs = finding_ranges(face + other + later, gap=10)
    assert [(r["first"], r["last"], r["frames"]) for r in runs] == [(10, 18, 5), (12, 12, 1), (60, 60, 1)]
    assert runs[0]["box"] == [110.0, 50.0, 198.0, 150.0] and runs[0]["score"] == 0.8


def test_two_processes_sharing_the_frames_find_what_one_finds(opening):
    from redaction import scan_for_unhidden_faces

    alone = scan_for_unhidden_faces(opening, every=3, centerface_every=None, workers=1)
    shared = scan_for_unhidden_faces(opening, every=3, centerface_every=None, workers=2)
    assert alone and shared == alone
    assert {f for f, _, _ in alone} <= set(range(0, OPENING_FRAMES, 3))  # only the frames it was asked to look at


def test_its_report_names_each_detector_with_its_version_and_the_sha256_of_its_model():
    import hashlib

    import dlib

    from redaction.check import check_report
    from redaction.detector import model_path

    report = check_report()

    hog = report["detectors"]["hog"]
    assert hog["software"]["dlib"] == dlib.__version__
    assert hog["model_sha256"] == check_report()["detectors"]["hog"]["model_sha256"]  # the same filters each time
    with open(model_path(), "rb") as model:
        assert report["detectors"]["centerface"]["model_sha256"] == hashlib.file_digest(model, "sha256").hexdigest()


def test_a_small_face_left_visible_where_the_render_hid_it_is_found_in_the_open_and_at_the_frame_edge(media_dir, tmp_path):
    """Below HOG's window only the closer look sees a face; it missed some of these at 20-28 px."""
    import numpy as np

    from redaction import scan_for_unhidden_faces
    from redaction.hiding import head_box

    from .test_motion import background, face_picture, paste

    street = background()[:720, :1280]
    faces, tracks = [], []
    for name in ("obama.jpg", "biden.jpg", "Tom_Hanks_54745.png", "astronaut.png", "t1.jpg", "obama2.jpg"):
        picture, face = face_picture(media_dir, name)
        for height in (20, 28, 36, 48):
            for cx in (0.45 * height, 400):  # half out of the frame, and in the open
                frame = np.ascontiguousarray(street.copy())
                box = paste(frame, picture, face, height, cx, 300)
                tracks.append(TrackRecord(id=len(faces), frames=[[len(faces), *head_box(box, 1280, 720)]]))
                faces.append((frame, box))
    video = tmp_path / "leaks.mp4"
    encoder = subprocess.Popen(
        ["ffmpeg", "-v", "error", "-y", "-f", "rawvideo", "-pix_fmt", "bgr24", "-s", "1280x720", "-r", "25", "-i", "pipe:0",
         "-c:v", "libx264", "-preset", "ultrafast", "-qp", "12", "-pix_fmt", "yuv420p", str(video)],
        stdin=subprocess.PIPE,
    )
    for frame, _ in faces:
        encoder.stdin.write(frame.tobytes())
    encoder.stdin.close()
    assert encoder.wait() == 0

    found = scan_for_unhidden_faces(video, every=1, centerface_every=None, hidden_tracks=tracks, workers=1)

    missed = [(n, box) for n, (_, box) in enumerate(faces) if not any(f == n and _overlaps(b, box) for f, b, _ in found)]
    assert not missed


def test_a_face_left_visible_among_more_hidden_regions_than_the_check_used_to_look_at_is_found(media_dir, tmp_path):
    """The closer look took the 24 smallest hidden regions a frame; a crowd's larger faces were
    left to HOG, which does not see a face under about 80 px."""
    import cv2
    import numpy as np

    from redaction import scan_for_unhidden_faces
    from redaction.hiding import head_box

    from .test_motion import background, face_picture, paste

    names = ("obama.jpg", "biden.jpg", "Tom_Hanks_54745.png", "astronaut.png", "t1.jpg", "obama2.jpg")
    street = np.ascontiguousarray(background()[:720, :1280])
    crowd = []
    for row in range(4):
        for col in range(9):
            picture, face = face_picture(media_dir, names[(row * 9 + col) % len(names)])
            crowd.append(head_box(paste(street, picture, face, 30, 80 + col * 130, 120 + row * 140), 1280, 720))
    for x1, y1, x2, y2 in crowd:  # hidden, as the render hides them
        x1, y1, x2, y2 = int(x1), int(y1), int(x2) + 1, int(y2) + 1
        street[y1:y2, x1:x2] = cv2.GaussianBlur(street[y1:y2, x1:x2], (0, 0), 8)
    frames, tracks, leaks = [], [], []
    for n, name in enumerate(names[:4]):
        frame = street.copy()
        picture, face = face_picture(media_dir, name)
        leak = paste(frame, picture, face, 52, 640, 650)  # the frame's largest hidden face, left visible
        frames.append(frame)
        leaks.append(leak)
        tracks += [TrackRecord(id=len(tracks) + i, frames=[[n, *box]]) for i, box in enumerate([*crowd, head_box(leak, 1280, 720)])]
    assert len(tracks) // len(frames) > 24
    video = tmp_path / "crowd.mp4"
    encoder = subprocess.Popen(
        ["ffmpeg", "-v", "error", "-y", "-f", "rawvideo", "-pix_fmt", "bgr24", "-s", "1280x720", "-r", "25", "-i", "pipe:0",
         "-c:v", "libx264", "-preset", "ultrafast", "-qp", "12", "-pix_fmt", "yuv420p", str(video)],
        stdin=subprocess.PIPE,
    )
    for frame in frames:
        encoder.stdin.write(frame.tobytes())
    encoder.stdin.close()
    assert encoder.wait() == 0

    found = scan_for_unhidden_faces(video, every=1, centerface_every=None, hidden_tracks=tracks, workers=1)

    missed = [n for n, leak in enumerate(leaks) if not any(f == n and _overlaps(b, leak) for f, b, _ in found)]
    assert not missed


def _found_where_hidden(frames_and_faces, tmp_path) -> list[int]:
    """Each frame its own leak: the frames encoded as a release copy, each face's head box given
    as a region the render hid on its frame; the frames whose face the check missed."""
    from redaction import scan_for_unhidden_faces
    from redaction.hiding import head_box

    video = tmp_path / "leaks.mp4"
    encoder = subprocess.Popen(
        ["ffmpeg", "-v", "error", "-y", "-f", "rawvideo", "-pix_fmt", "bgr24", "-s", "1280x720", "-r", "25", "-i", "pipe:0",
         "-c:v", "libx264", "-preset", "ultrafast", "-qp", "12", "-pix_fmt", "yuv420p", str(video)],
        stdin=subprocess.PIPE,
    )
    tracks = []
    for n, (frame, box) in enumerate(frames_and_faces):
        encoder.stdin.write(frame.tobytes())
        tracks.append(TrackRecord(id=n, frames=[[n, *head_box(box, 1280, 720)]]))
    encoder.stdin.close()
    assert encoder.wait() == 0

    found = scan_for_unhidden_faces(video, every=1, centerface_every=None, hidden_tracks=tracks, workers=1)

    return [n for n, (_, box) in enumerate(frames_and_faces) if not any(f == n and _overlaps(b, box) for f, b, _ in found)]


# Photos of a face turned to the camera: half of one is the mirror image of its other half.
FRONTAL = ("obama.jpg", "biden.jpg", "astronaut.png", "obama2.jpg")


def test_a_face_leaked_half_out_of_the_frame_s_edge_is_found(media_dir, tmp_path):
    """Half a face scored low with CenterFace, and HOG's window never reaches past the frame."""
    import cv2
    import numpy as np

    from .test_motion import background, face_picture, paste

    street = background()[:720, :1280]
    leaks = []
    for name in FRONTAL:
        picture, face = face_picture(media_dir, name)
        # The face alone, in an oval around its box (no shoulders or hair from the photo to help).
        oval = np.zeros_like(picture)
        x1, y1, x2, y2 = face
        cv2.ellipse(oval, (round((x1 + x2) / 2), round((y1 + y2) / 2)), (round(0.6 * (x2 - x1)), round(0.65 * (y2 - y1))),
                    0, 0, 360, (255, 255, 255), -1)
        for height in (40, 56, 80, 112):
            # A little more than half the face inside, at the left edge, then at the right.
            for cx in (0.05 * height, 1280 - 0.05 * height):
                pasted, inside = street.copy(), np.zeros_like(street)
                box = paste(pasted, picture, face, height, cx, 300)
                paste(inside, oval, face, height, cx, 300)
                leaks.append((np.ascontiguousarray(np.where(inside > 127, pasted, street)), box))

    assert not _found_where_hidden(leaks, tmp_path)


def test_a_face_smaller_than_a_finding_elsewhere_is_found_where_the_render_hid_it(media_dir, tmp_path):
    """Away from any hidden region a box this small is more often texture than a face; where the
    render hid a face that small, it is the face."""
    import numpy as np

    from .test_motion import background, face_picture, paste

    street = background()[:720, :1280]
    leaks = []
    for name in (*FRONTAL, "t1.jpg"):
        picture, face = face_picture(media_dir, name)
        for height in (12, 14, 16):
            frame = np.ascontiguousarray(street.copy())
            leaks.append((frame, paste(frame, picture, face, height, 400, 300)))

    assert not _found_where_hidden(leaks, tmp_path)
