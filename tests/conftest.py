"""Fixtures shared by the whole suite.

The suite runs against the real PostgreSQL and Redis that `make test` (scripts/testenv.py)
starts; it refuses to run on anything else rather than pass on a database the product does not
use in production.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest


# Playwright's sync API runs an event loop in the test thread; the ORM calls tests make beside it
# are still synchronous and safe.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = "/usr/bin/chromium"


def pytest_configure(config):
    if not os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://")):
        raise pytest.UsageError(
            "The test suite runs on real PostgreSQL and Redis: run it with `make test`, "
            "which starts both (or set DATABASE_URL and REDIS_URL yourself)."
        )
    config.pluginmanager.register(_GroupsInNodeIds(), "portal-xdist-groups-in-node-ids")


# Seconds each: they transcode or recognise speech for real, or start Django, a storage server or a
# CPU-bound tool in a process of their own.
SLOW = ("tests/media/test_transcode.py", "tests/media/test_transcribe.py", "tests/portal/test_deployment.py",
        "tests/portal/test_storage_s3.py", "tests/test_web_imports.py",
        "tests/media/test_runner.py::test_a_tool_over_its_cpu_limit_is_stopped")



@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config, items):
    """Marked by what they use, whatever their module says: a test that drives Chromium is a
    browser test, one that serves the portal on a live port or renders with the real detector
    (tests/redaction's `clip`, `blurred`; a release rendered into review) is slow, one that reads
    or writes the database a database test (`make test-fast` runs the others: the Django-free and
    unit tests)."""
    for item in items:
        used = set(getattr(item, "fixturenames", ()))
        if used & {"browser", "page", "phone_page"}:
            item.add_marker(pytest.mark.browser)
        if used & {"live_server", "clip", "blurred", "in_review", "face_media"} or item.nodeid.startswith(SLOW):
            item.add_marker(pytest.mark.slow)
        if used & {"db", "transactional_db"} or item.get_closest_marker("django_db"):
            item.add_marker(pytest.mark.database)


class _GroupsInNodeIds:
    """`--dist loadgroup` sends the tests whose node id ends in `@group` to one worker. pytest-xdist
    3.8 adds that ending by assigning `item._nodeid`, which pytest 9.2 no longer reads (an item's
    id is `item._id`, a NodeId), so the marks were lost; this adds it where pytest reads it."""

    @pytest.hookimpl(trylast=True)
    def pytest_collection_modifyitems(self, config, items):
        from _pytest.nodeid import NodeId

        if not getattr(config.option, "loadgroup", False):
            return
        for item in items:
            marks = item.iter_markers("xdist_group")
            names = sorted({str(m.args[0] if m.args else m.kwargs.get("name", "default")) for m in marks})
            suffix = "@" + "_".join(names)
            if names and not item.nodeid.endswith(suffix):
                item._id = NodeId.parse(item.nodeid + suffix)


@pytest.fixture(autouse=True, scope="session")
def _celery_runs_tasks_in_process():
    """Tasks run inline unless a test starts a real worker (see tests/workers.py)."""
    from portal.celery import app

    app.conf.task_always_eager = True
    app.conf.task_eager_propagates = True
    yield


@pytest.fixture(autouse=True, scope="session")
def _release_renders_made_once_per_input(tmp_path_factory):
    """Each distinct render, second check and draft transcription runs the detector (or the speech
    decoder) once per test run (all workers together); a render or transcription job asked for the
    same input again gets a copy (see tests/render_cache.py)."""
    from media import transcribe
    from releases import rendering
    from tests.render_cache import caching, caching_transcription, once_per_process

    base = tmp_path_factory.getbasetemp()
    shared = base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base
    with pytest.MonkeyPatch.context() as patch:
        render, check = caching(rendering.redact_video, rendering.scan_for_unhidden_faces, shared / "release-renders")
        patch.setattr(rendering, "redact_video", render)
        patch.setattr(rendering, "scan_for_unhidden_faces", check)
        patch.setattr(rendering, "check_report", once_per_process(rendering.check_report))
        # releases.captions imports it when it transcribes; tests/media imported the engine's own.
        patch.setattr(transcribe, "transcribe_media", caching_transcription(transcribe.transcribe_media, shared / "release-renders"))
        # And each footage job's proxy, poster and strip once per distinct original.
        from footage import jobs
        from tests.render_cache import caching_derivatives

        made = caching_derivatives(jobs.make_proxy, jobs.make_poster, jobs.make_thumbnail_strip, shared / "footage-derivatives")
        for name, cached in zip(("make_proxy", "make_poster", "make_thumbnail_strip"), made):
            patch.setattr(jobs, name, cached)
        yield


@pytest.fixture(scope="session")
def django_db_setup(request, django_test_environment, django_db_blocker, tmp_path_factory):
    """pytest-django's, except that the migrations run once per run, not once per xdist worker:
    each worker's database is a copy of the one they built (tests/migrated_once.py). The suite has
    one database and no test asks for a serialized rollback."""
    from tests.migrated_once import create_worker_database, destroy_worker_database

    worker = os.environ.get("PYTEST_XDIST_WORKER", "")
    base = tmp_path_factory.getbasetemp()
    verbosity = request.config.option.verbose
    with django_db_blocker.unblock():
        original_name = create_worker_database(worker, base.parent if worker else base, verbosity)
    yield
    with django_db_blocker.unblock():
        destroy_worker_database(original_name, verbosity)


# What the migrations made and no test changes: kept by the flush after a transactional test, so
# that neither the flush's post_migrate (every app's permissions) nor the next test's role groups
# are made again.
KEPT_BY_THE_FLUSH = {"django_content_type", "auth_permission", "auth_group", "auth_group_permissions"}


@pytest.fixture(autouse=True, scope="session")
def _flush_can_empty_append_only_tables():
    """Transactional tests end by emptying every table, which the append-only triggers refuse.
    The test harness (a superuser) empties them with triggers off, the same way an operator with
    superuser rights could; the application's connections never do this. It deletes the rows
    rather than TRUNCATE, which makes new files for every table and index: a test leaves a few
    rows in each."""
    from django.db.backends.postgresql.operations import DatabaseOperations

    original = DatabaseOperations.sql_flush

    def sql_flush(self, style, tables, *, reset_sequences=False, allow_cascade=False):
        tables = [table for table in tables if table not in KEPT_BY_THE_FLUSH]
        if reset_sequences:
            statements = original(self, style, tables, reset_sequences=reset_sequences, allow_cascade=allow_cascade)
        else:
            statements = [f"DELETE FROM {self.quote_name(table)};" for table in tables]
        return ["SET LOCAL session_replication_role = replica", *statements] if statements else statements

    DatabaseOperations.sql_flush = sql_flush
    yield
    DatabaseOperations.sql_flush = original


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    """PBKDF2 at production strength costs about a second per account on a 2-core machine;
    the suite creates hundreds. Sign-in still goes through the real forms and backends."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _the_site_language_at_the_start():
    """A request through LocaleMiddleware leaves its language active in the thread afterwards, so
    a test that reads translated labels directly would depend on which test ran before it on its
    worker (under pytest-xdist the order changes from run to run)."""
    from django.conf import settings
    from django.utils import translation

    with translation.override(settings.LANGUAGE_CODE):
        yield


@pytest.fixture(autouse=True)
def _a_public_data_version_of_its_own():
    """The database is rolled back between tests, the shared cache is not: a page the public
    site kept in one test must never be served in the next."""
    from django.core.cache import cache

    from public.data_version import KEY

    cache.delete(KEY)


@pytest.fixture(scope="session")
def _audit_checkpoint_base(tmp_path_factory):
    return tmp_path_factory.mktemp("audit-checkpoints")


@pytest.fixture(autouse=True)
def _audit_checkpoints_in_a_folder_of_their_own(settings, _audit_checkpoint_base):
    """Checkpoint files are checked by verify_audit_chain: one test's must never meet another's
    database, nor the developer's var/. The folder is only created when a checkpoint is signed."""
    settings.AUDIT_CHECKPOINT_KEY = str(_audit_checkpoint_base / "audit-checkpoint-key.pem")
    settings.AUDIT_CHECKPOINT_DIR = _audit_checkpoint_base / os.urandom(8).hex()


@pytest.fixture
def role_groups(db):
    """The role groups the migration made (see tests/factories/accounts.py)."""
    from tests.factories.accounts import ensure_role_groups

    ensure_role_groups()


@pytest.fixture
def make_user(role_groups):
    from tests.factories.accounts import make_user

    return make_user


@pytest.fixture
def people(make_user):
    """The usual cast (tests/factories/accounts.py). App conftests may define their own cast; a
    module whose tests all use it may make it once (tests/people_per_module.py)."""
    from tests.factories.accounts import make_cast

    return make_cast()


@pytest.fixture
def api_client():
    from rest_framework.test import APIClient

    def client_for(user=None):
        client = APIClient()
        if user is not None:
            from rest_framework.authtoken.models import Token

            token, _ = Token.objects.get_or_create(user=user)
            client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
        return client

    return client_for


# ---- the browser -------------------------------------------------------------------------------

@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: `make test` installs Debian's chromium package.")
    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--disable-dev-shm-usage",
            ],
        )
        yield browser
        browser.close()


@pytest.fixture(autouse=True)
def _live_server_requests_end_before_the_database_is_emptied(request):
    """A page closed at the end of a test can leave a request running in the live server (a video
    still streaming, which records custody); emptying the database under it deadlocks. Set up after
    the test database, so this waits for those requests before it is emptied."""
    if "live_server" not in request.fixturenames:
        yield
        return
    request.getfixturevalue("transactional_db")
    server = request.getfixturevalue("live_server")
    yield
    deadline = time.monotonic() + 30
    for thread in list(getattr(getattr(server.thread, "httpd", None), "_threads", None) or ()):
        thread.join(max(0.0, deadline - time.monotonic()))


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-US")
    page = context.new_page()
    page.set_default_timeout(15_000)
    from tests.browser import watch_csp_violations

    csp_violations = watch_csp_violations(page)
    yield page
    context.close()
    assert csp_violations == [], f"the Content-Security-Policy refused something the page needed: {csp_violations}"


@pytest.fixture
def phone_page(browser):
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True, locale="en-US")
    page = context.new_page()
    page.set_default_timeout(15_000)
    from tests.browser import watch_csp_violations

    csp_violations = watch_csp_violations(page)
    yield page
    context.close()
    assert csp_violations == [], f"the Content-Security-Policy refused something the page needed: {csp_violations}"


# What a module that makes `people` once for all its tests needs beside the fixture it imports.
from tests.people_per_module import _cast_of_the_module  # noqa: E402, F401
