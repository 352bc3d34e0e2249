"""Staff to make public incidents with, and incidents built through the real workflow.

Every staff name and every private field carries a distinctive canary string, so any page that
leaks one is caught by searching the response for "CANARY" (see test_canary.py)."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.utils import timezone

from incidents.services import add_note, set_public_summary
from incidents.workflow import apply_transition, publish_incident
from portal.roles import Role
from tests.factories.incidents import make_incident_in_state

CANARY = "CANARY"
EXACT_LATITUDE = Decimal("41.487654")
EXACT_LONGITUDE = Decimal("-81.654321")


@pytest.fixture
def staff(make_user):
    return make_staff(make_user)


def make_staff(make_user):
    return SimpleNamespace(
        reporter=make_user(Role.REPORTER, "canary-reporter-u", first_name="Canaryreporterfirst", last_name="Canaryreporterlast"),
        investigator=make_user(Role.INVESTIGATOR, "canary-investigator-u", first_name="Canaryinvestigatorfirst", last_name="Canaryinvestigatorlast"),
        supervisor=make_user(Role.SUPERVISOR, "canary-supervisor-u", first_name="Canarysupervisorfirst", last_name="Canarysupervisorlast"),
        release_officer=make_user(Role.RELEASE_OFFICER, "canary-release-u", first_name="Canaryreleasefirst", last_name="Canaryreleaselast"),
    )


def canary_fields(tag: str) -> dict:
    """Every private field of an incident, each holding its own canary string."""
    return {
        "address": f"CANARY-ADDRESS-{tag} 77 Secret Lane",
        "latitude": EXACT_LATITUDE,
        "longitude": EXACT_LONGITUDE,
        "badge_numbers": f"CANARY-BADGE-{tag}",
        "unit_identifiers": f"CANARY-UNIT-{tag}",
        "vehicle_plates": f"CANARY-PLATE-{tag}",
        "injuries": f"CANARY-INJURIES-{tag}",
        "property_damage": f"CANARY-DAMAGE-{tag}",
        "narrative": f"CANARY-NARRATIVE-{tag} what the witness told the officer",
        "police_report_number": f"CANARY-PR-{tag}",
    }


def canary_people(tag: str) -> list[dict]:
    return [
        {"role": "witness", "name": f"CANARY-WITNESS-{tag}", "contact": f"canary-contact-{tag}@example.invalid",
         "preferred_language": f"CANARY-LANG-{tag}", "notes": f"CANARY-PERSONNOTES-{tag}"},
        {"role": "subject", "name": f"CANARY-SUBJECT-{tag}", "contact": "555-0199-CANARY", "preferred_language": "Spanish", "notes": ""},
    ]


def make_canary_incident(staff, *, tag: str, publish: bool, state: str = "investigation", summary: str = "", precision: str = "block", days_ago: int = 10, **overrides):
    """An incident with canaries in every private field and a case note, driven through the real
    workflow; closed ones get a finding whose text is a canary too."""
    start = timezone.now() - timedelta(days=days_ago)
    fields = {**canary_fields(tag), "occurred_start": start, "occurred_end": start + timedelta(minutes=30), **overrides}
    target = "investigation" if state == "closed" else state
    incident = make_incident_in_state(
        target, reporter=staff.reporter, supervisor=staff.supervisor, investigator=staff.investigator,
        people=canary_people(tag), **fields,
    )
    if state in ("investigation", "closed"):
        add_note(incident, actor=staff.investigator, text=f"CANARY-NOTE-{tag}")
    if state == "closed":
        incident = apply_transition(incident, "propose_findings", actor=staff.investigator, reason=f"CANARY-FINDING-{tag}", outcome="sustained")
        incident = apply_transition(incident, "approve_findings", actor=staff.supervisor, reason=f"CANARY-APPROVAL-{tag}")
    if summary or publish:
        incident = set_public_summary(incident, actor=staff.supervisor, text=summary or f"Agents stopped a car near the park ({tag}).")
    if publish:
        incident = publish_incident(incident, actor=staff.release_officer, precision=precision)
    return incident


@pytest.fixture
def signing_key(settings):
    """The deployment's signing key, made once if this checkout has none yet (as the releases
    tests do), so publishing can sign manifests."""
    from tests.factories.releases import ensure_signing_key

    return ensure_signing_key()


@pytest.fixture
def second_officer(make_user):
    return make_second_officer(make_user)


def make_second_officer(make_user):
    return make_user(Role.RELEASE_OFFICER, "canary-release2-u", first_name="Canaryapproverfirst", last_name="Canaryapproverlast")


def release_footage(incident, staff, *, approver, publish: bool = True):
    """Footage of `incident` through the real release workflow: requested by the investigator,
    rendered by the real pipeline, checked, approved by a second officer and published."""
    from tests.factories.releases import approve_and_publish, clear_all_findings, make_release_in_review, make_video_footage

    footage = make_video_footage(incident=incident, uploaded_by=staff.investigator)
    release = make_release_in_review(footage=footage, requested_by=staff.investigator)
    if not publish:
        return release
    release = clear_all_findings(release, officer=staff.release_officer)
    return approve_and_publish(release, approver=approver)


def released_per_module(make_released):
    """A module's `released` fixture: what `make_released(staff)` publishes, made once for the
    module (tests/module_data.py) for tests that only read it; each test gets its own copy."""
    from tests.factories.accounts import ensure_role_groups, make_user
    from tests.module_data import copy_for_a_test, made_once

    @pytest.fixture(scope="module")
    def _released_once(django_db_setup, django_db_blocker):
        def release():
            ensure_role_groups()
            return make_released(make_staff(make_user))

        yield from made_once(django_db_blocker, release)

    @pytest.fixture
    def released(_released_once, db):
        return copy_for_a_test(_released_once)

    return _released_once, released
