"""The release render's three costly calls (the redaction pipeline, the second check and the
draft transcription), each made once per distinct input in a test run and copied after that.

A render job in a test still claims its job, redacts, checks, signs, hashes and stores through
releases.rendering, and its transcription job still drafts and records captions; only a call
whose input (a file by SHA-256; for the check, the copy's video packets; for a transcription,
its decoded audio) and arguments were already seen in this run gets the earlier call's output
bytes and result instead of running the detector or the speech decoder again. The key holds
the pipeline's version, so the engine's own tests (tests/redaction, and tests/media for the
transcriber, which call the engines directly) and any render with new inputs always run for real.
The folder is shared by the pytest-xdist workers of one run; entries are written whole or not at
all, and a worker asking for an input another worker is making waits for it instead of making it
a second time.
"""

from __future__ import annotations

import dataclasses
import fcntl
import hashlib
import json
import os
import pickle
import shutil
import sys
import tempfile
from contextlib import contextmanager
from pathlib import Path

import numpy

from media import sha256_file

# Arguments that say how the call runs, not what it makes.
_HOW = ("progress", "detector", "workers")


def _key(kind: str, path, kwargs: dict, content: str | None = None) -> str:
    """`content` stands for the file where only part of it is read (see _video_packets_sha256)."""
    from redaction import PIPELINE_VERSION

    args = {name: value for name, value in sorted(kwargs.items()) if name not in _HOW}
    detector = kwargs.get("detector")
    with numpy.printoptions(threshold=sys.maxsize):  # every element of an array, not an ellipsis
        described = repr((kind, PIPELINE_VERSION, content or sha256_file(Path(path)), args, getattr(detector, "fast", None)))
    return hashlib.sha256(described.encode()).hexdigest()


def _video_packets_sha256(path) -> str | None:
    """The SHA-256 of the first video stream's packets as stored (a stream copy, nothing decoded):
    two files whose packets are the same decode to the same frames. None where ffmpeg cannot
    read them all; the file's own SHA-256 is the key then."""
    from media.runner import FFMPEG, Limits, run_tool

    result = run_tool([FFMPEG, "-nostdin", "-v", "error", "-xerror", "-i", os.fspath(path), "-map", "0:v:0", "-c", "copy",
                       "-f", "streamhash", "-hash", "sha256", "-"], Limits(timeout=120))
    if result.returncode != 0 or result.stderr:
        return None
    return "video packets " + result.stdout.decode().strip()


def _write_whole(target: Path, write) -> None:
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".partial-")
    os.close(fd)
    try:
        write(Path(tmp))
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _made_once(folder: Path, key: str, kind: str, make, progress=None):
    """`make()`'s result, made by the first process of the run that asks and pickled; every later
    caller, in any worker, loads it (and is told it is done, as the real call would say)."""
    saved = folder / f"{key}.{kind}.pickle"
    with _alone(folder / f"{key}.lock"):
        if not saved.exists():
            result = make()
            _write_whole(saved, lambda tmp: tmp.write_bytes(pickle.dumps(result)))
            return result
    if progress:
        progress(1.0)
    return pickle.loads(saved.read_bytes())


@contextmanager
def _alone(lock: Path):
    """Held by one process of the run at a time (released when it exits, however it exits)."""
    with open(lock, "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        yield


def _moved(value, old: dict[str, str]):
    """`value` with the earlier call's file paths replaced by this call's."""
    if isinstance(value, str):
        for before, after in old.items():
            value = value.replace(before, after)
        return value
    if isinstance(value, dict):
        return {k: _moved(v, old) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(_moved(v, old) for v in value)
    return value


def caching(redact_video, scan_for_unhidden_faces, folder: Path):
    folder.mkdir(parents=True, exist_ok=True)

    def cached_redact_video(input_path, output_path, **kwargs):
        key = _key("render", input_path, kwargs)
        copy, saved = folder / f"{key}.mp4", folder / f"{key}.render.pickle"
        with _alone(folder / f"{key}.lock"):
            if not saved.exists():
                result = redact_video(input_path, output_path, **kwargs)
                _write_whole(copy, lambda tmp: shutil.copyfile(output_path, tmp))
                _write_whole(saved, lambda tmp: tmp.write_bytes(pickle.dumps((str(input_path), str(output_path), result))))
                return result
        earlier_input, earlier_output, result = pickle.loads(saved.read_bytes())
        shutil.copyfile(copy, output_path)
        paths = {earlier_input: str(input_path), earlier_output: str(output_path)}
        result.log = type(result.log).from_dict(_moved(result.log.as_dict(), paths))
        result.output_path = Path(output_path)
        log_path = kwargs.get("log_path")
        result.log_path = Path(log_path) if log_path else None
        if log_path:
            result.log.write(log_path)
        if kwargs.get("progress"):
            kwargs["progress"](1.0)
        return result

    def cached_scan(video_path, **kwargs):
        # In this process: the run's workers already fill the cores, so a helper process would
        # only add its start, its models and a second decode (tests/redaction checks that two
        # processes find what one finds).
        kwargs.setdefault("workers", 1)
        # The check decodes the copy's video alone: a render that changed only the sound (a
        # muted word) has the same frames, and the check already looked at them.
        frames = _video_packets_sha256(video_path)
        return _made_once(folder, _key("check", video_path, kwargs, content=frames), "check",
                          lambda: scan_for_unhidden_faces(video_path, **kwargs), kwargs.get("progress"))

    return cached_redact_video, cached_scan


def caching_transcription(transcribe_media, folder: Path):
    """Keyed by the audio as the transcriber decodes it, not the file: each release copy carries
    its own Content Credentials, so two renders of one input differ in bytes but not in sound."""
    from media import MediaError
    from media import transcribe as engine
    from media.runner import Limits

    folder.mkdir(parents=True, exist_ok=True)

    def audio_sha256(source) -> str:
        digest = hashlib.sha256()
        for block in engine._pcm_blocks(source, Limits(timeout=120)):
            digest.update(block)
        return digest.hexdigest()

    def cached_transcribe_media(source, **kwargs):
        if not kwargs.get("has_audio", True):
            return transcribe_media(source, **kwargs)
        try:
            audio = audio_sha256(source)
        except MediaError:
            return transcribe_media(source, **kwargs)  # unreadable: the engine says how
        args = {name: value for name, value in sorted(kwargs.items()) if name not in ("progress", "limits")}
        key = hashlib.sha256(repr(("transcribe", audio, args)).encode()).hexdigest()
        return _made_once(folder, key, "transcript", lambda: transcribe_media(source, **kwargs), kwargs.get("progress"))

    return cached_transcribe_media


def caching_derivatives(make_proxy, make_poster, make_thumbnail_strip, folder: Path):
    """The footage jobs' web proxy, poster and thumbnail strip, each made by ffmpeg once per
    distinct original and arguments in a run and copied after that (tests/media makes them for
    real). `info` is the original's own probe, so the file's SHA-256 already stands for it."""
    folder.mkdir(parents=True, exist_ok=True)

    def cached(kind, make):
        def call(src, dst, *args, **kwargs):
            how = sorted((name, value) for name, value in kwargs.items() if name not in ("progress", "info"))
            key = hashlib.sha256(repr((kind, sha256_file(Path(src)), args, how)).encode()).hexdigest()
            copy, saved = folder / f"{key}.{kind}", folder / f"{key}.{kind}.pickle"
            with _alone(folder / f"{key}.lock"):
                if not saved.exists():
                    result = make(src, dst, *args, **kwargs)
                    _write_whole(copy, lambda tmp: shutil.copyfile(result.path, tmp))
                    _write_whole(saved, lambda tmp: tmp.write_bytes(pickle.dumps(result)))
                    return result
            result = pickle.loads(saved.read_bytes())
            shutil.copyfile(copy, dst)
            if kwargs.get("progress"):
                kwargs["progress"](1.0)
            return dataclasses.replace(result, path=Path(dst))

        return call

    return cached("proxy", make_proxy), cached("poster", make_poster), cached("strip", make_thumbnail_strip)


def once_per_process(check_report):
    """The check's report names its detectors' versions and models' SHA-256, which cannot change
    within a run: building the second detector family to read them costs seconds a render."""
    reports: dict[str, dict] = {}

    def cached_check_report(**kwargs):
        detector = kwargs.get("detector")
        key = repr((sorted((k, v) for k, v in kwargs.items() if k != "detector"), getattr(detector, "fast", None)))
        if key not in reports:
            reports[key] = check_report(**kwargs)
        return json.loads(json.dumps(reports[key]))

    return cached_check_report
