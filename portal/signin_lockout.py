"""Sign-in lockout: Axes' database handler, counting failures per username and address together,
and per username alone at a higher limit.

Counting by address alone let anyone lock every member of staff out (five made-up usernames from
one address, and behind the proxy everyone shares an address); counting only the pair would let
one username be guessed at from many addresses without end, hence the second, higher limit.
"""

from __future__ import annotations

from django.conf import settings
from django.db.models import Sum
from axes.attempts import get_cool_off_threshold
from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_client_username, get_failure_limit
from axes.models import AccessAttempt


class SignInLockoutHandler(AxesDatabaseHandler):
    def get_failures(self, request, credentials=None) -> int:
        # Axes compares this one number with AXES_FAILURE_LIMIT (both before authenticating and
        # after a failure), so a username over its own, higher limit reports the lockout count.
        failures = super().get_failures(request, credentials)
        username = get_client_username(request, credentials)
        if username and self.failures_for_username(request, username) >= settings.AXES_USERNAME_FAILURE_LIMIT:
            return max(failures, get_failure_limit(request, credentials))
        return failures

    def failures_for_username(self, request, username: str) -> int:
        attempts = AccessAttempt.objects.filter(username=username)
        if settings.AXES_COOLOFF_TIME is not None:
            attempts = attempts.filter(attempt_time__gte=get_cool_off_threshold(request))
        return attempts.aggregate(total=Sum("failures_since_start"))["total"] or 0
