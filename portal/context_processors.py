from django.conf import settings

from .roles import roles_of


def portal(request):
    return {
        "CITY_NAME": settings.CITY_NAME,
        "user_roles": sorted(r.value for r in roles_of(getattr(request, "user", None))),
    }
