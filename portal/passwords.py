"""Password rules beyond Django's own validators (configured in settings.AUTH_PASSWORD_VALIDATORS)."""

from __future__ import annotations

from django.core.exceptions import ValidationError


class NotBuiltFromUsernameValidator:
    """Refuse a password that contains the username: `weakuser1weakuser1` for `weakuser1` passed
    Django's similarity check (ratio 0.67 against its 0.7) and is the first thing an attacker tries."""

    min_username_length = 3

    def validate(self, password: str, user=None) -> None:
        username = (getattr(user, "username", "") or "").lower()
        if len(username) >= self.min_username_length and username in (password or "").lower():
            raise ValidationError("The password must not contain the username.", code="password_contains_username")

    def get_help_text(self) -> str:
        return "Your password must not contain your username."
