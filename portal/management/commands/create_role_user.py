import getpass
import os

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from portal.accounts import create_user_with_role, generate_password
from portal.roles import Role


class Command(BaseCommand):
    help = "Create a staff account with one role (for deployment). The password comes from --password-env, a prompt, or is generated and printed."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("role", choices=[r.value for r in Role])
        parser.add_argument("--email", default="")
        parser.add_argument("--first-name", default="")
        parser.add_argument("--last-name", default="")
        parser.add_argument("--password-env", help="name of an environment variable holding the password")
        parser.add_argument("--generate-password", action="store_true", help="generate a password and print it once")

    def handle(self, *args, **opts):
        generated = False
        if opts["password_env"]:
            password = os.environ.get(opts["password_env"])
            if not password:
                raise CommandError(f"Environment variable {opts['password_env']} is empty or unset.")
        elif opts["generate_password"]:
            password, generated = generate_password(), True
        else:
            password = getpass.getpass("Password: ")
            if password != getpass.getpass("Password (again): "):
                raise CommandError("The passwords do not match.")
        try:
            user = create_user_with_role(
                username=opts["username"],
                role=opts["role"],
                password=password,
                email=opts["email"],
                first_name=opts["first_name"],
                last_name=opts["last_name"],
            )
        except (ValueError, ValidationError) as exc:
            messages = exc.messages if isinstance(exc, ValidationError) else [str(exc)]
            raise CommandError(" ".join(messages)) from exc
        self.stdout.write(self.style.SUCCESS(f"Created {user.username} with role {opts['role']}."))
        if generated:
            self.stdout.write(f"Password: {password}")
