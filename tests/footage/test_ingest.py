"""Ingesting an original: stored once, out of public reach, with its metadata and first custody
entries, and processed into a proxy, poster and thumbnail strip."""

from __future__ import annotations

import pytest
from django.conf import settings

from footage.custody import custody_log
from media import probe_media, sha256_file
from footage.models import CustodyAction, FootageStatus, JobState
from tests.factories.footage import make_footage, clip_file

pytestmark = pytest.mark.django_db


def test_an_ingested_clip_keeps_its_hash_metadata_and_stays_out_of_public_reach(people, case, client):
    clip = clip_file()

    item = make_footage(incident=case, uploaded_by=people.reporter, process=False)

    assert item.sha256 == sha256_file(clip)
    assert item.size == clip.stat().st_size
    assert item.original.storage.path(item.original.name).startswith(str(settings.EVIDENCE_ROOT))
    assert client.get(f"{settings.MEDIA_URL}{item.original.name}").status_code == 404
    assert (item.media_type, item.video_codec, item.audio_codec, item.has_audio) == ("video", "h264", "aac", True)
    assert (item.width, item.height, round(item.fps)) == (640, 360, 30)
    assert item.duration == pytest.approx(2, abs=0.1)
    assert item.captured_at.isoformat().startswith("2026-03-14T15:09:26")
    assert (round(item.latitude, 4), round(item.longitude, 4)) == (41.4997, -81.6923)
    assert (item.device_make, item.device_model) == ("Axon", "Body 4")
    assert [e.action for e in custody_log(item)] == [CustodyAction.INGESTED, CustodyAction.HASH_COMPUTED]


def test_processing_makes_a_web_proxy_a_poster_and_a_strip_each_in_the_custody_log(people, case):
    item = make_footage(incident=case, uploaded_by=people.reporter, size=(1920, 1080), seconds=1)

    assert item.status == FootageStatus.READY
    assert {job.state for job in item.jobs.all()} == {JobState.DONE}
    proxy = probe_media(item.proxy.path)
    assert (proxy.video_codec, proxy.audio_codec) == ("h264", "aac")
    assert (proxy.width, proxy.height) == (1280, 720)
    with open(item.proxy.path, "rb") as f:
        head = f.read(64 * 1024)
    assert head.find(b"moov") < head.find(b"mdat") or b"mdat" not in head, "the proxy must start playing before it is whole"
    derived = [e for e in custody_log(item) if e.action == CustodyAction.DERIVED]
    assert sorted(e.detail["kind"] for e in derived) == ["poster", "proxy", "thumbnail_strip"]
    assert next(e for e in derived if e.detail["kind"] == "proxy").derived_sha256 == sha256_file(item.proxy.path)


def test_running_a_finished_job_again_changes_nothing(people, case):
    from footage.jobs import run_job

    item = make_footage(incident=case, uploaded_by=people.reporter)
    before = custody_log(item).count()

    assert {run_job(job.pk) for job in item.jobs.all()} == {"not claimed"}
    assert custody_log(item).count() == before
