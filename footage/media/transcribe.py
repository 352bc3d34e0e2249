"""Draft transcripts of a release copy's audio, offline, with pocketsphinx.

The audio is decoded by ffmpeg (through `runner`) to 16 kHz mono s16le and streamed to the
recogniser in small blocks, never held whole. Ranges the reviewer muted or bleeped are zeroed
before the recogniser sees them, so what was hidden in the release is never transcribed, even if
the copy's own silence were imperfect. The model is pocketsphinx's packaged US English one unless
a folder with another (acoustic model, language model, dictionary) is named.
"""

from __future__ import annotations

import os
import re
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


def _merge(ranges: Iterable[Sequence[float]]) -> list[tuple[float, float]]:
    out: list[tuple[float, float]] = []
    for a, b in sorted((float(a), float(b)) for a, b in ranges):
        if out and a <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], b))
        else:
            out.append((a, b))
    return out


def silence_ranges(blocks: Iterable[bytes], ranges: Iterable[Sequence[float]]) -> Iterator[bytes]:
    """The same s16le stream with every sample inside `ranges` (seconds) set to zero."""
    spans = [(int(a * SAMPLE_RATE) * 2, int(b * SAMPLE_RATE + 0.999) * 2) for a, b in _merge(ranges)]
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
    import array

    samples = array.array("h", block[: len(block) - len(block) % 2])
    return max((abs(x) for x in samples), default=0)


def transcribe_pcm(
    blocks: Iterable[bytes],
    *,
    model: Model | None = None,
    silenced: Iterable[Sequence[float]] = (),
    progress: Callable[[float], None] | None = None,
    duration: float | None = None,
) -> TranscriptResult:
    """Words with times from a 16 kHz mono s16le stream. Speech is cut into utterances by
    pocketsphinx's voice activity detector, so times are exact to the recogniser's 10 ms frames."""
    from pocketsphinx import Decoder, Endpointer

    model = model or packaged_model()
    endpointer = Endpointer(sample_rate=SAMPLE_RATE)
    # No second (flat-lexicon) pass: about 15% less CPU and no worse on the bench (bench/transcribe.py).
    decoder = Decoder(hmm=model.hmm, lm=model.lm, dict=model.dict, samprate=SAMPLE_RATE, fwdflat=False, loglevel="FATAL")
    frate = decoder.get_config()["frate"] or 100
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
        feed(pending, True)
    seconds = total / BYTES_PER_SECOND
    if peak < SILENT_PEAK or not words:
        return TranscriptResult(NO_SPEECH, [], seconds, model.description)
    return TranscriptResult(SPEECH, words, seconds, model.description)


def transcribe_media(
    source: str | os.PathLike,
    *,
    has_audio: bool = True,
    model: Model | None = None,
    silenced: Iterable[Sequence[float]] = (),
    duration: float | None = None,
    progress: Callable[[float], None] | None = None,
    limits: Limits | None = None,
) -> TranscriptResult:
    """Transcribe the first audio track of a media file (`has_audio` from its probe). A file
    without audio gives NO_AUDIO; audio that cannot be decoded raises MediaError('unreadable')."""
    if not has_audio:
        return TranscriptResult(NO_AUDIO, [], float(duration or 0), {})
    seconds = float(duration or 0)
    limits = limits or Limits(timeout=max(120.0, 4 * seconds + 60), cpu_seconds=max(600, int(8 * seconds)))
    return transcribe_pcm(_pcm_blocks(source, limits), model=model, silenced=silenced, progress=progress, duration=duration)
