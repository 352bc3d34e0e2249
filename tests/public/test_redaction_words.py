"""The redaction summary of a manifest, told in plain words (and only counts, reasons and times)."""

from django.utils import translation

from public.selectors import describe_redactions


def test_each_kind_of_redaction_is_told_in_plain_words():
    manifest = {
        "redaction": {
            "automatic_faces_hidden": 3,
            "automatic_regions_removed": 1,
            "manual_changes_by_reason": {"minor": 1, "licence_plate": 2},
            "audio_ranges": [{"start_seconds": 61.5, "end_seconds": 64.0}],
        },
        "approvers": ["Some Staff Name"],
    }
    lines = describe_redactions(manifest)
    assert lines == (
        "3 faces were blurred automatically for privacy.",
        "A reviewer hid a licence plate (2 times).",
        "A reviewer hid a child (1 time).",
        "1 automatic blur was taken off again: it was not a face, or it was an agent or officer acting in public.",
        "Sound was removed from 1:01 to 1:04 to protect personal details said out loud.",
    )
    assert not any("Staff" in line for line in lines)


def test_the_summary_is_told_in_spanish_too():
    with translation.override("es"):
        lines = describe_redactions({"redaction": {"automatic_faces_hidden": 1, "manual_changes_by_reason": {"witness": 1}}})
    assert lines == ("Se difuminó automáticamente 1 cara para proteger la privacidad.", "Una persona revisora ocultó a un testigo (1 vez).")


def test_a_missing_or_malformed_summary_never_breaks_the_page():
    assert describe_redactions(None) == ("Nothing needed to be hidden in this file.",)
    assert describe_redactions({"redaction": {"automatic_faces_hidden": "many", "audio_ranges": [{"start_seconds": "x"}],
                                              "manual_changes_by_reason": {"unknown_reason": 2}}}) == (
        "A reviewer hid other private details (2 times).",
    )


def test_how_long_things_stayed_hidden_comes_from_the_render_log_frame_counts():
    from public.selectors import redaction_seconds

    log = {
        "input": {"path": "/private/server/path.mp4"},
        "output": {"fps": 25},
        "tracks": [{"frames": [[i, 1, 2, 3, 4] for i in range(50)], "suppressed": False},
                   {"frames": [[i, 1, 2, 3, 4] for i in range(500)], "suppressed": True}],
        "manual_regions": [{"reason": "licence_plate", "start_frame": 0, "end_frame": 124, "keyframes": [[0, 5, 5, 9, 9]]}],
    }
    seconds = redaction_seconds(log)
    assert seconds == {"faces": 2.0, "by_reason": {"licence_plate": 5.0}}
    lines = describe_redactions({"redaction": {"automatic_faces_hidden": 1, "manual_changes_by_reason": {"licence_plate": 1}}}, seconds)
    assert "Faces were blurred for 2 seconds in all." in lines
    assert "It stayed hidden for 5 seconds in all." in lines
    assert not any("private" in line for line in lines)
    assert redaction_seconds({"output": {"fps": 0}}) == {} and redaction_seconds(None) == {}


def test_durations_are_the_union_over_time_not_a_sum_over_regions():
    """Ten faces blurred through the same 20 s clip were blurred for 20 s, not 200 s."""
    from public.selectors import redaction_seconds

    log = {
        "output": {"fps": 25},
        "tracks": [{"frames": [[i, 0, 0, 9, 9] for i in range(500)], "suppressed": False, "spared": []} for _ in range(10)]
        + [{"frames": [[i, 0, 0, 9, 9] for i in range(100, 200)], "suppressed": False, "spared": [[100, 149]]}],
        "manual_regions": [
            {"reason": "licence_plate", "start_frame": 0, "end_frame": 99, "frames": [[i, 0, 0, 9, 9] for i in range(100)]},
            {"reason": "licence_plate", "start_frame": 50, "end_frame": 149, "frames": [[i, 0, 0, 9, 9] for i in range(50, 150)]},
        ],
    }
    assert redaction_seconds(log) == {"faces": 20.0, "by_reason": {"licence_plate": 6.0}}


def test_a_moment_too_short_to_round_is_not_told_as_zero_seconds():
    from public.selectors import redaction_seconds

    seconds = redaction_seconds({"output": {"fps": 25}, "manual_regions": [{"reason": "licence_plate", "frames": [[7, 0, 0, 9, 9]]}]})
    lines = describe_redactions({"redaction": {"manual_changes_by_reason": {"licence_plate": 1}}}, seconds)
    assert "It stayed hidden for less than a second." in lines
    assert not any("0 seconds" in line for line in lines)


def test_nothing_is_said_about_sound_in_a_file_without_sound():
    manifest = {"redaction": {"automatic_faces_hidden": 1, "audio_ranges": [{"start_seconds": 1, "end_seconds": 2}]}}
    assert not any("Sound" in line for line in describe_redactions(manifest, has_audio=False))
    assert any("Sound was removed" in line for line in describe_redactions(manifest, has_audio=True))
