"""The transcription engine on audio alone: known speech made by espeak-ng, no Django."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from media import MediaError, make_speech_audio
from media.transcribe import NO_AUDIO, NO_SPEECH, SPEECH, model_from_folder, packaged_model, transcribe_media

SCRIPT = "the officer walked to the car and opened the door. please stop the car now. the police are here"
LEAD, TAIL = 1.5, 1.5


def _needs_espeak() -> None:
    # Fails rather than skips: `make test` installs espeak-ng, so its absence is a broken machine.
    if shutil.which("espeak-ng") is None:
        pytest.fail("espeak-ng is not installed: scripts/ensure_system_packages.sh test installs it")


def _in_order(reference: list[str], words: list[str]) -> int:
    """How many of `words` match `reference` in order (longest common subsequence)."""
    table = [[0] * (len(words) + 1) for _ in range(len(reference) + 1)]
    for i, r in enumerate(reference):
        for j, w in enumerate(words):
            table[i + 1][j + 1] = table[i][j] + 1 if r == w else max(table[i][j + 1], table[i + 1][j])
    return table[-1][-1]


@pytest.fixture(scope="module")
def speech(tmp_path_factory) -> Path:
    _needs_espeak()
    return make_speech_audio(tmp_path_factory.mktemp("speech") / "script.wav", SCRIPT, lead=LEAD, tail=TAIL)


def _length(path: Path) -> float:
    return (path.stat().st_size - 44) / 32000


@pytest.fixture(scope="module")
def long_speech(tmp_path_factory):
    """The script spoken twice, and its draft decoded whole on one thread: three tests compare
    against the same call, so it is made once."""
    _needs_espeak()
    spoken = make_speech_audio(tmp_path_factory.mktemp("long") / "long.wav", f"{SCRIPT}. {SCRIPT}", lead=LEAD, tail=TAIL)
    return spoken, transcribe_media(spoken, duration=_length(spoken), workers=1)


def test_the_draft_of_a_known_script_has_its_words_in_order_with_times_inside_the_speech(speech):
    result = transcribe_media(speech, duration=_length(speech))

    assert result.status == SPEECH
    texts = [w.text for w in result.words]
    assert _in_order(SCRIPT.replace(".", "").split(), texts) >= 5, texts
    speech_end = _length(speech) - TAIL
    for word in result.words:
        assert LEAD - 0.15 <= word.start < word.end <= speech_end + 0.15, word
    assert [w.start for w in result.words] == sorted(w.start for w in result.words)


def test_a_muted_range_is_never_transcribed(speech):
    muted = (LEAD, _length(speech) - TAIL)

    result = transcribe_media(speech, duration=_length(speech), silenced=[muted])

    assert result.status == NO_SPEECH
    assert result.words == []


def test_only_the_words_outside_a_muted_range_are_transcribed(tmp_path):
    _needs_espeak()
    two = make_speech_audio(tmp_path / "two.wav", "the car is red. [[_::_::_::_::_::_::]] my name is john smith", lead=1, tail=1)
    whole = transcribe_media(two, duration=_length(two))
    half = whole.words[len(whole.words) // 2].start
    muted = (half, _length(two))

    result = transcribe_media(two, duration=_length(two), silenced=[muted])

    assert result.words, "the unmuted half is still transcribed"
    assert all(w.end <= half + 0.05 for w in result.words), result.words


def test_a_silent_track_gives_no_speech_found(tmp_path):
    silent = tmp_path / "silent.wav"
    silent.write_bytes(_wav_header(32000 * 3) + bytes(32000 * 3))

    result = transcribe_media(silent, duration=3)

    assert result.status == NO_SPEECH
    assert result.duration == pytest.approx(3, abs=0.05)


def test_a_corrupt_audio_track_says_it_is_unreadable(tmp_path):
    corrupt = tmp_path / "corrupt.m4a"
    corrupt.write_bytes(b"\x00\x00\x00\x18ftypM4A " + b"\xde\xad\xbe\xef" * 4000)

    with pytest.raises(MediaError) as caught:
        transcribe_media(corrupt, duration=3)

    assert caught.value.code == "unreadable"


def test_footage_without_an_audio_track_needs_no_transcript(tmp_path):
    result = transcribe_media(tmp_path / "never-read.mp4", has_audio=False, duration=4)

    assert result.status == NO_AUDIO


def test_a_model_folder_the_city_supplies_is_found_by_its_parts(tmp_path):
    packaged = packaged_model()
    folder = tmp_path / "model"
    shutil.copytree(packaged.hmm, folder / "acoustic")
    shutil.copy(packaged.lm, folder / "city.lm.bin")
    shutil.copy(packaged.dict, folder / "city.dict")

    model = model_from_folder(folder, language="en")

    assert (model.hmm, model.lm, model.dict) == (str(folder / "acoustic"), str(folder / "city.lm.bin"), str(folder / "city.dict"))
    with pytest.raises(MediaError):
        model_from_folder(tmp_path / "missing")


def _wav_header(data_bytes: int) -> bytes:
    import struct

    return b"RIFF" + struct.pack("<I", 36 + data_bytes) + b"WAVEfmt " + struct.pack("<IHHIIHH", 16, 1, 1, 16000, 32000, 2, 16) + b"data" + struct.pack("<I", data_bytes)


def test_longer_audio_is_cut_between_words_and_decoded_in_parts_with_the_same_words_in_order(long_speech):
    spoken, whole = long_speech
    seconds = _length(spoken)
    seen: list[float] = []

    parts = transcribe_media(spoken, duration=seconds, workers=2, split_min_seconds=0, progress=seen.append)

    assert parts.status == SPEECH
    texts = [w.text for w in parts.words]
    assert _in_order(SCRIPT.replace(".", "").split() * 2, texts) >= 10, texts
    assert _in_order([w.text for w in whole.words], texts) >= len(whole.words) - 3
    assert [w.start for w in parts.words] == sorted(w.start for w in parts.words)
    assert all(LEAD - 0.15 <= w.start < w.end <= seconds - TAIL + 0.15 for w in parts.words), parts.words
    assert seen and seen == sorted(seen) and seen[-1] == pytest.approx(1.0)


def test_the_cut_between_parts_falls_in_a_pause_not_inside_a_word(long_speech, tmp_path):
    from media.transcribe import BYTES_PER_SECOND, _split

    spoken, whole = long_speech
    words = whole.words
    pcm = tmp_path / "audio.s16le"
    pcm.write_bytes(spoken.read_bytes()[44:])

    (_, cut), (again, end) = _split(pcm, pcm.stat().st_size, 2)

    assert cut == again and end == pcm.stat().st_size
    at = cut / BYTES_PER_SECOND
    assert not any(w.start + 0.05 < at < w.end - 0.05 for w in words), (at, words)


def test_a_muted_range_is_never_transcribed_when_decoded_in_parts(long_speech):
    spoken, whole = long_speech
    seconds = _length(spoken)
    half = whole.words[len(whole.words) // 2].start

    result = transcribe_media(spoken, duration=seconds, silenced=[(half, seconds)], workers=2, split_min_seconds=0)

    assert result.words, "the unmuted half is still transcribed"
    assert all(w.end <= half + 0.05 for w in result.words), result.words


def test_a_stream_that_stops_mid_speech_on_a_frame_boundary_still_gives_its_words(speech):
    from media.transcribe import transcribe_pcm

    pcm = speech.read_bytes()[44:]
    cut = int((LEAD + 2.0) * 16000) * 2 // 960 * 960  # inside the speech, a whole number of 30 ms frames

    result = transcribe_pcm([pcm[:cut]], duration=cut / 32000)

    assert result.status == SPEECH and result.words
