from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from releases.content_credentials import create_certificate_authority


class Command(BaseCommand):
    help = (
        "Create the city's Content Credentials (C2PA) certificate authority: a root certificate and an "
        "ES256 signing certificate issued by it. Refuses to overwrite existing files."
    )

    def add_arguments(self, parser):
        parser.add_argument("--root", default=None, help="root certificate (default: settings.C2PA_ROOT_CERT)")
        parser.add_argument("--chain", default=None, help="signing chain, leaf then root (default: settings.C2PA_SIGNING_CERT_CHAIN)")
        parser.add_argument("--key", default=None, help="signing key (default: settings.C2PA_SIGNING_KEY)")
        parser.add_argument("--root-key", default=None, help="also keep the root's private key here (store it offline)")
        parser.add_argument("--city", default=None, help="organisation name in the certificates (default: settings.CITY_NAME)")

    def handle(self, *args, root=None, chain=None, key=None, root_key=None, city=None, **options):
        root = root or settings.C2PA_ROOT_CERT
        chain = chain or settings.C2PA_SIGNING_CERT_CHAIN
        key = key or settings.C2PA_SIGNING_KEY
        if not (root and chain and key):
            raise CommandError("Give --root, --chain and --key, or set C2PA_ROOT_CERT, C2PA_SIGNING_CERT_CHAIN and C2PA_SIGNING_KEY.")
        try:
            files = create_certificate_authority(
                root_cert=Path(root), chain=Path(chain), key=Path(key), city=city or settings.CITY_NAME,
                root_key=Path(root_key) if root_key else None,
            )
        except FileExistsError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(
            f"Wrote the root certificate to {files.root_cert}, the signing chain to {files.chain} and its key to {files.key}.\n"
            "The root is published at /.well-known/content-credentials-root.pem as the trust anchor.\n"
        )
