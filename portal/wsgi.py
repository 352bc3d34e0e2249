import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
django_application = get_wsgi_application()

from public.caching import PublicPageFront  # noqa: E402  (needs the settings that get_wsgi_application set up)

application = PublicPageFront(django_application)
