"""List the footage whose retention has ended for a records officer, and finish deletion batches
a dead worker left; what the daily `footage.tasks.run_retention` does. Never deletes on its own."""

from django.core.management.base import BaseCommand

from footage.deletion import propose_batch, resume_approved_batches


class Command(BaseCommand):
    help = "List expired footage for a records officer's approval and resume approved deletion batches."

    def handle(self, *args, **options):
        batch = propose_batch()
        self.stdout.write(f"Listed deletion batch {batch.pk} ({batch.items.count()} items) for approval." if batch else "Nothing new is due.")
        self.stdout.write(f"Resumed {resume_approved_batches()} approved batch(es).")
