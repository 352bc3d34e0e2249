from django.conf import settings
from django.utils.functional import SimpleLazyObject

from .roles import roles_of


def portal(request):
    return {
        "CITY_NAME": settings.CITY_NAME,
        # Lazy: reading the user reads the session, and a page that read it must vary on Cookie,
        # which would keep the public pages out of any shared cache.
        "user_roles": SimpleLazyObject(lambda: sorted(r.value for r in roles_of(getattr(request, "user", None)))),
    }
