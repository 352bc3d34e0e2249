"""Helpers for tests that drive Chromium: signing in through the real form, and axe-core."""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import urljoin

from django.conf import settings

from tests.personas import PASSWORD, TOTP_KEY, otp_code

ROOT = Path(__file__).resolve().parent.parent


def sign_in(page, live_server_url: str, username: str, password: str = PASSWORD) -> None:
    """Username, password and the current code of the account's authenticator (see make_user)."""
    from django.contrib.auth.models import User

    from portal import mfa

    user = User.objects.get(username=username)
    if not mfa.has_second_factor(user):
        # An account made outside make_user (demo data, say) gets the suite's known authenticator.
        mfa.enrol_with_secret(user=user, key_hex=TOTP_KEY)
    page.goto(f"{live_server_url}/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_label("Code from your authenticator app").fill(otp_code(user))
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state("domcontentloaded")


AXE_JS = ROOT / "static" / "vendor" / "axe-core" / "axe.min.js"


def axe_violations(page) -> list[dict]:
    """Run axe-core's WCAG 2.1 A and AA rules on the page as it stands."""
    # From the site itself: the Content-Security-Policy refuses a script injected inline.
    page.add_script_tag(url=urljoin(page.url, settings.STATIC_URL + "vendor/axe-core/axe.min.js"))
    result = page.evaluate(
        """async () => await axe.run(document, {
            runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']},
            resultTypes: ['violations'],
        })"""
    )
    return result["violations"]


def assert_accessible(page) -> None:
    violations = axe_violations(page)
    summary = [
        {"rule": v["id"], "impact": v["impact"], "help": v["help"], "targets": [n["target"] for n in v["nodes"]][:5]}
        for v in violations
    ]
    assert not violations, f"axe-core WCAG 2.1 AA violations on {page.url}:\n{json.dumps(summary, indent=1)}"


def watch_csp_violations(page) -> list[str]:
    """The list, one per page, that fills with every Content-Security-Policy violation Chromium
    reports on `page`, across navigations (Chromium logs each refusal to the console). The `page`
    fixtures fail a test that leaves anything in it."""
    if not hasattr(page, "csp_violations"):
        page.csp_violations = []
        page.on("console", lambda message: page.csp_violations.append(f"{page.url}: {message.text}")
                if "Content Security Policy" in message.text else None)
    return page.csp_violations
