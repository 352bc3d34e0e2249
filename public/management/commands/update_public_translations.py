"""Refresh the public site's translation catalogues in locale/ and compile them.

    .venv/bin/python manage.py update_public_translations

Only the public side is collected (staff pages are English only): the public app, the public and
shared base templates and the error pages. Existing translations are kept; new strings arrive
empty, and tests/public/test_caching_and_queries.py fails until Spanish has them all. Commit the
.po and the .mo files: deployments need no gettext tools.
"""

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand

LANGUAGE_DIRS = ["es", "ht", "zh_Hant", "zh_Hans", "vi", "kea", "ru", "ar", "pt_BR", "fr", "so"]
NOT_PUBLIC = [
    ".venv/*", "incidents/*", "footage/*", "releases/*", "portal/*", "tests/*", "bench/*", "scripts/*",
    "static/*", "staticfiles/*", "var/*", "templates/staff/*", "templates/registration/*", "*.egg-info/*",
]


class Command(BaseCommand):
    help = __doc__.strip().splitlines()[0]

    def handle(self, *args, **options):
        import os

        os.chdir(settings.BASE_DIR)
        call_command("makemessages", locale=LANGUAGE_DIRS, ignore_patterns=NOT_PUBLIC, no_wrap=True, no_location=True, verbosity=0)
        call_command("compilemessages", ignore_patterns=[".venv", ".venv/*"], verbosity=0)
        self.stdout.write(self.style.SUCCESS("Catalogues in locale/ updated and compiled."))
