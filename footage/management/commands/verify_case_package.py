"""Check a case package: the city's signature over its manifest, and every file's SHA-256."""

from django.core.management.base import BaseCommand, CommandError

from footage.packages import verify_package


class Command(BaseCommand):
    help = "Verify a case package ZIP and name any file that changed."

    def add_arguments(self, parser):
        parser.add_argument("package", help="path to the .zip")
        parser.add_argument("--public-key", help="PEM file of the city's public key (default: this deployment's key)")

    def handle(self, *args, **options):
        key = None
        if options["public_key"]:
            with open(options["public_key"], "rb") as f:
                key = f.read()
        try:
            report = verify_package(options["package"], public_key_pem_bytes=key)
        except FileNotFoundError:
            raise CommandError(f"No such file: {options['package']}") from None
        if report.problem:
            self.stderr.write(report.problem)
        self.stdout.write(f"case {report.case or '?'}: signature {'valid' if report.signature_ok else 'INVALID'}, {report.checked} files checked")
        for label, names in (("CHANGED", report.changed), ("MISSING", report.missing), ("NOT IN MANIFEST", report.unexpected)):
            for name in names:
                self.stdout.write(f"{label}: {name}")
        if not report.ok:
            raise CommandError("The package does not verify.")
        self.stdout.write("The package verifies: every file is as the city signed it.")
