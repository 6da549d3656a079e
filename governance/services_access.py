"""Grants of object scope: who may work in which category subtree. Every grant and revocation
is audited on the category."""

from django.contrib.auth.models import Group, Permission
from django.core.exceptions import ValidationError
from django.db import models, transaction
from guardian.models import GroupObjectPermissionBase, UserObjectPermissionBase

from governance.audit import audit_record
from governance.models import AuditAction, Category

WORK_IN_CATEGORY = "governance.work_in_category"


def grantee_label(*, user=None, group: Group | None = None) -> str:
    """E.g. "user alice" or "group Editors EU", as the audit trail shows a grantee."""
    if (user is None) == (group is None):
        raise ValidationError("Name either a user or a group.", code="grantee")
    return f"user {user.get_username()}" if user is not None else f"group {group.name}"


def scope_grant(*, obj: models.Model, permission: str, user=None, group=None) -> bool:
    """Grant `permission` on `obj` to a user or a group and audit it; False if they held it
    already (nothing recorded)."""
    label = grantee_label(user=user, group=group)
    rows, grant = _grant(obj, user=user, group=group)
    _, created = rows.get_or_create(**grant, permission=_permission(permission))
    if created:
        audit_record(obj=obj, action=AuditAction.UPDATE, changes={"granted": [None, label]})
    return created


def scope_revoke(*, obj: models.Model, permission: str, user=None, group=None) -> bool:
    """Withdraw `permission` on `obj` from a user or a group and audit it; False if they did
    not hold it."""
    label = grantee_label(user=user, group=group)
    rows, grant = _grant(obj, user=user, group=group)
    deleted, _ = rows.filter(**grant, permission=_permission(permission)).delete()
    if deleted:
        audit_record(obj=obj, action=AuditAction.UPDATE, changes={"granted": [label, None]})
    return bool(deleted)


def _permission(name: str) -> Permission:
    app_label, codename = name.split(".")
    return Permission.objects.get(content_type__app_label=app_label, codename=codename)


def _grant(obj, *, user, group):
    """The object's own (direct foreign key) grant table for users or for groups, and the
    grant's fields. Never guardian's generic table: its rows would outlive the object."""
    base = UserObjectPermissionBase if user is not None else GroupObjectPermissionBase
    for relation in type(obj)._meta.related_objects:
        if issubclass(relation.related_model, base) and relation.field.name == "content_object":
            grantee = {"user": user} if user is not None else {"group": group}
            return relation.related_model.objects, {"content_object": obj, **grantee}
    raise TypeError(f"{type(obj).__name__} has no direct-FK object permission table.")


@transaction.atomic
def category_grant(*, category: Category, user=None, group: Group | None = None) -> bool:
    """Let a user or group work in `category` and its subtree (scoping them); audited."""
    return scope_grant(obj=category, permission=WORK_IN_CATEGORY, user=user, group=group)


@transaction.atomic
def category_revoke(*, category: Category, user=None, group: Group | None = None) -> bool:
    """Withdraw a category grant; audited. With no grant left the user is unscoped again."""
    return scope_revoke(obj=category, permission=WORK_IN_CATEGORY, user=user, group=group)
