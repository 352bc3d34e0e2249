import json

from django.core.management.base import BaseCommand, CommandError

from releases.signing import SigningKeyError, load_public_key_pem, load_signing_key
from releases.verification import verify_file_against_manifest


class Command(BaseCommand):
    help = "Verify a downloaded release file against its signed manifest. Exits non-zero on failure."

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("manifest", help="the manifest JSON as published: {\"manifest\": {...}, \"signature\": \"...\"}")
        parser.add_argument("--public-key", default=None, help="PEM public key file (default: this deployment's key)")

    def handle(self, *args, file, manifest, public_key=None, **options):
        try:
            with open(manifest, "rb") as f:
                document = json.load(f)
        except (OSError, ValueError) as exc:
            raise CommandError(f"Cannot read the manifest {manifest}: {exc}")
        if not isinstance(document, dict) or "manifest" not in document or "signature" not in document:
            raise CommandError("The manifest file must hold {\"manifest\": {...}, \"signature\": \"...\"}.")
        try:
            if public_key:
                with open(public_key, "rb") as f:
                    key = load_public_key_pem(f.read())
            else:
                key = load_signing_key().public_key()
        except (OSError, SigningKeyError) as exc:
            raise CommandError(str(exc))
        try:
            result = verify_file_against_manifest(file, document["manifest"], document["signature"], key)
        except OSError as exc:
            raise CommandError(f"Cannot read {file}: {exc}")
        if result.ok:
            self.stdout.write(f"OK: {file} matches the signed manifest (SHA-256 {result.sha256}, {result.size} bytes).")
            return
        for reason in result.reasons:
            self.stderr.write(f"FAILED: {reason}")
        raise CommandError("Verification failed.")
