from decimal import Decimal

import pytest

from incidents.models import IncidentState
from tests.factories.incidents import make_incident, make_incident_in_state, make_published_incident

pytestmark = pytest.mark.django_db


def test_an_incident_walks_the_whole_workflow_through_the_factories(people):
    incident = make_incident_in_state(
        IncidentState.CLOSED, reporter=people.reporter, supervisor=people.supervisor, investigator=people.investigator
    )
    assert incident.state == "closed" and incident.outcome == "sustained"
    assert incident.reference.startswith("INC-")


def test_a_published_incident_has_generalised_coordinates(people):
    incident = make_published_incident(reporter=people.reporter, supervisor=people.supervisor, investigator=people.investigator)
    assert incident.published_at is not None
    assert incident.public_latitude == Decimal("41.500") and incident.public_longitude == Decimal("-81.692")


def test_two_incidents_get_consecutive_references(people):
    first = make_incident(reporter=people.reporter)
    second = make_incident(reporter=people.reporter)
    assert int(second.reference[-5:]) == int(first.reference[-5:]) + 1
