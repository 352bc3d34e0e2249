"""Schemathesis against the schema the portal serves at /api/schema/: every operation, for several
roles, with generated valid and invalid requests, some aimed at real objects. Every answer must be
a documented status with a documented body, and never a 5xx.

Bounded and reproducible: a few examples per operation, derandomized, no example database, so a
run takes the same path every time and on every machine. The tus upload endpoints are in it too:
their description is written by hand (footage/tus_schema.py), and a chunk is sent as raw bytes."""

from __future__ import annotations

import pytest
import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from rest_framework.authtoken.models import Token
from schemathesis import GenerationMode
from schemathesis import checks

from portal.roles import Role
from footage.uploads import create_upload
from releases.workflow import request_release
from tests.factories.footage import make_footage
from tests.factories.incidents import make_incident, make_incident_in_state, make_published_incident

pytestmark = pytest.mark.slow

CHECKS = [checks.not_a_server_error, checks.status_code_conformance, checks.content_type_conformance,
          checks.response_schema_conformance, checks.response_headers_conformance]
EXAMPLES_PER_OPERATION = 12

# A tus chunk is raw bytes, as application/octet-stream is.
schemathesis.serializer.alias("application/offset+octet-stream", "application/octet-stream")


@pytest.fixture
def wsgi_app():
    # The test transaction holds every row the run makes; Django's own test client keeps the
    # connection open across requests the same way.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield WSGIHandler()
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def world(people, settings, tmp_path):
    """Real objects for path parameters to hit: a draft, a case under investigation with footage,
    a requested release and an unfinished upload (the investigator's), and a closed, published case."""
    settings.EVIDENCE_ROOT = tmp_path / "evidence"
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.UPLOAD_TEMP_DIR = tmp_path / "uploads"
    draft = make_incident(reporter=people.reporter)
    case = make_incident_in_state("investigation", reporter=people.reporter, supervisor=people.supervisor,
                                  investigator=people.investigator)
    published = make_published_incident(reporter=people.reporter, supervisor=people.supervisor,
                                        investigator=people.investigator)
    footage = make_footage(incident=case, uploaded_by=people.investigator, process=False)
    release = request_release(footage, actor=people.investigator)
    upload = create_upload(owner=people.investigator, incident=case, kind="body_worn", filename="bodycam.mp4",
                           device_id="BWC-0042", length=1024)
    return {
        "incidents": [draft.pk, case.pk, published.pk],
        "footage": [footage.pk],
        "releases": [release.pk],
        "references": [published.reference, case.reference],
        "uploads": [str(upload.pk)],
    }


def _real_path_parameters(operation, world) -> list[dict]:
    """The path parameters of `operation` filled with ids of real objects, one set per object."""
    path = operation.path
    names = {p.name for p in operation.path_parameters}
    if not names:
        return []
    if path.startswith("/api/releases/"):
        ids = world["releases"]
    elif path.startswith("/api/footage/"):
        ids = world["footage"]
    elif path.startswith("/api/public/"):
        return [{"reference": ref} for ref in world["references"]]
    elif path.startswith("/api/uploads/"):
        return [{"upload_id": upload_id} for upload_id in world["uploads"]]
    else:
        ids = world["incidents"]
    sets = []
    for pk in ids:
        values = {"id": pk, "incident_id": pk, "pk": pk}
        if "change_pk" in names:
            values["change_pk"] = 1
        if "index" in names:
            values["index"] = 0
        sets.append({name: values[name] for name in names if name in values})
    return [s for s in sets if set(s) == names]


# The auditor is the one role whose audit-trail reads succeed; anonymous meets every 401.
ROLES = [Role.INVESTIGATOR, Role.SUPERVISOR, Role.RELEASE_OFFICER, Role.AUDITOR, None]
COVERAGE_CASES_PER_OPERATION = 30


def _headers_for(role, people) -> dict:
    # A token made here and now: valid whatever expiry rule the token sign-in applies.
    user = {Role.INVESTIGATOR: people.investigator, Role.SUPERVISOR: people.supervisor,
            Role.RELEASE_OFFICER: people.release_officer, Role.AUDITOR: people.auditor}.get(role)
    return {"Authorization": f"Token {Token.objects.create(user=user).key}"} if user else {}


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES, ids=lambda r: r or "anonymous")
def test_every_operation_answers_as_its_schema_says(role, people, world, wsgi_app):
    """Schemathesis' fuzzing: valid and invalid requests, half of them at real objects."""
    schema = schemathesis.openapi.from_wsgi("/api/schema/?format=json", wsgi_app)
    headers = _headers_for(role, people)
    failures = []
    for result in schema.get_all_operations():
        operation = result.ok()
        strategies = []
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            strategies.append(operation.as_strategy(generation_mode=mode))
            for params in _real_path_parameters(operation, world):
                strategies.append(operation.as_strategy(generation_mode=mode, path_parameters=params))

        @given(case=st.one_of(strategies))
        @settings(max_examples=EXAMPLES_PER_OPERATION, derandomize=True, database=None, deadline=None,
                  suppress_health_check=list(HealthCheck), phases=[Phase.explicit, Phase.generate])
        def check(case):
            case.call_and_validate(headers=headers, checks=CHECKS)

        try:
            check()
        except (Exception, BaseExceptionGroup) as exc:  # every operation's failures are reported together
            failures.append(f"{operation.method.upper()} {operation.path}: {exc}")
    assert not failures, "\n\n".join(failures)


@pytest.mark.django_db
@pytest.mark.parametrize("role", [Role.SUPERVISOR, None], ids=lambda r: r or "anonymous")
def test_boundary_and_malformed_requests_answer_as_the_schema_says(role, people, world, wsgi_app):
    """Schemathesis' coverage phase: each field at its limits, missing, of the wrong type;
    deterministic, a spread of up to COVERAGE_CASES_PER_OPERATION of them per operation."""
    schema = schemathesis.openapi.from_wsgi("/api/schema/?format=json", wsgi_app)
    headers = _headers_for(role, people)
    failures = []
    for result in schema.get_all_operations():
        operation = result.ok()
        cases = list(schema.iter_coverage_cases(
            operation, generation_modes=[GenerationMode.POSITIVE, GenerationMode.NEGATIVE],
            generation_config=schema.config.generation_for(operation=operation)))
        step = max(1, len(cases) // COVERAGE_CASES_PER_OPERATION)
        real = _real_path_parameters(operation, world)
        for number, case in enumerate(cases[::step]):
            try:
                case.call_and_validate(headers=headers, checks=CHECKS)
                if real:  # the same request once more, at a real object
                    case.path_parameters = {**case.path_parameters, **real[number % len(real)]}
                    case.call_and_validate(headers=headers, checks=CHECKS)
            except (Exception, BaseExceptionGroup) as exc:
                failures.append(f"{operation.method.upper()} {operation.path}: {exc}")
                break
    assert not failures, "\n\n".join(failures)
