from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from releases.signing import generate_key_file, public_key_pem


class Command(BaseCommand):
    help = "Create the city's Ed25519 release-signing key (PEM, mode 0600). Refuses to overwrite one."

    def add_arguments(self, parser):
        parser.add_argument("--path", default=None, help="where to write it (default: settings.RELEASE_SIGNING_KEY)")

    def handle(self, *args, path=None, **options):
        path = path or settings.RELEASE_SIGNING_KEY
        try:
            key = generate_key_file(path)
        except FileExistsError:
            raise CommandError(f"{path} already exists; refusing to replace the key that signed earlier releases.")
        self.stdout.write(f"Wrote the release signing key to {path}.\nPublic key:\n")
        self.stdout.write(public_key_pem(key.public_key()).decode())
