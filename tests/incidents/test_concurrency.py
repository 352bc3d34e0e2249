"""Two people acting on one case at the same moment: the row lock lets exactly one of them win."""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from incidents.models import FindingStatus, Incident, IncidentState
from incidents.workflow import TransitionRefused, apply_transition
from portal.hashchain import verify_chain
from portal.models import AuditEvent
from tests.factories.incidents import make_incident_in_state

pytestmark = pytest.mark.django_db(transaction=True)


def test_an_approval_and_a_send_back_at_the_same_moment_leave_one_consistent_result(people):
    incident = make_incident_in_state(IncidentState.FINDINGS_PROPOSED, reporter=people.reporter, supervisor=people.supervisor,
                                      investigator=people.investigator)
    start = threading.Barrier(2)
    results: dict[str, str] = {}

    def decide(action: str, **request) -> None:
        try:
            start.wait()
            apply_transition(Incident.objects.get(pk=incident.pk), action, actor=people.supervisor, **request)
            results[action] = "won"
        except TransitionRefused as refused:
            results[action] = f"refused {refused.status}"
        finally:
            connection.close()

    threads = [threading.Thread(target=decide, args=("approve_findings",)),
               threading.Thread(target=decide, args=("send_back",), kwargs={"reason": "Interview the witness."})]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert sorted(results.values()) == ["refused 409", "won"], results
    incident.refresh_from_db()
    finding = incident.findings.get()
    if results["approve_findings"] == "won":
        assert (incident.state, finding.status) == (IncidentState.CLOSED, FindingStatus.APPROVED)
    else:
        assert (incident.state, finding.status) == (IncidentState.INVESTIGATION, FindingStatus.SENT_BACK)
    assert AuditEvent.objects.filter(object_id=str(incident.pk), action__in=["incident.approve_findings", "incident.send_back"],
                                     outcome="success").count() == 1
    assert verify_chain(AuditEvent).ok
