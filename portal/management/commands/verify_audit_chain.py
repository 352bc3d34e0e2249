from django.apps import apps
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from portal.checkpoints import (
    CheckpointError,
    check_against_checkpoints,
    checkpoint_public_key,
    directory_checkpoints,
    load_checkpoints,
    public_key_from,
    stored_checkpoints,
)
from portal.hashchain import ChainedEvent, verify_chain
from releases.signing import SigningKeyError


class Command(BaseCommand):
    help = (
        "Recompute the hash chain of every append-only event table and report where it breaks, then check "
        "the chains against every signed checkpoint (stored, in AUDIT_CHECKPOINT_DIR, and any given)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--checkpoints", action="append", default=[], metavar="FILE_OR_DIR_OR_URL",
            help="also check against these checkpoints: a copy of /audit/checkpoints.json, its URL, or a folder of checkpoint files",
        )
        parser.add_argument(
            "--public-key", default=None, metavar="PEM_FILE_OR_URL",
            help="the checkpoint public key to trust (default: the configured AUDIT_CHECKPOINT_KEY's)",
        )

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
        if not self._checkpoints_agree(opts):
            broken = True
        if broken:
            raise CommandError("The audit chain is broken; see above for the first altered events.")

    def _checkpoints_agree(self, opts) -> bool:
        try:
            stored = stored_checkpoints()
            kept = directory_checkpoints()
            given = [cp for source in opts["checkpoints"] for cp in load_checkpoints(source)]
        except CheckpointError as exc:
            raise CommandError(str(exc)) from exc
        stored_keys = {(cp.statement, cp.signature) for cp in stored}
        unstored = [cp for cp in kept if (cp.statement, cp.signature) not in stored_keys]
        if unstored:
            self.stdout.write(self.style.WARNING(
                f"{len(unstored)} checkpoint(s) in {settings.AUDIT_CHECKPOINT_DIR} are not in the database "
                "(removed there?); the chains are checked against them too."
            ))
        checkpoints = stored + kept + given
        if not checkpoints:
            self.stdout.write("No signed checkpoints yet: the chains were checked against themselves only.")
            return True
        try:
            public_key = public_key_from(opts["public_key"]) if opts["public_key"] else checkpoint_public_key()
        except (CheckpointError, SigningKeyError) as exc:
            raise CommandError(f"Cannot check the signed checkpoints: {exc}") from exc
        report = check_against_checkpoints(checkpoints, public_key)
        if report.ok:
            self.stdout.write(self.style.SUCCESS(f"{report.checked} signed checkpoint(s): every chain reaches the hash that was signed."))
            return True
        self.stdout.write(self.style.ERROR(f"{report.checked} signed checkpoint(s), {len(report.disagreements)} disagree:"))
        first = next((d for d in report.disagreements if not d.refused), None)
        if first is not None:
            self.stdout.write(self.style.ERROR(f"  first event that disagrees: {first.chain} event {first.seq}"))
        for d in report.disagreements:
            where = f"checkpoint at event {d.seq}" if d.refused else f"event {d.seq}"
            self.stdout.write(f"  {d.chain} {where}: {d.reason}")
        return False
