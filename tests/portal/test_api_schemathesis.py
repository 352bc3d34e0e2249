"""Schemathesis against the schema the portal serves at /api/schema/: every operation, for several
roles, with generated valid and invalid requests, some aimed at real objects. Every answer must be
a documented status with a documented body, and never a 5xx.

Bounded and reproducible: a few examples per operation, derandomized, no example database, so a
run takes the same path every time and on every machine. The tus upload endpoints are in it too:
their description is written by hand (footage/tus_schema.py), and a chunk is sent as raw bytes."""

from __future__ import annotations

import copy
import functools

import pytest
import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from rest_framework.authtoken.models import Token
from schemathesis import Case, GenerationMode
from schemathesis import checks

from portal.roles import Role
from footage.uploads import create_upload
from releases.workflow import request_release
from tests.factories.footage import make_footage
from tests.factories.incidents import make_incident, make_incident_in_state, make_published_incident
from tests.factories.releases import ensure_signing_key

# On one worker: the cases each process draws and makes once serve all seven tests there.
pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("schemathesis")]

CHECKS = [checks.not_a_server_error, checks.status_code_conformance, checks.content_type_conformance,
          checks.response_schema_conformance, checks.response_headers_conformance]
EXAMPLES_PER_OPERATION = 12

# A tus chunk is raw bytes, as application/octet-stream is.
schemathesis.serializer.alias("application/offset+octet-stream", "application/octet-stream")


@functools.cache
def _served_schema():
    """The schema /api/schema/ serves, read once per process: it is the same for every test."""
    return schemathesis.openapi.from_wsgi("/api/schema/?format=json", WSGIHandler())


@pytest.fixture
def schema():
    # The test transaction holds every row the run makes; Django's own test client keeps the
    # connection open across requests the same way.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield _served_schema()
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


def _fresh(case: Case, path_parameters: dict) -> Case:
    """A copy of a case drawn earlier, with `path_parameters` over its own: sending a case leaves
    state on it, and a role's request must carry nothing another's left."""
    def own(value):
        return copy.deepcopy(value) if isinstance(value, (dict, list)) else value

    return type(case)(case.operation, case.method, case.path, path_parameters={**case.path_parameters, **path_parameters},
                      headers=copy.deepcopy(case.headers), cookies=own(case.cookies), query=own(case.query),
                      body=own(case.body), media_type=case.media_type, multipart_content_types=case.multipart_content_types,
                      meta=copy.deepcopy(case._meta))


@pytest.fixture
def world(people, settings, tmp_path):
    """Real objects for path parameters to hit: a draft, a case under investigation with footage,
    a requested release and an unfinished upload (the investigator's), and a closed, published case."""
    settings.EVIDENCE_ROOT = tmp_path / "evidence"
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.UPLOAD_TEMP_DIR = tmp_path / "uploads"
    ensure_signing_key()  # as a deployment has: a case package is signed with it
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


class _Caller:
    """Sends cases as `role`. One case revokes the caller's token (DELETE /api/auth/token/): it
    is put back after any case sent to /api/auth/, or every later case would be answered 401, as
    nobody."""

    def __init__(self, role, people):
        # A token made here and now: valid whatever expiry rule the token sign-in applies.
        self.user = {Role.INVESTIGATOR: people.investigator, Role.SUPERVISOR: people.supervisor,
                     Role.RELEASE_OFFICER: people.release_officer, Role.AUDITOR: people.auditor}.get(role)
        self.key = Token.objects.create(user=self.user).key if self.user else None

    def send(self, case: Case) -> None:
        try:
            case.call_and_validate(headers={"Authorization": f"Token {self.key}"} if self.key else {}, checks=CHECKS)
        finally:
            if self.key and case.operation.path.startswith("/api/auth/"):
                Token.objects.get_or_create(key=self.key, defaults={"user": self.user})


# Derandomized and never shrunk, Hypothesis draws the same cases whichever role sends them (its
# draws do not depend on the answers): each process draws an operation's cases once, for the
# first test that needs them, and every role's test sends copies, at its own real objects.
_DRAWN: dict[str, list[tuple[int | None, Case]]] = {}


def _fuzz_cases(operation, world) -> list[Case]:
    """Schemathesis' valid and invalid requests for `operation`, half of them at real objects."""
    real = _real_path_parameters(operation, world)
    if operation.label not in _DRAWN:
        strategies = []
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            strategies.append(operation.as_strategy(generation_mode=mode).map(lambda case: (None, case)))
            for number, params in enumerate(real):
                strategies.append(operation.as_strategy(generation_mode=mode, path_parameters=params)
                                  .map(lambda case, number=number: (number, case)))
        drawn = []

        @given(case=st.one_of(strategies))
        @settings(max_examples=EXAMPLES_PER_OPERATION, derandomize=True, database=None, deadline=None,
                  suppress_health_check=list(HealthCheck), phases=[Phase.explicit, Phase.generate])
        def draw(case):
            drawn.append(case)

        draw()
        _DRAWN[operation.label] = drawn
    return [_fresh(case, {} if number is None else real[number]) for number, case in _DRAWN[operation.label]]


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES, ids=lambda r: r or "anonymous")
def test_every_operation_answers_as_its_schema_says(role, people, world, schema):
    """Schemathesis' fuzzing: valid and invalid requests, half of them at real objects."""
    caller = _Caller(role, people)
    failures = []
    for result in schema.get_all_operations():
        operation = result.ok()
        for case in _fuzz_cases(operation, world):
            try:
                caller.send(case)
            except (Exception, BaseExceptionGroup) as exc:  # every operation's failures are reported together
                failures.append(f"{operation.method.upper()} {operation.path}: {exc}\n{case!r}")
                break
    assert not failures, "\n\n".join(failures)


# The coverage phase's cases are deterministic: each process makes an operation's once.
_COVERAGE: dict[str, list[Case]] = {}


def _coverage_cases(schema, operation) -> list[Case]:
    if operation.label not in _COVERAGE:
        cases = list(schema.iter_coverage_cases(
            operation, generation_modes=[GenerationMode.POSITIVE, GenerationMode.NEGATIVE],
            generation_config=schema.config.generation_for(operation=operation)))
        step = max(1, len(cases) // COVERAGE_CASES_PER_OPERATION)
        _COVERAGE[operation.label] = cases[::step]
    return _COVERAGE[operation.label]


@pytest.mark.django_db
@pytest.mark.parametrize("role", [Role.SUPERVISOR, None], ids=lambda r: r or "anonymous")
def test_boundary_and_malformed_requests_answer_as_the_schema_says(role, people, world, schema):
    """Schemathesis' coverage phase: each field at its limits, missing, of the wrong type;
    deterministic, a spread of up to COVERAGE_CASES_PER_OPERATION of them per operation."""
    caller = _Caller(role, people)
    failures = []
    for result in schema.get_all_operations():
        operation = result.ok()
        real = _real_path_parameters(operation, world)
        for number, case in enumerate(_coverage_cases(schema, operation)):
            try:
                caller.send(_fresh(case, {}))
                if real:  # the same request once more, at a real object
                    caller.send(_fresh(case, real[number % len(real)]))
            except (Exception, BaseExceptionGroup) as exc:
                failures.append(f"{operation.method.upper()} {operation.path}: {exc}")
                break
    assert not failures, "\n\n".join(failures)
