import pytest
from playwright.sync_api import Page, expect

from tests.conftest import ARTIFACTS


@pytest.fixture
def manager(transactional_db, django_user_model):
    return django_user_model.objects.create_user(
        "pm", password="correct-horse-9", is_staff=True, is_superuser=True
    )


def test_log_in_see_the_workbench_and_the_admin(page: Page, live_server, manager):
    page.goto(f"{live_server.url}/")
    expect(page).to_have_url(f"{live_server.url}/accounts/login/?next=/")

    page.get_by_label("Username").fill("pm")
    page.get_by_label("Password").fill("correct-horse-9")
    page.get_by_role("button", name="Log in").click()

    expect(page.get_by_role("heading", name="Welcome, pm")).to_be_visible()
    nav = page.get_by_role("navigation", name="Workbench")
    for item in ("Products", "Assets", "Reviews", "Dashboard"):
        expect(nav.get_by_text(item)).to_be_visible()
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=ARTIFACTS / "workbench-home.png", full_page=True)

    page.get_by_role("link", name="Admin").click()
    expect(page.get_by_role("link", name="Tessera administration")).to_be_visible()
    expect(page.get_by_role("heading", name="Site administration")).to_be_visible()
    page.screenshot(path=ARTIFACTS / "admin-home.png", full_page=True)

    page.goto(f"{live_server.url}/")
    page.get_by_role("button", name="Log out").click()
    expect(page).to_have_url(f"{live_server.url}/accounts/login/")
