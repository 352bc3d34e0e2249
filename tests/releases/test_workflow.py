"""The release workflow: who may take which step, and the two-person rule, through the one writer."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import formats, timezone

from portal.models import AuditEvent
from releases.errors import ReleaseForbidden, ReleaseRefused
from releases.models import ReleaseState, RenderJob, RenderState
from releases.workflow import TRANSITIONS, apply_release_transition, request_release
from tests.factories.releases import approve_and_publish, clear_all_findings, render_pending
from tests.personas import sign_in_verified
from tests.releases.data_per_module import case, footage, people  # noqa: F401 (made once for the module)

pytestmark = pytest.mark.django_db


def refusals(action):
    return AuditEvent.objects.filter(action=f"release.{action}", outcome="refused")


def test_a_requested_release_is_rendered_into_review_with_its_hashes_and_log(in_review, footage):
    assert in_review.state == ReleaseState.IN_REVIEW
    assert in_review.original_sha256 == footage.sha256
    assert len(in_review.release_sha256) == 64 and in_review.release_size > 0
    assert in_review.release_file.name.startswith(f"releases/{in_review.pk}/")
    assert in_review.pipeline_version and len(in_review.model_sha256) == 64
    assert in_review.redaction_log["mode"] == "blur"
    assert in_review.check_completed_at is not None
    assert RenderJob.objects.get(release=in_review).state == RenderState.DONE
    assert in_review.due_at == footage.incident.occurred_start + timedelta(days=30)


def test_only_a_supervisor_or_the_assigned_investigator_may_ask_for_a_release(footage, people):
    for outsider in (people.reporter, people.other_investigator, people.officer, people.auditor, people.admin):
        with pytest.raises(ReleaseForbidden):
            request_release(footage, actor=outsider)
    assert AuditEvent.objects.filter(action="release.request", outcome="refused").count() == 5
    assert request_release(footage, actor=people.supervisor).state == ReleaseState.REQUESTED


def test_a_footage_item_has_one_open_release_at_a_time(footage, people):
    request_release(footage, actor=people.investigator)
    with pytest.raises(ReleaseRefused):
        request_release(footage, actor=people.supervisor)


def test_footage_marked_do_not_disclose_cannot_be_released_and_the_case_page_offers_no_request(footage, people, client):
    from footage.retention import set_do_not_disclose

    set_do_not_disclose(footage, actor=people.supervisor, value=True, reason="Sealed by court order 26-114.")
    footage.refresh_from_db()
    with pytest.raises(ReleaseRefused) as err:
        request_release(footage, actor=people.supervisor)
    assert err.value.code == "do_not_disclose" and err.value.status == 409
    assert refusals("request").filter(actor=people.supervisor).exists()
    sign_in_verified(client, people.supervisor)
    page = client.get(footage.incident.get_absolute_url())
    assert page.status_code == 200
    assert reverse("releases:request", args=[footage.pk]) not in page.content.decode()


def test_a_release_whose_footage_is_marked_do_not_disclose_after_the_request_cannot_be_published(in_review, people):
    from footage.retention import set_do_not_disclose

    apply_release_transition(in_review, "approve", actor=people.second_officer)
    apply_release_transition(in_review, "approve", actor=people.officer)
    set_do_not_disclose(in_review.footage, actor=people.supervisor, value=True, reason="Sealed by court order 26-114.")
    with pytest.raises(ReleaseRefused) as err:
        apply_release_transition(in_review, "publish", actor=people.second_officer)
    assert err.value.code == "do_not_disclose"
    in_review.refresh_from_db()
    assert in_review.state == ReleaseState.APPROVED and in_review.published_at is None
    assert refusals("publish").filter(actor=people.second_officer).exists()


def test_a_published_release_is_withdrawn_with_its_reason_and_leaves_the_public_site_at_once(in_review, people, client, api_client):
    from portal.models import LogEntry

    clear_all_findings(in_review, officer=people.officer)
    release = approve_and_publish(in_review, approver=people.officer, second=people.second_officer)
    file_url = reverse("public:release-file", args=[release.pk, release.manifest["file"]["name"]])
    assert client.get(file_url).status_code == 200
    url = f"/api/releases/{release.pk}/transitions/"
    # Taking a file down needs a release officer or a supervisor, a ground and the reason written.
    refused = api_client(people.investigator).post(url, {"action": "withdraw", "ground": "court_order", "reason": "x"}, format="json")
    assert refused.status_code == 403 and refused.json()["code"] == "forbidden"
    no_reason = api_client(people.officer).post(url, {"action": "withdraw", "ground": "court_order"}, format="json")
    assert no_reason.status_code == 400 and no_reason.json()["code"] == "reason_required"
    assert refusals("withdraw").count() == 2
    release.refresh_from_db()
    assert release.state == ReleaseState.PUBLISHED

    done = api_client(people.officer).post(
        url, {"action": "withdraw", "ground": "court_order", "reason": "Sealed by order 26-114."}, format="json")
    assert done.status_code == 200, done.content
    release.refresh_from_db()
    assert release.state == ReleaseState.WITHHELD and release.withheld_ground == "court_order"
    assert client.get(file_url).status_code == 404
    # The incident's public page says a video exists and was withheld, not what it showed.
    incident_page = client.get(reverse("public:incident-detail", args=[release.incident.reference])).content.decode()
    assert release.manifest["file"]["name"] not in incident_page and 'id="withheld"' in incident_page
    # The public may hold copies, so the page says the video was theirs to see until it was withdrawn.
    released_on = formats.date_format(timezone.localtime(release.published_at), "DATE_FORMAT")
    assert f"A video was released on {released_on} and has since been withdrawn." in incident_page
    assert "A video exists but was withheld." not in incident_page
    event = AuditEvent.objects.get(action="release.withdraw", outcome="success")
    assert event.from_state == "published" and event.to_state == "withheld" and event.reason == "Sealed by order 26-114."
    # Anyone who kept the log can see the file was taken down, and which manifest it was.
    assert LogEntry.objects.filter(kind="release.withdrawn").count() == 1
    # Someone holding a copy learns it was the city's file, since withdrawn, not that it never was.
    checked = client.post(reverse("public:verify"), {"sha256": release.release_sha256}).content.decode()
    assert "withdrew it on" in checked and "No file the city released" not in checked
    assert "No file the city released" in client.post(reverse("public:verify"), {"sha256": "0" * 64}).content.decode()
    with pytest.raises(ReleaseRefused) as err:
        apply_release_transition(release, "withdraw", actor=people.officer, ground="court_order", reason="Again.")
    assert err.value.code == "wrong_state"


def test_marking_published_footage_do_not_disclose_withdraws_its_release_in_the_same_step(in_review, people, client):
    from footage.retention import set_do_not_disclose

    clear_all_findings(in_review, officer=people.officer)
    release = approve_and_publish(in_review, approver=people.officer, second=people.second_officer)
    file_url = reverse("public:release-file", args=[release.pk, release.manifest["file"]["name"]])
    set_do_not_disclose(release.footage, actor=people.supervisor, value=True, reason="Sealed by court order 26-114.")
    release.refresh_from_db()
    assert release.state == ReleaseState.WITHHELD
    assert client.get(file_url).status_code == 404
    withdrawal = AuditEvent.objects.get(action="release.withdraw", outcome="success")
    assert withdrawal.actor == people.supervisor
    # The court's reference stays in the staff record; the release says only why it left.
    assert "26-114" not in release.withheld_explanation


def test_the_release_page_offers_withdrawal_only_to_those_who_may_and_explains_a_refusal_in_the_page(in_review, people):
    from django.test import Client

    clear_all_findings(in_review, officer=people.officer)
    release = approve_and_publish(in_review, approver=people.officer, second=people.second_officer)
    page_url = reverse("releases:detail", args=[release.pk])
    for person, offered in ((people.officer, True), (people.supervisor, True), (people.investigator, False), (people.auditor, False)):
        browser = Client()
        sign_in_verified(browser, person)
        assert ('id="withdraw-form"' in browser.get(page_url).content.decode()) is offered, person
    browser = Client()
    sign_in_verified(browser, people.supervisor)
    refused = browser.post(reverse("releases:transition", args=[release.pk]), {"action": "withdraw", "ground": "court_order"})
    assert refused.status_code == 400 and 'id="withdraw-reason-error"' in refused.content.decode()
    done = browser.post(reverse("releases:transition", args=[release.pk]),
                        {"action": "withdraw", "ground": "court_order", "reason": "Sealed by order 26-114."})
    assert done.status_code == 302
    release.refresh_from_db()
    assert release.state == ReleaseState.WITHHELD


def test_one_release_officer_cannot_approve_and_publish_a_release_alone(footage, people):
    """Issue 24: on a release a supervisor asked for, with no redaction changes, one officer
    approved and then published it."""
    release = request_release(footage, actor=people.supervisor)
    render_pending(release)
    apply_release_transition(release, "approve", actor=people.officer)
    release.refresh_from_db()
    assert release.state == ReleaseState.IN_REVIEW and release.approved_by is None
    with pytest.raises(ReleaseForbidden) as err:
        apply_release_transition(release, "approve", actor=people.officer)
    assert err.value.code == "two_person_rule"
    with pytest.raises(ReleaseRefused) as err:
        apply_release_transition(release, "publish", actor=people.officer)
    assert err.value.code == "wrong_state"
    assert refusals("approve").filter(actor=people.officer).exists()
    assert refusals("publish").filter(actor=people.officer).exists()
    release.refresh_from_db()
    assert release.state == ReleaseState.IN_REVIEW and release.signoffs.count() == 1
    # Where nobody changed the automatic redaction, it is still two people.
    apply_release_transition(release, "approve", actor=people.second_officer)
    apply_release_transition(release, "publish", actor=people.officer)
    release.refresh_from_db()
    assert release.state == ReleaseState.PUBLISHED and release.approved_by == people.second_officer


def test_the_officer_who_requested_the_render_signs_as_maker_and_a_second_officer_completes(in_review, people):
    apply_release_transition(in_review, "rerender", actor=people.officer)
    render_pending(in_review)
    apply_release_transition(in_review, "approve", actor=people.officer)
    with pytest.raises(ReleaseForbidden) as err:
        apply_release_transition(in_review, "approve", actor=people.officer)
    assert err.value.code == "two_person_rule"
    in_review.refresh_from_db()
    assert in_review.state == ReleaseState.IN_REVIEW
    apply_release_transition(in_review, "approve", actor=people.second_officer)
    in_review.refresh_from_db()
    assert in_review.state == ReleaseState.APPROVED
    audit = AuditEvent.objects.filter(action="release.approve", outcome="success").order_by("pk")
    assert [(e.detail["signoff"], e.to_state) for e in audit] == [(1, "in_review"), (2, "approved")]


def test_the_officer_who_made_a_change_cannot_approve_alone_and_a_second_officer_completes(in_review, people):
    from releases import review

    review.add_change(in_review, {"kind": "mute", "start_seconds": 0.2, "end_seconds": 0.8, "reason": "spoken_personal_data"},
                      actor=people.officer)
    apply_release_transition(in_review, "rerender", actor=people.officer)
    render_pending(in_review)
    clear_all_findings(in_review, officer=people.officer)
    apply_release_transition(in_review, "approve", actor=people.officer)
    with pytest.raises(ReleaseForbidden):
        apply_release_transition(in_review, "approve", actor=people.officer)
    in_review.refresh_from_db()
    assert in_review.state == ReleaseState.IN_REVIEW
    apply_release_transition(in_review, "approve", actor=people.second_officer)
    in_review.refresh_from_db()
    assert in_review.state == ReleaseState.APPROVED and in_review.approved_by == people.second_officer


def test_each_audio_range_is_muted_or_bleeped_as_the_reviewer_chose(in_review, people):
    from releases import review
    from releases.manifest import redaction_summary

    review.add_change(in_review, {"kind": "mute", "start_seconds": 0.1, "end_seconds": 0.3, "reason": "witness"},
                      actor=people.officer)
    review.add_change(in_review, {"kind": "bleep", "start_seconds": 0.5, "end_seconds": 0.8, "reason": "spoken_personal_data"},
                      actor=people.officer)
    apply_release_transition(in_review, "rerender", actor=people.officer)
    render_pending(in_review)
    in_review.refresh_from_db()
    log = in_review.redaction_log
    assert log["mute_ranges"] == [[0.1, 0.3]] and log["bleep_ranges"] == [[0.5, 0.8]]
    summary = redaction_summary([], log)
    assert [(r["start_seconds"], r["treatment"]) for r in summary["audio_ranges"]] == [(0.1, "mute"), (0.5, "bleep")]
    # A log from before ranges had their own treatment still reads right.
    old = redaction_summary([], {"mute_ranges": [[3, 4]], "bleep": True})
    assert old["audio_ranges"] == [{"start_seconds": 3.0, "end_seconds": 4.0, "treatment": "bleep"}]


def test_the_requester_holding_the_officer_role_counts_as_shaping_it(footage, people):
    from portal.accounts import set_roles
    from portal.roles import Role

    set_roles(user=people.supervisor, roles=[Role.SUPERVISOR, Role.RELEASE_OFFICER], acting_user=None)
    release = request_release(footage, actor=people.supervisor)
    render_pending(release)
    apply_release_transition(release, "rerender", actor=people.officer)
    render_pending(release)
    apply_release_transition(release, "approve", actor=people.supervisor)
    with pytest.raises(ReleaseForbidden) as err:
        apply_release_transition(release, "approve", actor=people.officer)  # she asked for the render
    assert err.value.code == "two_person_rule"
    apply_release_transition(release, "approve", actor=people.second_officer)
    assert release.state == ReleaseState.APPROVED


def test_clearing_a_finding_counts_as_shaping_the_redaction(in_review, people, make_user):
    from portal.roles import Role
    from releases import review
    from releases.models import Release

    finding = {"frame": 0, "seconds": 0, "box": [1, 1, 20, 20], "score": 0.9}
    Release.objects.filter(pk=in_review.pk).update(check_findings=[finding, {**finding, "frame": 10}])
    in_review.refresh_from_db()
    with pytest.raises(ReleaseRefused) as err:
        apply_release_transition(in_review, "approve", actor=people.officer)
    assert err.value.code == "check_not_cleared"
    review.clear_finding(in_review, 0, "A poster.", actor=people.officer)
    review.clear_finding(in_review, 1, "The same poster.", actor=people.second_officer)
    apply_release_transition(in_review, "approve", actor=people.officer)
    with pytest.raises(ReleaseForbidden) as err:
        apply_release_transition(in_review, "approve", actor=people.second_officer)
    assert "cleared a finding of the second check" in err.value.message
    apply_release_transition(in_review, "approve", actor=make_user(Role.RELEASE_OFFICER, "rosa"))
    assert in_review.state == ReleaseState.APPROVED


def test_approval_needs_a_render_of_the_latest_changes(in_review, people):
    from releases import review

    review.add_change(in_review, {"kind": "manual", "keyframes": [[0, 10, 10, 60, 60], [20, 50, 50, 100, 100]],
                                  "reason": "licence_plate"}, actor=people.officer)
    with pytest.raises(ReleaseRefused) as err:
        apply_release_transition(in_review, "approve", actor=people.second_officer)
    assert err.value.code == "stale_render"


def test_people_cannot_take_the_render_jobs_steps_and_nobody_invents_actions(in_review, people):
    for action in ("start_redaction", "finish_redaction"):
        with pytest.raises(ReleaseForbidden):
            apply_release_transition(in_review, action, actor=people.officer)
    with pytest.raises(ReleaseRefused):
        apply_release_transition(in_review, "publish_now", actor=people.officer)
    for who in (people.supervisor, people.investigator, people.auditor, people.admin):
        with pytest.raises(ReleaseForbidden):
            apply_release_transition(in_review, "approve", actor=who)


def test_publishing_skips_no_step(in_review, people):
    with pytest.raises(ReleaseRefused) as err:
        apply_release_transition(in_review, "publish", actor=people.second_officer)
    assert err.value.code == "wrong_state"


def test_withholding_needs_a_legal_ground_and_other_needs_words(in_review, people):
    with pytest.raises(ReleaseRefused):
        apply_release_transition(in_review, "withhold", actor=people.officer)
    with pytest.raises(ReleaseRefused):
        apply_release_transition(in_review, "withhold", actor=people.officer, ground="other")
    with pytest.raises(ReleaseRefused):
        apply_release_transition(in_review, "withhold", actor=people.officer, ground="because")
    apply_release_transition(in_review, "withhold", actor=people.officer, ground="court_order", reason="Order 26-117.")
    in_review.refresh_from_db()
    assert in_review.state == ReleaseState.WITHHELD and in_review.withheld_ground == "court_order"
    with pytest.raises(ReleaseRefused):
        apply_release_transition(in_review, "approve", actor=people.second_officer)


def test_withholding_records_the_review_date_the_officer_set_and_audits_it(in_review, people):
    from datetime import date

    from django.utils import timezone

    review_on = timezone.localdate() + timedelta(days=40)
    apply_release_transition(in_review, "withhold", actor=people.officer, ground="court_order", review_on=review_on.isoformat())
    in_review.refresh_from_db()
    assert in_review.withheld_review_on == review_on
    event = AuditEvent.objects.get(action="release.withhold", outcome="success")
    assert event.detail["review_on"] == review_on.isoformat() and isinstance(in_review.withheld_review_on, date)


def test_withholding_without_a_review_date_gets_the_citys_default(in_review, people, settings):
    from django.utils import timezone

    settings.WITHHELD_REVIEW_DAYS = 45
    apply_release_transition(in_review, "withhold", actor=people.officer, ground="ongoing_investigation")
    in_review.refresh_from_db()
    assert in_review.withheld_review_on == timezone.localdate() + timedelta(days=45)


@pytest.mark.parametrize("review_on", ["yesterday", "2026-02-30", 20270101, "today"])
def test_withholding_refuses_a_review_date_that_is_not_a_future_day(in_review, people, review_on):
    from django.utils import timezone

    if review_on == "today":
        review_on = timezone.localdate().isoformat()
    with pytest.raises(ReleaseRefused) as err:
        apply_release_transition(in_review, "withhold", actor=people.officer, ground="court_order", review_on=review_on)
    assert err.value.field == "review_on"
    in_review.refresh_from_db()
    assert in_review.state == ReleaseState.IN_REVIEW and in_review.withheld_review_on is None
    assert refusals("withhold").count() == 1


def test_the_migration_gives_earlier_withholdings_the_review_date_the_public_site_showed(in_review, people):
    import importlib

    from django.apps import apps
    from django.utils import timezone

    from releases.models import Release

    migration = importlib.import_module("releases.migrations.0006_withheld_review_date")
    apply_release_transition(in_review, "withhold", actor=people.officer, ground="court_order")
    Release.objects.filter(pk=in_review.pk).update(withheld_review_on=None)
    in_review.refresh_from_db()
    migration.review_dates_of_existing_decisions(apps, None)
    in_review.refresh_from_db()
    assert in_review.withheld_review_on == timezone.localtime(in_review.state_changed_at + timedelta(days=90)).date()


def test_publishing_signs_a_manifest_that_verifies_the_stored_file(in_review, people):
    from releases.signing import load_signing_key
    from releases.verification import verify_file_against_manifest

    release = approve_and_publish(in_review, approver=people.second_officer)
    assert release.state == ReleaseState.PUBLISHED
    manifest = release.manifest
    assert manifest["file"]["sha256"] == release.release_sha256
    assert manifest["original_sha256"] == release.original_sha256
    assert manifest["incident_reference"] == release.incident.reference
    with release.release_file.open("rb") as f:
        assert verify_file_against_manifest(f, manifest, release.signature, load_signing_key().public_key()).ok
    audit = AuditEvent.objects.filter(action="release.publish", outcome="success").get()
    assert audit.to_state == "published"


def test_every_transition_is_in_the_one_table():
    assert set(TRANSITIONS) == {"start_redaction", "finish_redaction", "rerender", "approve", "withhold", "publish", "withdraw"}


def test_do_not_redact_takes_effect_only_once_a_second_officer_confirms(face_media, in_review, people):
    from releases import review
    from releases.rendering import pipeline_inputs

    track = in_review.redaction_log["tracks"][0]["id"]
    change = review.add_change(in_review, {"kind": "do_not_redact", "track_id": track, "reason": "official_in_public"},
                               actor=people.officer)
    assert pipeline_inputs(in_review)["suppressed"] == []
    with pytest.raises(ReleaseForbidden):
        review.confirm_do_not_redact(change, actor=people.officer)
    review.confirm_do_not_redact(change, actor=people.second_officer)
    frames = in_review.redaction_log["tracks"][0]["frames"]
    assert pipeline_inputs(in_review)["suppressed"] == [{"id": f"c{change.pk}", "frames": frames}]


def test_a_decision_follows_its_face_when_a_later_render_numbers_the_tracks_differently(face_media, in_review, people):
    """Track numbers belong to one render; another pipeline version (or a CPU that rounds
    differently) may number the same faces otherwise, and a decision kept by number would then
    leave someone else's face unhidden."""
    from redaction.regions import TrackMark, match_marks
    from redaction.regions_log import TrackRecord
    from releases import review
    from releases.review_data import review_payload

    tracks = in_review.redaction_log["tracks"]
    seen = tracks[0]  # as the reviewer saw it
    change = review.add_change(in_review, {"kind": "suppress", "track_id": seen["id"], "reason": "false_detection"},
                               actor=people.officer)
    assert change.track_frames == seen["frames"]

    # The next render also finds a face elsewhere in the picture, first, and gives it the number
    # the reviewer saw; the removed face gets a new one.
    elsewhere = [[f, x1 + 200, y1, x2 + 200, y2] for f, x1, y1, x2, y2 in seen["frames"]]
    assert not match_marks([TrackRecord(id=0, frames=elsewhere)], [TrackMark.from_frames("x", seen["frames"])])
    new_number = max(t["id"] for t in tracks) + 1
    in_review.redaction_log = {
        **in_review.redaction_log,
        "tracks": [{**seen, "frames": elsewhere}, {**seen, "id": new_number}] + tracks[1:],
    }
    in_review.save(update_fields=["redaction_log"])

    payload = review_payload(in_review, people.officer)
    marks = {t["id"]: t["mark"] for t in payload["tracks"]}
    assert marks[new_number] == change.pk
    assert marks[seen["id"]] is None  # someone else now, and still hidden
    assert payload["changes"][0]["tracks"] == [new_number]
    assert pipeline_inputs_frames(in_review) == [seen["frames"]]
    with pytest.raises(ReleaseRefused) as err:
        review.add_change(in_review, {"kind": "do_not_redact", "track_id": new_number, "reason": "official_in_public"},
                          actor=people.officer)
    assert err.value.code == "duplicate"
    review.add_change(in_review, {"kind": "do_not_redact", "track_id": seen["id"], "reason": "official_in_public"},
                      actor=people.officer)


def pipeline_inputs_frames(release):
    from releases.rendering import pipeline_inputs

    return [m["frames"] for m in pipeline_inputs(release)["suppressed"]]


def test_the_second_check_finds_the_face_left_visible_and_blocks_approval_until_cleared(face_media, in_review, people, make_user):
    from releases import review
    from portal.roles import Role

    track = in_review.redaction_log["tracks"][0]["id"]
    review.add_change(in_review, {"kind": "suppress", "track_id": track, "reason": "false_detection"}, actor=people.officer)
    apply_release_transition(in_review, "rerender", actor=people.officer)
    render_pending(in_review)
    assert in_review.open_findings, "the scan should see the face the reviewer un-hid"
    third = make_user(Role.RELEASE_OFFICER, "rosa")
    with pytest.raises(ReleaseRefused) as err:
        apply_release_transition(in_review, "approve", actor=third)
    assert err.value.code == "check_not_cleared"
    clear_all_findings(in_review, officer=people.officer)
    apply_release_transition(in_review, "approve", actor=third)
    apply_release_transition(in_review, "approve", actor=people.officer)
    assert in_review.state == ReleaseState.APPROVED


def test_the_migration_gives_earlier_decisions_the_boxes_of_their_track(face_media, in_review, people):
    import importlib

    from django.apps import apps

    from releases.models import RedactionChange

    migration = importlib.import_module("releases.migrations.0002_redactionchange_track_frames")
    track = in_review.redaction_log["tracks"][0]
    older = RedactionChange.objects.create(release=in_review, kind="suppress", reason="false_detection",
                                           track_id=track["id"], created_by=people.officer)
    gone = RedactionChange.objects.create(release=in_review, kind="suppress", reason="false_detection",
                                          track_id=9999, created_by=people.officer)
    migration.copy_track_boxes(apps, None)
    older.refresh_from_db()
    gone.refresh_from_db()
    assert older.track_frames == track["frames"]
    assert gone.track_frames == []  # no such track: it spares nothing, so the face stays hidden


def test_the_second_check_does_not_flag_a_face_two_officers_agreed_to_leave_visible(face_media, in_review, people):
    from releases import review

    track = in_review.redaction_log["tracks"][0]["id"]
    change = review.add_change(in_review, {"kind": "do_not_redact", "track_id": track, "reason": "official_in_public"},
                               actor=people.officer)
    review.confirm_do_not_redact(change, actor=people.second_officer)
    apply_release_transition(in_review, "rerender", actor=people.officer)
    render_pending(in_review)
    assert in_review.check_findings == []
    explained = in_review.redaction_log["check_left_unhidden_by_decision"]
    assert explained and {e["decision"] for e in explained} == {f"c{change.pk}"}
