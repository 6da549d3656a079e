"""Signing in through the login form, as each journey's person does."""

from playwright.sync_api import Page

FACTORY_PASSWORD = "pass-word-1234"  # UserFactory's


def sign_in(page: Page, url: str, username: str, password: str = FACTORY_PASSWORD) -> None:
    """Open `url` (the login page, for someone signed out) and sign in there."""
    page.goto(url)
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
