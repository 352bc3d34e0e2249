"""The password every test account shares; tests sign in with it through the real forms.

Every account make_user creates has a confirmed authenticator with TOTP_KEY, so tests can sign in
with a real code (`otp_code`) or, when sign-in is not what they test, with `sign_in_verified`.
"""

import time

PASSWORD = "correct horse battery staple"
TOTP_KEY = "3132333435363738393031323334353637383930"  # hex, RFC 6238's test secret


def otp_code(user) -> str:
    """A code the user's authenticator would show and the server will still accept: django-otp
    refuses a time step it has already seen, so a second sign-in in the same 30 s takes the next."""
    from django_otp.oath import TOTP
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = TOTPDevice.objects.get(user=user, confirmed=True)
    now = int(time.time() - device.t0) // device.step + device.drift
    step = max(now, device.last_t + 1)
    # Within the one step of tolerance the server allows either side of now.
    assert step <= now + device.tolerance, "more sign-ins in one minute than the tolerance allows"
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, drift=0)
    totp.time = device.t0 + step * device.step
    return f"{totp.token():0{device.digits}d}"


def sign_in_verified(client, user) -> None:
    """What signing in with password and code leaves behind: a session verified by the user's
    authenticator (for tests about something else than signing in)."""
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from portal import mfa

    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    if device is None:
        device = mfa.enrol_with_secret(user=user, key_hex=TOTP_KEY)
    client.force_login(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
