from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from portal.database_roles import RoleError, grant_app_role


class Command(BaseCommand):
    help = (
        "Run as the tables' owner after `migrate`: give the application's database role SELECT, INSERT, "
        "UPDATE and DELETE on the tables and USAGE on the sequences, and no UPDATE or DELETE on the append-only tables."
    )

    def add_arguments(self, parser):
        parser.add_argument("role", help="the application's PostgreSQL role (owns nothing, not a superuser)")

    def handle(self, *args, role, **opts):
        try:
            with transaction.atomic():
                tables = grant_app_role(role)
        except RoleError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(self.style.SUCCESS(f"{role}: granted; append-only, no UPDATE or DELETE: {', '.join(tables) or 'none'}"))
