from django.core.management.base import BaseCommand

from portal.transparency_log import log_missing_releases, sign_tree_head


class Command(BaseCommand):
    help = "Add to the public log every published release not in it yet (those published before the log existed)."

    def handle(self, *args, **options):
        added = log_missing_releases()
        sign_tree_head()
        self.stdout.write(f"Logged {len(added)} release(s).")
