from django.core.management.base import BaseCommand, CommandError

from portal.checkpoints import CheckpointError, sign_checkpoint
from releases.signing import SigningKeyError


class Command(BaseCommand):
    help = "Sign the head of every hash chain now (the beat schedule also does it daily), store and publish it."

    def handle(self, *args, **opts):
        try:
            signed = sign_checkpoint()
        except (SigningKeyError, CheckpointError) as exc:
            raise CommandError(str(exc)) from exc
        if not signed:
            self.stdout.write("No chain moved since its last checkpoint; nothing new to sign.")
        for cp in signed:
            self.stdout.write(self.style.SUCCESS(f"{cp.chain}: event {cp.seq} hash {cp.event_hash} signed at {cp.signed_at.isoformat()}"))
