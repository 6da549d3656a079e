"""The Viewer role and read keys change nothing, anywhere: every write in the permission
matrix refuses them, and no admin page lets a Viewer add, change or delete."""

import pytest
from django.contrib import admin
from django.contrib.auth.models import Group
from django.test import RequestFactory

from governance import roles
from tests.governance.factories import UserFactory
from tests.permission_matrix.routes import ROUTES

WRITES = ("post", "put", "patch", "delete")
# Marking one's own notification read changes no content; signing in and out are not writes;
# the naming-rule tester only answers what a file name would yield; saved grid views are one's
# own preferences; an export writes a file of what its starter may read anyway.
NOT_CONTENT = {
    "export-list",
    "workbench-exports",
    "notification-read",
    "login",
    "logout",
    "naming-rule-test",
    "workbench-products-view-save",
    "workbench-products-view-delete",
}


@pytest.mark.parametrize("principal", ["viewer", "read_key"])
def test_the_matrix_refuses_every_write_to_read_only_principals(principal):
    cells = [
        (name, method, statuses[principal])
        for name, route in ROUTES.items()
        for method, statuses in route.methods.items()
        if method in WRITES and name not in NOT_CONTENT
    ]
    assert len(cells) > 50
    # A key is no login: the workbench's pages send it to the login page (302), refused.
    refused = (403, 404, 302) if principal == "read_key" else (403, 404)
    allowed = [(name, method, status) for name, method, status in cells if status not in refused]
    assert not allowed, allowed


@pytest.mark.django_db
def test_no_admin_page_lets_a_viewer_write():
    viewer = UserFactory(username="viewer", is_staff=True)
    viewer.groups.add(Group.objects.get(name=roles.VIEWER))
    request = RequestFactory().get("/admin/")
    request.user = viewer
    writable = []
    for model, model_admin in admin.site._registry.items():
        for check in ("has_add_permission", "has_change_permission", "has_delete_permission"):
            if getattr(model_admin, check)(request):
                writable.append(f"{model._meta.label}.{check}")
    assert not writable, writable


@pytest.mark.django_db
def test_a_viewer_cannot_post_an_admin_form(client):
    viewer = UserFactory(username="viewer", is_staff=True)
    viewer.groups.add(Group.objects.get(name=roles.VIEWER))
    client.force_login(viewer)
    assert client.get("/admin/pim/product/").status_code == 200
    assert client.get("/admin/pim/product/add/").status_code == 403
    response = client.post("/admin/governance/locale/add/", {"code": "xx_XX"})
    assert response.status_code == 403
