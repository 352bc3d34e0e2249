"""Every workflow step, tried by every kind of actor, through the service, the pages and the API.

For each step one case is put in the step's starting state; every actor who may not take it tries
first (nothing changes and each attempt is on the record as refused), then the one who may.
"""

from __future__ import annotations

import pytest
from django.core import mail
from django.urls import reverse

from incidents.models import FindingStatus, Incident, IncidentState
from incidents.workflow import TRANSITIONS, TransitionRefused, apply_transition, assign_investigator
from portal.models import AuditEvent
from tests.factories.incidents import make_incident, make_incident_in_state
from tests.personas import sign_in_verified
from tests.people_per_module import people  # noqa: F401 (made once for the module)

pytestmark = pytest.mark.django_db

ACTORS = ["reporter", "other_reporter", "investigator", "other_investigator", "supervisor", "release_officer", "auditor", "admin"]

# step -> (starting state, the actor who may take it, the request it needs)
STEPS = {
    "submit": (IncidentState.DRAFT, "reporter", {}),
    "start_triage": (IncidentState.SUBMITTED, "supervisor", {}),
    "open_investigation": (IncidentState.TRIAGE, "supervisor", {}),
    "propose_findings": (IncidentState.INVESTIGATION, "investigator", {"reason": "No judicial warrant was shown.", "outcome": "sustained"}),
    "approve_findings": (IncidentState.FINDINGS_PROPOSED, "supervisor", {"reason": "Agreed."}),
    "send_back": (IncidentState.FINDINGS_PROPOSED, "supervisor", {"reason": "Interview the second witness."}),
    "close": (IncidentState.INVESTIGATION, "supervisor", {"reason": "Referred.", "outcome": "referred_da"}),
    "reopen": (IncidentState.CLOSED, "supervisor", {"reason": "New footage arrived."}),
}
TARGETS = {
    "submit": IncidentState.SUBMITTED,
    "start_triage": IncidentState.TRIAGE,
    "open_investigation": IncidentState.INVESTIGATION,
    "propose_findings": IncidentState.FINDINGS_PROPOSED,
    "approve_findings": IncidentState.CLOSED,
    "send_back": IncidentState.INVESTIGATION,
    "close": IncidentState.CLOSED,
    "reopen": IncidentState.TRIAGE,
}
# Who cannot even see a case filed by `reporter` and assigned to `investigator`.
CANNOT_SEE = {"other_reporter", "other_investigator", "admin"}


def test_the_table_covers_every_step_tested_here():
    assert set(TRANSITIONS) == set(STEPS)


def _case_ready_for(step: str, people) -> Incident:
    state = STEPS[step][0]
    incident = make_incident_in_state(state, reporter=people.reporter, supervisor=people.supervisor, investigator=people.investigator)
    if state == IncidentState.TRIAGE:
        incident = assign_investigator(incident, actor=people.supervisor, investigator=people.investigator)
    return incident


def _hidden_from(incident: Incident) -> set[str]:
    """An investigator sees a case only once it is assigned to them, a draft is its reporter's
    alone, and a release officer sees a case from the investigation on."""
    hidden = CANNOT_SEE | (set() if incident.assigned_investigator_id else {"investigator"})
    if incident.state == IncidentState.DRAFT:
        hidden |= {"supervisor", "auditor"}
    if incident.state in (IncidentState.DRAFT, IncidentState.SUBMITTED, IncidentState.TRIAGE):
        hidden |= {"release_officer"}
    return hidden


def _snapshot(incident: Incident) -> tuple:
    incident.refresh_from_db()
    return (incident.state, incident.outcome, incident.closed_at, incident.findings.count(),
            list(incident.findings.values_list("status", flat=True)))


def _refusals(incident: Incident, username: str) -> int:
    return AuditEvent.objects.filter(object_type="incidents.incident", object_id=str(incident.pk), actor_username=username,
                                     outcome="refused").count()


@pytest.mark.parametrize("step", list(STEPS))
def test_each_step_through_the_service_is_taken_only_by_its_actor(people, step):
    incident = _case_ready_for(step, people)
    state, allowed, request = STEPS[step]
    before = _snapshot(incident)
    for name in ACTORS:
        if name == allowed:
            continue
        actor = getattr(people, name)
        with pytest.raises(TransitionRefused) as refused:
            apply_transition(incident, step, actor=actor, **request)
        assert refused.value.status == (404 if name in _hidden_from(incident) else 403), name
        assert _snapshot(incident) == before, f"{name}'s refused attempt changed the case"
        assert _refusals(incident, actor.username) == 1, f"{name}'s refused attempt is not on the record"
    result = apply_transition(incident, step, actor=getattr(people, allowed), **request)
    assert result.state == TARGETS[step]
    event = AuditEvent.objects.filter(object_id=str(incident.pk), action=f"incident.{step}", outcome="success").get()
    assert (event.from_state, event.to_state, event.actor_username) == (state, TARGETS[step], getattr(people, allowed).username)
    assert event.reason == request.get("reason", "")


@pytest.mark.parametrize("step", list(STEPS))
def test_each_step_through_the_case_page_is_taken_only_by_its_actor(people, client, step):
    incident = _case_ready_for(step, people)
    _, allowed, request = STEPS[step]
    url = reverse("incidents:transition", args=[incident.pk])
    before = _snapshot(incident)
    for name in ACTORS:
        if name == allowed:
            continue
        actor = getattr(people, name)
        sign_in_verified(client, actor)
        response = client.post(url, {"action": step, **request})
        assert response.status_code == (404 if name in _hidden_from(incident) else 403), name
        assert _snapshot(incident) == before
        assert _refusals(incident, actor.username) >= 1
    sign_in_verified(client, getattr(people, allowed))
    response = client.post(url, {"action": step, **request})
    assert response.status_code == 302 and response["Location"] == incident.get_absolute_url()
    incident.refresh_from_db()
    assert incident.state == TARGETS[step]


@pytest.mark.parametrize("step", list(STEPS))
def test_each_step_through_the_api_is_taken_only_by_its_actor(people, api_client, step):
    incident = _case_ready_for(step, people)
    _, allowed, request = STEPS[step]
    url = f"/api/incidents/{incident.pk}/transitions/"
    before = _snapshot(incident)
    for name in ACTORS:
        if name == allowed:
            continue
        actor = getattr(people, name)
        response = api_client(actor).post(url, {"action": step, **request}, format="json")
        assert response.status_code == (404 if name in _hidden_from(incident) else 403), (name, response.content)
        assert "detail" in response.json()
        assert _snapshot(incident) == before
        assert _refusals(incident, actor.username) >= 1
    response = api_client(getattr(people, allowed)).post(url, {"action": step, **request}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["state"] == TARGETS[step]


def test_a_supervisor_cannot_triage_a_draft(people, api_client):
    incident = make_incident(reporter=people.reporter)
    response = api_client(people.supervisor).post(f"/api/incidents/{incident.pk}/transitions/", {"action": "start_triage"}, format="json")
    assert response.status_code == 404  # a draft is its reporter's alone: the supervisor does not see it
    incident.refresh_from_db()
    assert incident.state == IncidentState.DRAFT
    assert _refusals(incident, people.supervisor.username) == 1


def test_steps_that_need_a_reason_or_an_outcome_say_so_field_by_field(people, api_client):
    incident = make_incident_in_state(IncidentState.INVESTIGATION, reporter=people.reporter, supervisor=people.supervisor,
                                      investigator=people.investigator)
    response = api_client(people.supervisor).post(f"/api/incidents/{incident.pk}/transitions/", {"action": "close"}, format="json")
    assert response.status_code == 400
    assert set(response.json()["errors"]) >= {"reason", "outcome"} and response.json()["code"] == "invalid"
    incident.refresh_from_db()
    assert incident.state == IncidentState.INVESTIGATION


def test_an_unknown_step_is_a_bad_request_not_a_crash(people, api_client, client):
    incident = make_incident(reporter=people.reporter)
    response = api_client(people.reporter).post(f"/api/incidents/{incident.pk}/transitions/", {"action": "teleport"}, format="json")
    assert response.status_code == 400 and "action" in response.json()["errors"]
    sign_in_verified(client, people.reporter)
    response = client.post(reverse("incidents:transition", args=[incident.pk]), {"action": "teleport"})
    assert response.status_code == 400


def test_submitting_an_incomplete_draft_lists_what_is_missing(people):
    incident = make_incident(reporter=people.reporter, narrative="", agencies=[])
    with pytest.raises(TransitionRefused) as refused:
        apply_transition(incident, "submit", actor=people.reporter)
    assert refused.value.status == 400 and {"narrative", "agencies"} <= set(refused.value.errors)


def test_opening_an_investigation_needs_an_assigned_investigator(people):
    incident = make_incident_in_state(IncidentState.TRIAGE, reporter=people.reporter, supervisor=people.supervisor)
    with pytest.raises(TransitionRefused) as refused:
        apply_transition(incident, "open_investigation", actor=people.supervisor)
    assert refused.value.status == 409


def test_assignment_and_reassignment_email_the_investigator_and_are_audited(people, django_capture_on_commit_callbacks):
    incident = make_incident_in_state(IncidentState.TRIAGE, reporter=people.reporter, supervisor=people.supervisor)
    with django_capture_on_commit_callbacks(execute=True):
        assign_investigator(incident, actor=people.supervisor, investigator=people.investigator)
    with django_capture_on_commit_callbacks(execute=True):
        assign_investigator(incident, actor=people.supervisor, investigator=people.other_investigator)
    assert [m.to for m in mail.outbox] == [["ivan@city.invalid"], ["iris@city.invalid"]]
    assert incident.reference in mail.outbox[0].subject
    actions = list(AuditEvent.objects.filter(object_id=str(incident.pk), action__in=["incident.assigned", "incident.reassigned"])
                   .values_list("action", "detail"))
    assert actions == [("incident.assigned", {"from": None, "to": "ivan"}), ("incident.reassigned", {"from": "ivan", "to": "iris"})]


def test_only_a_supervisor_assigns_and_only_to_an_investigator(people, api_client):
    incident = make_incident_in_state(IncidentState.TRIAGE, reporter=people.reporter, supervisor=people.supervisor)
    url = f"/api/incidents/{incident.pk}/assign/"
    assert api_client(people.investigator).post(url, {"investigator": "ivan"}, format="json").status_code == 404
    assert api_client(people.auditor).post(url, {"investigator": "ivan"}, format="json").status_code == 403
    response = api_client(people.supervisor).post(url, {"investigator": "rita"}, format="json")
    assert response.status_code == 400 and "investigator" in response.json()["errors"]
    response = api_client(people.supervisor).post(url, {"investigator": "nobody-by-that-name"}, format="json")
    assert response.status_code == 400
    incident.refresh_from_db()
    assert incident.assigned_investigator is None
    assert api_client(people.supervisor).post(url, {"investigator": "ivan"}, format="json").status_code == 200


def test_sending_findings_back_emails_the_investigator_who_then_sees_the_case_again(people, django_capture_on_commit_callbacks):
    incident = make_incident_in_state(IncidentState.FINDINGS_PROPOSED, reporter=people.reporter, supervisor=people.supervisor,
                                      investigator=people.investigator)
    with django_capture_on_commit_callbacks(execute=True):
        apply_transition(incident, "send_back", actor=people.supervisor, reason="Interview the second witness.")
    assert mail.outbox[-1].to == ["ivan@city.invalid"] and "Interview the second witness." in mail.outbox[-1].body
    assert incident.findings.get().status == FindingStatus.SENT_BACK
    again = apply_transition(incident, "propose_findings", actor=people.investigator, reason="Second witness agrees.",
                             outcome="not_sustained")
    assert again.state == IncidentState.FINDINGS_PROPOSED
    closed = apply_transition(incident, "approve_findings", actor=people.supervisor)
    assert closed.outcome == "not_sustained" and closed.closed_at is not None


def test_reopening_clears_the_outcome_keeps_the_reason_and_returns_the_case_to_triage(people):
    incident = make_incident_in_state(IncidentState.CLOSED, reporter=people.reporter, supervisor=people.supervisor,
                                      investigator=people.investigator)
    reopened = apply_transition(incident, "reopen", actor=people.supervisor, reason="New footage arrived.")
    assert (reopened.state, reopened.outcome, reopened.closed_at) == (IncidentState.TRIAGE, "", None)
    assert reopened.assigned_investigator == people.investigator
    assert apply_transition(reopened, "open_investigation", actor=people.supervisor).state == IncidentState.INVESTIGATION
    assert AuditEvent.objects.get(object_id=str(incident.pk), action="incident.reopen").reason == "New footage arrived."


def test_a_case_closed_from_triage_without_an_investigator_can_be_reopened_and_assigned(people):
    incident = make_incident_in_state(IncidentState.TRIAGE, reporter=people.reporter, supervisor=people.supervisor)
    closed = apply_transition(incident, "close", actor=people.supervisor, reason="Not a federal matter.", outcome="unfounded")
    reopened = apply_transition(closed, "reopen", actor=people.supervisor, reason="It was ICE after all.")
    assign_investigator(reopened, actor=people.supervisor, investigator=people.investigator)
    assert apply_transition(reopened, "open_investigation", actor=people.supervisor).state == IncidentState.INVESTIGATION


def test_two_supervisors_deciding_at_once_cannot_both_win(people):
    incident = make_incident_in_state(IncidentState.FINDINGS_PROPOSED, reporter=people.reporter, supervisor=people.supervisor,
                                      investigator=people.investigator)
    apply_transition(incident, "approve_findings", actor=people.supervisor)
    # The second decision is checked against the locked, current row, not the caller's stale copy.
    with pytest.raises(TransitionRefused) as refused:
        apply_transition(incident, "send_back", actor=people.supervisor, reason="Too late.")
    assert refused.value.status == 409
    incident.refresh_from_db()
    assert incident.state == IncidentState.CLOSED and incident.findings.get().status == FindingStatus.APPROVED


def test_investigators_add_notes_and_others_cannot(people, api_client):
    incident = make_incident_in_state(IncidentState.INVESTIGATION, reporter=people.reporter, supervisor=people.supervisor,
                                      investigator=people.investigator)
    url = f"/api/incidents/{incident.pk}/notes/"
    assert api_client(people.investigator).post(url, {"text": "Called the witness."}, format="json").status_code == 201
    assert api_client(people.reporter).post(url, {"text": "Me too."}, format="json").status_code == 403
    assert api_client(people.auditor).post(url, {"text": "Me too."}, format="json").status_code == 403
    assert api_client(people.other_investigator).post(url, {"text": "Me too."}, format="json").status_code == 404
    assert [n["text"] for n in api_client(people.auditor).get(url).json()] == ["Called the witness."]


def test_findings_are_proposed_through_the_findings_endpoint(people, api_client):
    incident = make_incident_in_state(IncidentState.INVESTIGATION, reporter=people.reporter, supervisor=people.supervisor,
                                      investigator=people.investigator)
    url = f"/api/incidents/{incident.pk}/findings/"
    response = api_client(people.investigator).post(url, {"text": "Force was excessive.", "outcome": "sustained"}, format="json")
    assert response.status_code == 201 and response.json()["status"] == "proposed"
    incident.refresh_from_db()
    assert incident.state == IncidentState.FINDINGS_PROPOSED


def test_a_step_name_with_a_nul_character_is_a_bad_request_not_a_crash(people, api_client):
    incident = make_incident(reporter=people.reporter)
    response = api_client(people.reporter).post(f"/api/incidents/{incident.pk}/transitions/", {"action": "sub\x00mit"},
                                                format="json")
    assert response.status_code == 400 and "action" in response.json()["errors"]
    refused = AuditEvent.objects.filter(object_id=str(incident.pk), outcome="refused").latest("id")
    assert refused.action == "incident.transition"


def test_a_step_name_with_a_nul_character_on_the_page_is_refused_not_a_crash(people, client):
    incident = make_incident(reporter=people.reporter)
    url = reverse("incidents:transition", args=[incident.pk])
    sign_in_verified(client, people.other_reporter)  # may not see the case: its refusal is audited too
    assert client.post(url, {"action": "sub\x00mit"}).status_code == 404
    sign_in_verified(client, people.reporter)
    assert client.post(url, {"action": "sub\x00mit"}).status_code == 400
    assert Incident.objects.get(pk=incident.pk).state == IncidentState.DRAFT
