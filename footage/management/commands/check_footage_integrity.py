"""Operators' and auditors' check, runnable any time: the custody chain is intact, and (with
--rehash) every original still has its ingest hash. Exits 1 on any problem, for cron and CI."""

from django.core.management.base import BaseCommand

from footage.custody import verify_custody_chain, verify_original
from footage.models import FootageItem


class Command(BaseCommand):
    help = "Verify the hash chain of the custody log and, with --rehash, every stored original."

    def add_arguments(self, parser):
        parser.add_argument("--rehash", action="store_true", help="re-hash every original now (slow: reads all evidence)")

    def handle(self, *args, rehash=False, **options):
        report = verify_custody_chain()
        problems = 0
        if report.ok:
            self.stdout.write(self.style.SUCCESS(f"Custody chain intact: {report.checked} entries."))
        else:
            problems += len(report.breaks)
            for item in report.breaks:
                self.stdout.write(self.style.ERROR(f"Custody entry {item.event_id}: {item.reason}"))
        if rehash:
            for item in FootageItem.objects.order_by("pk").iterator():
                if not verify_original(item, actor=None, reason="integrity check command"):
                    problems += 1
                    self.stdout.write(self.style.ERROR(f"Footage {item.pk} ({item.original_filename}): hash mismatch or missing"))
            self.stdout.write(f"Originals re-hashed: {FootageItem.objects.count()}.")
        if problems:
            raise SystemExit(1)
