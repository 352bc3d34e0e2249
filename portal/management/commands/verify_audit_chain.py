from django.apps import apps
from django.core.management.base import BaseCommand, CommandError

from portal.hashchain import ChainedEvent, verify_chain


class Command(BaseCommand):
    help = "Recompute the hash chain of every append-only event table and report where it breaks."

    def handle(self, *args, **opts):
        broken = False
        for model in apps.get_models():
            if not issubclass(model, ChainedEvent):
                continue
            report = verify_chain(model)
            if report.ok:
                self.stdout.write(self.style.SUCCESS(f"{report.table}: {report.checked} events, chain intact."))
                continue
            broken = True
            self.stdout.write(self.style.ERROR(f"{report.table}: {report.checked} events, {len(report.breaks)} break(s):"))
            for b in report.breaks:
                self.stdout.write(f"  event {b.event_id}: {b.reason}")
        if broken:
            raise CommandError("The audit chain is broken; see above for the first altered events.")
