import pytest

pytestmark = pytest.mark.django_db


def test_home_needs_a_login(client):
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/"


def test_login_page_renders(client):
    page = client.get("/accounts/login/").content.decode()
    assert 'name="username"' in page and 'name="password"' in page


def test_a_wrong_password_is_said_inline(client, django_user_model):
    django_user_model.objects.create_user("pm", password="right-password-1")
    response = client.post("/accounts/login/", {"username": "pm", "password": "wrong"})
    assert response.status_code == 200
    assert "enter a correct username and password" in response.content.decode()


def test_home_shows_the_workbench_navigation(admin_client):
    page = admin_client.get("/").content.decode()
    for label in ("Products", "Assets", "Reviews", "Dashboard"):
        assert label in page
    assert '<a href="/" aria-current="page">Home</a>' in page
