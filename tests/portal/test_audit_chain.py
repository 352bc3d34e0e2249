import pytest
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction

from portal.audit import record_event
from portal.hashchain import verify_chain
from portal.models import AuditEvent
from portal.roles import Role

pytestmark = pytest.mark.django_db


def _workload(user, n=25):
    for i in range(n):
        record_event(actor=user, action="test.step", object_type="test", object_id=i, reason=f"step {i}", detail={"i": i})


def test_the_chain_verifies_after_a_workload(make_user):
    _workload(make_user(Role.SUPERVISOR))
    report = verify_chain(AuditEvent)
    assert report.ok and report.checked >= 25


@pytest.mark.parametrize("statement", [
    "UPDATE portal_auditevent SET reason = 'rewritten'",
    "DELETE FROM portal_auditevent",
])
def test_the_application_cannot_change_or_remove_events(make_user, statement):
    _workload(make_user(Role.SUPERVISOR), n=3)
    with pytest.raises(DatabaseError, match="append-only"):
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(statement)
    assert AuditEvent.objects.filter(action="test.step").count() == 3


@pytest.mark.django_db(transaction=True)
def test_the_application_cannot_truncate_events(make_user):
    _workload(make_user(Role.SUPERVISOR), n=3)
    with pytest.raises(DatabaseError, match="append-only"):
        with connection.cursor() as cursor:
            cursor.execute("TRUNCATE portal_auditevent CASCADE")
    assert AuditEvent.objects.filter(action="test.step").count() == 3


def _edit_behind_the_applications_back(sql, params=()):
    """What an operator with superuser rights could do: switch triggers off and edit."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL session_replication_role = replica")
        cursor.execute(sql, params)


def test_verification_finds_an_event_edited_in_the_database(make_user):
    _workload(make_user(Role.SUPERVISOR))
    target = AuditEvent.objects.filter(action="test.step").order_by("id")[10]
    _edit_behind_the_applications_back("UPDATE portal_auditevent SET reason = 'nothing happened' WHERE id = %s", [target.id])
    report = verify_chain(AuditEvent)
    assert not report.ok
    assert report.breaks[0].event_id == target.id
    assert "edited" in report.breaks[0].reason


def test_verification_finds_a_deleted_event(make_user):
    _workload(make_user(Role.SUPERVISOR))
    target = AuditEvent.objects.filter(action="test.step").order_by("id")[5]
    _edit_behind_the_applications_back("DELETE FROM portal_auditevent WHERE id = %s", [target.id])
    report = verify_chain(AuditEvent)
    assert [b.event_id for b in report.breaks] == [target.id + 1]


def test_the_command_reports_a_break_and_fails(make_user, capsys):
    _workload(make_user(Role.SUPERVISOR), n=4)
    call_command("verify_audit_chain")
    assert "chain intact" in capsys.readouterr().out
    first = AuditEvent.objects.order_by("id").first()
    _edit_behind_the_applications_back("UPDATE portal_auditevent SET action = 'forged' WHERE id = %s", [first.id])
    with pytest.raises(CommandError):
        call_command("verify_audit_chain")
    assert f"event {first.id}" in capsys.readouterr().out
