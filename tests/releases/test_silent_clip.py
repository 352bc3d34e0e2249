"""Audio controls only where there is sound: a mute on a silent clip is refused, not published as
"sound was removed"."""

from __future__ import annotations

import pytest
from django.urls import reverse

from media import make_test_clip
from releases import review
from releases.errors import ReleaseRefused
from tests.factories.releases import make_release_in_review, make_video_footage
from tests.releases.data_per_module import case, people  # noqa: F401 (made once for the module)
from tests.personas import sign_in_verified

pytestmark = pytest.mark.django_db


@pytest.fixture
def silent_release(case, people, tmp_path):
    clip = make_test_clip(tmp_path / "silent.mp4", 1, (320, 240), with_audio=False)
    footage = make_video_footage(incident=case, uploaded_by=people.investigator, clip=clip)
    assert not footage.has_audio
    return make_release_in_review(footage=footage, requested_by=people.investigator)


def test_it_refuses_a_mute_on_a_clip_without_sound(silent_release, people):
    with pytest.raises(ReleaseRefused) as refused:
        review.add_change(silent_release, {"kind": "mute", "start_seconds": 0.1, "end_seconds": 0.5, "reason": "witness"},
                          actor=people.officer)
    assert refused.value.code == "no_audio"
    assert not silent_release.changes.exists()


def test_the_review_page_offers_no_audio_controls_for_a_silent_clip(silent_release, in_review, people, client):
    sign_in_verified(client, people.officer)
    silent = client.get(reverse("releases:review", args=[silent_release.pk])).content.decode()
    with_sound = client.get(reverse("releases:review", args=[in_review.pk])).content.decode()

    assert 'id="audio-form"' not in silent and 'id="no-audio"' in silent
    assert 'id="audio-form"' in with_sound
