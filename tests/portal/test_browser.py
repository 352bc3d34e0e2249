import pytest

from portal.demo import DEMO_USERNAMES
from portal.roles import Role
from tests.browser import assert_accessible, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

HOME_HEADINGS = {
    Role.REPORTER: "Reporter home",
    Role.INVESTIGATOR: "Investigator home",
    Role.SUPERVISOR: "Supervisor home",
    Role.RELEASE_OFFICER: "Release officer home",
    Role.AUDITOR: "Auditor home",
    Role.ADMIN: "Administrator home",
}


@pytest.mark.parametrize("role", list(Role))
def test_each_role_signs_in_and_sees_its_home_page(page, live_server, make_user, role):
    user = make_user(role, username=DEMO_USERNAMES[role])
    sign_in(page, live_server.url, user.username)
    assert page.url == f"{live_server.url}/staff/"
    assert page.get_by_role("heading", level=1).inner_text() == HOME_HEADINGS[role]
    assert page.locator(f'[data-role="{role.value}"]').count() == 1
    if role == Role.ADMIN:
        assert page.get_by_role("link", name="Accounts and roles").first.is_visible()
    else:
        assert page.get_by_role("link", name="Accounts and roles").count() == 0


def test_a_wrong_password_shows_an_error_in_the_page(page, live_server, make_user):
    make_user(Role.REPORTER, username="rita")
    sign_in(page, live_server.url, "rita", password="not it")
    assert page.get_by_role("alert").inner_text().startswith("Please enter a correct username and password")


def test_the_public_home_page_meets_wcag_21_aa(page, live_server):
    page.goto(live_server.url + "/")
    assert page.get_by_role("heading", level=1).is_visible()
    assert_accessible(page)


def test_the_sign_in_page_meets_wcag_21_aa(page, live_server):
    page.goto(live_server.url + "/accounts/login/")
    assert_accessible(page)


def test_the_staff_home_meets_wcag_21_aa(page, live_server, make_user):
    sign_in(page, live_server.url, make_user(Role.SUPERVISOR).username)
    assert_accessible(page)


def test_two_administrators_create_an_account_and_confirm_its_role_on_accessible_pages(browser, live_server, make_user):
    from django.contrib.auth.models import User

    from portal.roles import roles_of

    make_user(Role.ADMIN, "ada")
    make_user(Role.ADMIN, "alan")
    for username, act in (("ada", "create"), ("alan", "confirm")):
        context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-US")
        page = context.new_page()
        page.set_default_timeout(15_000)
        sign_in(page, live_server.url, username)
        page.get_by_role("link", name="Accounts and roles").first.click()
        assert page.get_by_role("heading", level=1).inner_text() == "Accounts and roles"
        assert_accessible(page)
        if act == "create":
            page.get_by_label("Username").fill("dana")
            page.get_by_label("Password").fill("a long enough passphrase 42")
            page.locator("label.usa-checkbox__label", has_text="Investigator").first.click()  # USWDS draws its own box
            page.get_by_role("button", name="Create the account").click()
            page.wait_for_url(f"{live_server.url}/staff/accounts/*/")
            assert_accessible(page)
            assert "Another administrator confirms this." in page.locator("#pending-grants").inner_text()
        else:
            page.locator("#pending-grants").get_by_role("button", name="Confirm").click()
            page.wait_for_load_state("domcontentloaded")
        context.close()
    assert roles_of(User.objects.get(username="dana")) == {Role.INVESTIGATOR}
