"""How fast and how good is the offline draft transcript? espeak-ng speaks a known script, it is
mixed with street-like noise and muxed under a generated clip, and the clip is transcribed as the
render job does (pocketsphinx, packaged model). Prints the speed as a multiple of real time (wall
and CPU) and the word error rate of the draft against the script.

    .venv/bin/python bench/transcribe.py [--repeat 4] [--noise 0.03]

Target: at least 2x real time, so drafting captions never holds a release up longer than the
redaction does. The word error rate is of synthetic speech, which the US English model was not
trained on: a lower bound on the reviewer's work, not a promise about body-cam audio.
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

from footage.media import make_speech_audio, make_test_clip  # noqa: E402
from footage.media.transcribe import transcribe_media  # noqa: E402

SCRIPT = (
    "the officer walked to the car and opened the door. please stop the car now. the police are here. "
    "they told the man to get out of the car and put his hands on the roof. "
    "a woman across the street was recording with her phone. the agents did not show a warrant. "
)


def word_errors(reference: list[str], hypothesis: list[str]) -> int:
    """Levenshtein distance in words: substitutions, insertions and deletions."""
    row = list(range(len(hypothesis) + 1))
    for i, r in enumerate(reference, 1):
        prev, row[0] = row[0], i
        for j, h in enumerate(hypothesis, 1):
            prev, row[j] = row[j], min(row[j] + 1, row[j - 1] + 1, prev + (r != h))
    return row[-1]


def cpu_seconds() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=4, help="times the script is said (longer clip)")
    parser.add_argument("--noise", type=float, default=0.03, help="pink-noise amplitude mixed under the speech (0-1)")
    args = parser.parse_args()
    text = SCRIPT * args.repeat
    with tempfile.TemporaryDirectory() as work:
        audio = make_speech_audio(Path(work) / "speech.wav", text, lead=1.0, tail=1.0, noise=args.noise)
        seconds = (audio.stat().st_size - 44) / 32000
        clip = make_test_clip(Path(work) / "speech.mp4", seconds=round(seconds, 2), size=(640, 360), audio_file=audio)
        cpu0, t0 = cpu_seconds(), time.perf_counter()
        result = transcribe_media(clip, duration=seconds)
        wall, cpu = time.perf_counter() - t0, cpu_seconds() - cpu0
    reference = text.replace(".", " ").split()
    hypothesis = [w.text for w in result.words]
    errors = word_errors(reference, hypothesis)
    print(f"clip: {seconds:.1f} s of espeak-ng speech under pink noise {args.noise}, {len(reference)} words; "
          f"{os.cpu_count()} CPUs")
    print(f"transcription: {wall:.1f} s wall ({seconds / wall:.1f}x real time), {cpu:.1f} s CPU ({seconds / cpu:.1f}x real time per core)")
    print(f"word error rate: {errors / len(reference):.1%} ({errors} errors in {len(reference)} words; {len(hypothesis)} words drafted)")
    print(f"target: at least 2x real time -> {'met' if seconds / wall >= 2 else 'NOT met'}")


if __name__ == "__main__":
    main()
