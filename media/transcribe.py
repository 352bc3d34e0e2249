"""Draft transcripts of a release copy's audio, offline, with pocketsphinx.

The audio is decoded by ffmpeg (through `runner`) to 16 kHz mono s16le and streamed to the
recogniser in small blocks, never held whole. Ranges the reviewer muted or bleeped are zeroed
before the recogniser sees them, so what was hidden in the release is never transcribed, even if
the copy's own silence were imperfect. The model is pocketsphinx's packaged US English one unless
a folder with another (acoustic model, language model, dictionary) is named.

The recogniser is single-threaded (and holds the GIL), so longer audio is written once to a
scratch file, cut at its quietest moments into one part per core, and each part decoded by a
process of its own (`python -m media.transcribe`'s part mode); a cut in a silence splits
no word, and the words come back with times in the whole file.
"""

from __future__ import annotations

import array
import json
import os
import re
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from .errors import MediaError, ProcessingError
from .runner import FFMPEG, Limits, StreamingRun

SAMPLE_RATE = 16000
BYTES_PER_SECOND = SAMPLE_RATE * 2
BLOCK_BYTES = BYTES_PER_SECOND // 4
# Below this peak (s16) a track holds nothing anyone could hear; it is "no speech", not decoded.
SILENT_PEAK = 64
FILLERS = re.compile(r"^(<s>|</s>|<sil>|\[.*\]|\+\+.*\+\+)$")
# Search settings: no second (flat-lexicon) pass, and a cap on the HMMs active in a frame: much
# less search for a slightly worse draft, which a person reviews anyway (bench/transcribe.py).
SEARCH = {"fwdflat": False, "maxhmmpf": 4000}
# Audio shorter than this is decoded in-process: starting a decoder process costs about a second.
SPLIT_MIN_SECONDS = 40.0
# A cut is put at the quietest moment this close to the even split, so it falls between words.
CUT_SEARCH_SECONDS = 8.0
CUT_WINDOW_SECONDS = 0.1
# A part's decoder first hears this much of the audio before its cut (features only, no search),
# so its running cepstral mean starts where a decoder of the whole file would have it.
WARM_UP_BYTES = 10 * BYTES_PER_SECOND

NO_AUDIO = "no_audio"
NO_SPEECH = "no_speech"
SPEECH = "speech"


@dataclass(frozen=True)
class Word:
    text: str
    start: float
    end: float


@dataclass
class TranscriptResult:
    status: str  # speech, no_speech, no_audio
    words: list[Word] = field(default_factory=list)
    duration: float = 0.0
    engine: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Model:
    hmm: str
    lm: str
    dict: str
    language: str = "en"

    @property
    def description(self) -> dict:
        return {"engine": "pocketsphinx", "language": self.language, "hmm": os.path.basename(self.hmm.rstrip("/"))}


def packaged_model() -> Model:
    from pocketsphinx import get_model_path

    base = Path(get_model_path()) / "en-us"
    return Model(hmm=str(base / "en-us"), lm=str(base / "en-us.lm.bin"), dict=str(base / "cmudict-en-us.dict"))


def model_from_folder(folder: str | os.PathLike, language: str = "en") -> Model:
    """A city-supplied pocketsphinx model: a folder holding the acoustic model (the folder with
    `mdef`), a language model (`*.lm.bin` or `*.lm`) and a dictionary (`*.dict`)."""
    root = Path(folder)
    if not root.is_dir():
        raise ProcessingError("unsupported", f"the transcription model folder {root} does not exist")
    hmm = next((p.parent for p in sorted(root.rglob("mdef"))), None)
    lm = next(iter(sorted(root.rglob("*.lm.bin")) or sorted(root.rglob("*.lm"))), None)
    dictionary = next(iter(sorted(root.rglob("*.dict"))), None)
    if hmm is None or lm is None or dictionary is None:
        raise ProcessingError(
            "unsupported", f"{root} needs an acoustic model (a folder with mdef), a *.lm.bin or *.lm and a *.dict"
        )
    return Model(hmm=str(hmm), lm=str(lm), dict=str(dictionary), language=language)


def merge_ranges(ranges: Iterable[Sequence[float]]) -> list[tuple[float, float]]:
    out: list[tuple[float, float]] = []
    for a, b in sorted((float(a), float(b)) for a, b in ranges):
        if out and a <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], b))
        else:
            out.append((a, b))
    return out


def silence_ranges(blocks: Iterable[bytes], ranges: Iterable[Sequence[float]]) -> Iterator[bytes]:
    """The same s16le stream with every sample inside `ranges` (seconds) set to zero."""
    spans = [(int(a * SAMPLE_RATE) * 2, int(b * SAMPLE_RATE + 0.999) * 2) for a, b in merge_ranges(ranges)]
    offset = 0
    for block in blocks:
        end = offset + len(block)
        hit = [(max(a, offset), min(b, end)) for a, b in spans if a < end and b > offset]
        if hit:
            data = bytearray(block)
            for a, b in hit:
                data[a - offset:b - offset] = bytes(b - a)
            block = bytes(data)
        offset = end
        yield block


def _pcm_blocks(source: str | os.PathLike, limits: Limits) -> Iterator[bytes]:
    args = [FFMPEG, "-nostdin", "-v", "error", "-i", str(source), "-map", "0:a:0", "-vn", "-ac", "1",
            "-ar", str(SAMPLE_RATE), "-f", "s16le", "pipe:1"]
    with StreamingRun(args, limits) as run:
        yield from run.chunks(BLOCK_BYTES)
        result = run.wait()
    if result.returncode != 0:
        tail = " / ".join(result.stderr.strip().splitlines()[-3:]) or "no message"
        raise MediaError("unreadable", f"the audio could not be decoded: {tail}")


def _peak(block: bytes) -> int:
    samples = array.array("h", block[: len(block) - len(block) % 2])
    return max((abs(x) for x in samples), default=0)


def transcribe_pcm(
    blocks: Iterable[bytes],
    *,
    model: Model | None = None,
    silenced: Iterable[Sequence[float]] = (),
    progress: Callable[[float], None] | None = None,
    duration: float | None = None,
    search: dict | None = None,
    warm_up: bytes = b"",
) -> TranscriptResult:
    """Words with times from a 16 kHz mono s16le stream. Speech is cut into utterances by
    pocketsphinx's voice activity detector, so times are exact to the recogniser's 10 ms frames.
    `warm_up` is audio heard before the stream (not searched, not transcribed): it sets the
    recogniser's running normalisation as if it had decoded everything up to there."""
    from pocketsphinx import Decoder, Endpointer

    model = model or packaged_model()
    endpointer = Endpointer(sample_rate=SAMPLE_RATE)
    options = SEARCH if search is None else search
    decoder = Decoder(hmm=model.hmm, lm=model.lm, dict=model.dict, samprate=SAMPLE_RATE, loglevel="FATAL", **options)
    frate = decoder.get_config()["frate"] or 100
    if warm_up:
        decoder.start_utt()
        decoder.process_raw(warm_up, no_search=True)
        decoder.end_utt()
    frame_bytes = endpointer.frame_bytes
    words: list[Word] = []
    pending = b""
    total = 0
    peak = 0
    utt_start = 0.0

    def collect(start: float) -> None:
        for seg in decoder.seg():
            text = re.sub(r"\(\d+\)$", "", seg.word)
            if FILLERS.match(text):
                continue
            words.append(Word(text, round(start + seg.start_frame / frate, 2), round(start + (seg.end_frame + 1) / frate, 2)))

    def feed(frame: bytes, last: bool) -> None:
        nonlocal utt_start
        was_in_speech = endpointer.in_speech
        speech = endpointer.end_stream(frame) if last else endpointer.process(frame)
        if speech:
            if not was_in_speech:
                utt_start = endpointer.speech_start
                decoder.start_utt()
            decoder.process_raw(speech)
        if (was_in_speech or speech) and (last or not endpointer.in_speech):
            decoder.end_utt()
            collect(utt_start)

    for block in silence_ranges(blocks, silenced):
        total += len(block)
        peak = max(peak, _peak(block))
        pending += block
        while len(pending) >= frame_bytes:
            feed(pending[:frame_bytes], False)
            pending = pending[frame_bytes:]
        if progress and duration:
            progress(min(total / BYTES_PER_SECOND / duration, 1.0))
    if endpointer.in_speech:
        if pending:
            feed(pending, True)
        else:  # the stream ended on a frame boundary, in speech: the endpointer has no frame to end on
            decoder.end_utt()
            collect(utt_start)
    seconds = total / BYTES_PER_SECOND
    if peak < SILENT_PEAK or not words:
        return TranscriptResult(NO_SPEECH, [], seconds, model.description)
    return TranscriptResult(SPEECH, words, seconds, model.description)


def default_workers() -> int:
    """One decoder per core this process may run on, at most four."""
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        cores = os.cpu_count() or 1
    return max(1, min(cores, 4))


def transcribe_media(
    source: str | os.PathLike,
    *,
    has_audio: bool = True,
    model: Model | None = None,
    silenced: Iterable[Sequence[float]] = (),
    duration: float | None = None,
    progress: Callable[[float], None] | None = None,
    limits: Limits | None = None,
    workers: int | None = None,
    search: dict | None = None,
    split_min_seconds: float = SPLIT_MIN_SECONDS,
) -> TranscriptResult:
    """Transcribe the first audio track of a media file (`has_audio` from its probe). A file
    without audio gives NO_AUDIO; audio that cannot be decoded raises MediaError('unreadable').
    Audio of at least `split_min_seconds` is decoded in `workers` parts at once."""
    if not has_audio:
        return TranscriptResult(NO_AUDIO, [], float(duration or 0), {})
    seconds = float(duration or 0)
    limits = limits or Limits(timeout=max(120.0, 4 * seconds + 60), cpu_seconds=max(600, int(8 * seconds)))
    workers = default_workers() if workers is None else max(1, workers)
    if workers == 1 or seconds < split_min_seconds:
        return transcribe_pcm(_pcm_blocks(source, limits), model=model, silenced=silenced, progress=progress,
                              duration=duration, search=search)
    model = model or packaged_model()
    with tempfile.TemporaryDirectory(prefix="transcribe-") as scratch:
        pcm = Path(scratch) / "audio.s16le"
        peak = 0
        with open(pcm, "wb") as out:
            for block in silence_ranges(_pcm_blocks(source, limits), silenced):
                peak = max(peak, _peak(block))
                out.write(block)
        total = pcm.stat().st_size
        if peak < SILENT_PEAK:
            return TranscriptResult(NO_SPEECH, [], total / BYTES_PER_SECOND, model.description)
        parts = _split(pcm, total, workers)
        words = _decode_parts(pcm, parts, model=model, search=SEARCH if search is None else search, limits=limits,
                              progress=progress)
    status = SPEECH if words else NO_SPEECH
    return TranscriptResult(status, words, total / BYTES_PER_SECOND, model.description)


# ---- decoding in parts ---------------------------------------------------------------------------


def _split(pcm: Path, total: int, parts: int) -> list[tuple[int, int]]:
    """Byte ranges of `parts` pieces of the file, each cut in the quietest short window near the
    even split point (a pause between words, so no word is cut in two)."""
    hop = SAMPLE_RATE // 100  # 10 ms, the recogniser's frame
    span = max(1, int(CUT_WINDOW_SECONDS * 100))
    reach = int(min(CUT_SEARCH_SECONDS, total / BYTES_PER_SECOND / (2 * parts)) * SAMPLE_RATE) * 2
    cuts = [0]
    with open(pcm, "rb") as f:
        for k in range(1, parts):
            target = total * k // parts // 2 * 2
            lo = max(cuts[-1], target - reach) // (hop * 2) * hop * 2
            f.seek(lo)
            samples = array.array("h", f.read(max(0, min(total, target + reach) - lo) // 2 * 2))
            energy = [sum(abs(x) for x in samples[i:i + hop]) for i in range(0, len(samples) - hop + 1, hop)]
            if len(energy) <= span:
                continue
            window = [sum(energy[i:i + span]) for i in range(len(energy) - span + 1)]
            # Among equally quiet windows, the one nearest the even split.
            middle = (target - lo) / (hop * 2)
            best = min(range(len(window)), key=lambda i: (window[i], abs(i + span / 2 - middle)))
            cut = lo + (best + span // 2) * hop * 2
            if cuts[-1] < cut < total:
                cuts.append(cut)
    cuts.append(total)
    return list(zip(cuts, cuts[1:]))


_PART_BOOTSTRAP = "import sys; sys.path.insert(0, sys.argv[1]); from media.transcribe import part_main; part_main(sys.argv[2:])"


def _decode_parts(pcm: Path, parts: list[tuple[int, int]], *, model: Model, search: dict, limits: Limits,
                  progress: Callable[[float], None] | None) -> list[Word]:
    """Decode each byte range in a process of its own and join their words in time order."""
    root = str(Path(__file__).resolve().parents[1])
    runs = [
        StreamingRun([sys.executable, "-c", _PART_BOOTSTRAP, root, str(pcm), str(a), str(b), model.hmm, model.lm, model.dict,
                      json.dumps(search)], limits)
        for a, b in parts
    ]
    done = [0.0] * len(runs)
    results: list[dict | None] = [None] * len(runs)

    def read(n: int) -> None:
        for line in runs[n].lines():
            if line.startswith("progress "):
                done[n] = float(line.split()[1])
            elif line.startswith("{"):
                results[n] = json.loads(line)
                done[n] = 1.0

    readers = [threading.Thread(target=read, args=(n,), daemon=True) for n in range(len(runs))]
    try:
        for thread in readers:
            thread.start()
        sizes = [b - a for a, b in parts]
        while any(thread.is_alive() for thread in readers):
            for thread in readers:
                thread.join(timeout=0.5 / len(readers))
            if progress:
                progress(sum(f * size for f, size in zip(done, sizes)) / max(sum(sizes), 1))
        outcomes = [run.wait() for run in runs]
        if progress:
            progress(1.0)
    finally:
        for run in runs:
            run.__exit__(None, None, None)
    words: list[Word] = []
    for (a, _), outcome, result in zip(parts, outcomes, results):
        if outcome.returncode != 0 or result is None:
            tail = " / ".join(outcome.stderr.strip().splitlines()[-3:]) or "no message"
            raise ProcessingError("tool_failed", f"decoding a part of the audio failed: {tail}")
        offset = a / BYTES_PER_SECOND
        words += [Word(t, round(s + offset, 2), round(e + offset, 2)) for t, s, e in result["words"]]
    return sorted(words, key=lambda w: w.start)


def part_main(argv: list[str]) -> None:
    """One part's decoder process: reads bytes [start, end) of the PCM file, prints its progress
    now and then, then its words (times from the part's start) as one JSON line."""
    pcm, start, end, hmm, lm, dictionary, search = argv
    start, end = int(start), int(end)
    model = Model(hmm=hmm, lm=lm, dict=dictionary)
    with open(pcm, "rb") as f:
        f.seek(max(0, start - WARM_UP_BYTES))
        warm_up = f.read(start - max(0, start - WARM_UP_BYTES))

    def blocks() -> Iterator[bytes]:
        with open(pcm, "rb") as f:
            f.seek(start)
            left = end - start
            while left > 0:
                block = f.read(min(BLOCK_BYTES, left))
                if not block:
                    return
                left -= len(block)
                yield block

    last = [0.0]

    def report(fraction: float) -> None:
        now = time.monotonic()
        if now - last[0] >= 0.5:
            last[0] = now
            print(f"progress {fraction:.3f}", flush=True)

    result = transcribe_pcm(blocks(), model=model, search=json.loads(search), progress=report,
                            duration=(end - start) / BYTES_PER_SECOND, warm_up=warm_up)
    print(json.dumps({"words": [[w.text, w.start, w.end] for w in result.words]}), flush=True)
