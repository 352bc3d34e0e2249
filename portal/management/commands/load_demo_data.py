import importlib
import importlib.util

from django.core.management.base import BaseCommand

from portal.demo import demo_otpauth_uri, demo_password, demo_totp_secret, enrol_demo_accounts, ensure_demo_users
from portal.tasks import record_worker_heartbeat, sign_audit_checkpoint

# Each app that has demo data offers `load(users, stdout)`; it must be idempotent, because
# `make run` calls this command on every start.
APP_DEMO_MODULES = ["incidents.demo", "footage.demo", "releases.demo", "public.demo"]


class Command(BaseCommand):
    help = "Create demo users for every role and demo data (idempotent)."

    def add_arguments(self, parser):
        parser.add_argument("--accounts-only", action="store_true",
                            help="only the demo accounts and their second factor (make run loads the rest beside the running portal)")

    def handle(self, *args, **opts):
        password, fresh = demo_password()
        users = ensure_demo_users(password)
        for name in APP_DEMO_MODULES:
            if opts["accounts_only"] or importlib.util.find_spec(name) is None:
                continue
            importlib.import_module(name).load(users=users, stdout=self.stdout)
        secret, fresh_secret = demo_totp_secret()
        enrol_demo_accounts(secret)
        # A first health check, so the staff home shows the worker answering straight away.
        record_worker_heartbeat.delay()
        if not opts["accounts_only"]:
            # And a first signed checkpoint, so /audit/checkpoints/ has one (signs nothing if none moved).
            sign_audit_checkpoint.delay()
        self.stdout.write(self.style.SUCCESS("Demo users: " + ", ".join(u.username for u in users.values())))
        self.stdout.write(f"Demo password: {password}" + ("  (generated; kept in var/demo-password.txt)" if fresh else ""))
        self.stdout.write(
            f"Demo second factor (TOTP, the same for every demo account): {secret}"
            + ("  (generated; kept in var/demo-totp-secret.txt)" if fresh_secret else "")
        )
        self.stdout.write(f"Add it to an authenticator app once: {demo_otpauth_uri(secret)}")
