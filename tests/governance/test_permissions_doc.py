"""docs/permissions.md is generated from governance/roles.py and cannot drift; the seeded
groups hold exactly the roles' permissions."""

import pytest
from django.contrib.auth.models import Group, Permission
from django.core.management import CommandError, call_command

from governance import roles
from governance.management.commands.permissions_doc import doc_path
from governance.permissions_doc import permissions_doc_render


def test_the_committed_document_is_the_generated_one():
    assert doc_path().read_text(encoding="utf-8") == permissions_doc_render(), (
        "docs/permissions.md is stale: run `manage.py permissions_doc`"
    )


def test_the_document_marks_each_role_on_its_permissions():
    text = permissions_doc_render()
    row = next(line for line in text.splitlines() if line.startswith("| product | `approve` |"))
    marks = [cell.strip() for cell in row.strip("|").split("|")][2:]
    holders = {role for role, mark in zip(roles.ORDER, marks, strict=True) if mark == "✓"}
    assert holders == {roles.ADMINISTRATOR, roles.PRODUCT_DATA_OWNER}
    assert "## Object scopes" in text and "## API keys" in text


def test_check_fails_on_a_stale_file(tmp_path, settings):
    settings.BASE_DIR = tmp_path
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "permissions.md").write_text("old", encoding="utf-8")
    with pytest.raises(CommandError, match="out of date"):
        call_command("permissions_doc", "--check")
    call_command("permissions_doc")
    call_command("permissions_doc", "--check")


def _held(group: Group) -> set[str]:
    return {
        f"{app}.{codename}"
        for app, codename in group.permissions.values_list("content_type__app_label", "codename")
    }


@pytest.mark.django_db
def test_the_seeded_groups_hold_exactly_the_roles():
    assert set(Group.objects.values_list("name", flat=True)) >= set(roles.ORDER)
    for name, permissions in roles.ROLES.items():
        assert _held(Group.objects.get(name=name)) == permissions, name
    every = {
        f"{app}.{codename}"
        for app, codename in Permission.objects.values_list("content_type__app_label", "codename")
    }
    assert _held(Group.objects.get(name=roles.ADMINISTRATOR)) == every


@pytest.mark.django_db
def test_the_viewer_role_only_views():
    held = _held(Group.objects.get(name=roles.VIEWER))
    assert held and all(p.split(".")[1].startswith("view_") for p in held)
