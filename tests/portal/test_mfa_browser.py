"""A newcomer's first sign-in in a real browser: password, set up the app, recovery codes, home."""

import pytest
from django_otp.oath import totp

from portal import mfa
from portal.roles import Role
from tests.browser import assert_accessible
from tests.personas import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_first_sign_in_sets_up_the_app_and_shows_recovery_codes_accessibly(page, live_server, make_user):
    make_user(Role.SUPERVISOR, username="sofia", enrolled=False)
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Username").fill("sofia")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{live_server.url}/accounts/mfa/enrol/")
    page.wait_for_load_state("load")
    assert page.get_by_role("img", name="QR code").evaluate("img => img.naturalWidth") > 0
    assert_accessible(page)

    secret = page.locator("#mfa-secret").inner_text()
    page.get_by_label("Six-digit code").fill(f"{totp(bytes.fromhex(mfa.base32_to_hex(secret))):06d}")
    page.get_by_role("button", name="Confirm").click()
    assert page.get_by_role("heading", level=1).inner_text() == "Your recovery codes"
    assert page.locator("#recovery-codes li").count() == mfa.RECOVERY_CODE_COUNT
    assert_accessible(page)

    page.get_by_role("link", name="go to the staff home").click()
    assert page.get_by_role("heading", level=1).inner_text() == "Supervisor home"
