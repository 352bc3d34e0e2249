from django.core.management.base import BaseCommand

from portal.transparency_log import sign_tree_head


class Command(BaseCommand):
    help = "Sign the public log's tree head if entries were added since the last one (normally done after each entry)."

    def handle(self, *args, **options):
        head = sign_tree_head()
        if head is None:
            self.stdout.write("The log is empty.")
        else:
            self.stdout.write(f"The log's tree head covers {head.tree_size} entries; root {head.root_hash}.")
