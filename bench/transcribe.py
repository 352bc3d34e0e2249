"""How fast and how good is the offline draft transcript? espeak-ng speaks known scripts (three
different texts, so a setting is not judged on one), each is mixed with street-like noise and
muxed under a generated clip, and the clips are transcribed as the transcription job does
(pocketsphinx, packaged model). For each way of decoding it prints the speed as a multiple of real
time (wall and CPU) and the word error rate of the drafts against the scripts, beside the time
ffmpeg alone takes to decode the same audio (a yardstick for how loaded the machine is). The
noise is seeded, so every run hears the same audio and word error rates compare across runs.

    .venv/bin/python bench/transcribe.py [--repeat 2] [--noise 0.03] [--ways before,search,parallel]

Ways: `before` is the recogniser as it was (one process, only the flat-lexicon pass off),
`search` adds the capped search (`transcribe.SEARCH`) in one process, `parallel` is what the
job runs (the capped search, the audio cut at silences into one part per core).

Target: at least 2x real time, so drafting captions never holds a release up longer than the
redaction does. The word error rate is of synthetic speech, which the US English model was not
trained on: a lower bound on the reviewer's work, not a promise about body-cam audio.
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from media import make_speech_audio, make_test_clip  # noqa: E402
from media.transcribe import SEARCH, default_workers, transcribe_media  # noqa: E402

SCRIPTS = (
    "the officer walked to the car and opened the door. please stop the car now. the police are here. "
    "they told the man to get out of the car and put his hands on the roof. "
    "a woman across the street was recording with her phone. the agents did not show a warrant. ",
    "my name is on the lease and i live at twelve oak street. you can call me at five five five one two "
    "one two. i was born on march third. the men in the vests would not say who they were or why they came. "
    "my neighbor asked them to leave but they stayed in the yard for an hour. ",
    "the crowd gathered at the corner near the school when the van arrived. somebody shouted that the children "
    "were still inside. two agents pushed a man to the ground and his glasses broke. an ambulance came later "
    "and took him to the hospital. nobody told us where they were taking the others. ",
)
WAYS = {
    "before": {"workers": 1, "search": {"fwdflat": False}},
    "search": {"workers": 1, "search": SEARCH},
    "parallel": {"workers": None, "search": SEARCH, "split_min_seconds": 0.0},
}


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


def ffmpeg_decode_seconds(clip: Path) -> float:
    t0 = time.perf_counter()
    subprocess.run(["ffmpeg", "-nostdin", "-v", "error", "-i", str(clip), "-map", "0:a:0", "-ac", "1", "-ar", "16000",
                    "-f", "s16le", "-y", os.devnull], check=True)
    return time.perf_counter() - t0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=2, help="times each script is said (longer clips)")
    parser.add_argument("--noise", type=float, default=0.03, help="pink-noise amplitude mixed under the speech (0-1)")
    parser.add_argument("--ways", default="before,search,parallel", help=f"comma-separated, of {', '.join(WAYS)}")
    args = parser.parse_args()
    ways = [w for w in args.ways.split(",") if w]
    with tempfile.TemporaryDirectory() as work:
        clips = []
        for n, script in enumerate(SCRIPTS):
            text = script * args.repeat
            audio = make_speech_audio(Path(work) / f"speech-{n}.wav", text, lead=1.0, tail=1.0, noise=args.noise,
                                      noise_seed=n + 1)
            seconds = (audio.stat().st_size - 44) / 32000
            clip = make_test_clip(Path(work) / f"speech-{n}.mp4", seconds=round(seconds, 2), size=(640, 360), audio_file=audio)
            clips.append((clip, seconds, text.replace(".", " ").split()))
        total = sum(s for _, s, _ in clips)
        words = sum(len(r) for _, _, r in clips)
        print(f"{len(clips)} clips, {total:.1f} s of espeak-ng speech under pink noise {args.noise}, {words} words; "
              f"{os.cpu_count()} CPUs, {default_workers()} decoder processes for 'parallel'")
        decode = sum(ffmpeg_decode_seconds(c) for c, _, _ in clips)
        print(f"yardstick: ffmpeg decodes the same audio in {decode:.2f} s wall")
        for way in ways:
            options = WAYS[way]
            wall = cpu = 0.0
            errors = drafted = 0
            for clip, seconds, reference in clips:
                cpu0, t0 = cpu_seconds(), time.perf_counter()
                result = transcribe_media(clip, duration=seconds, **options)
                wall += time.perf_counter() - t0
                cpu += cpu_seconds() - cpu0
                hypothesis = [w.text for w in result.words]
                errors += word_errors(reference, hypothesis)
                drafted += len(hypothesis)
            print(f"{way:>9}: {wall:6.1f} s wall ({total / wall:.2f}x real time), {cpu:6.1f} s CPU "
                  f"({total / cpu:.2f}x real time per core); word error rate {errors / words:.1%} "
                  f"({errors} errors in {words} words, {drafted} drafted); "
                  f"target 2x -> {'met' if total / wall >= 2 else 'NOT met'}")


if __name__ == "__main__":
    main()
