"""Scope grants: audited, idempotent, and never left behind when the category, collection,
user or group they name is deleted."""

import pytest
from django.contrib.auth.models import Group, User
from django.core.exceptions import ValidationError

from dam.models import Collection, CollectionGroupObjectPermission, CollectionUserObjectPermission
from dam.services_access import collection_grant
from governance.audit import history
from governance.models import (
    Category,
    CategoryGroupObjectPermission,
    CategoryUserObjectPermission,
)
from governance.policies import granted_category_paths, minimal_paths
from governance.services import category_delete
from governance.services_access import category_grant, category_revoke
from tests.governance.factories import CategoryFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_a_grant_is_audited_once_and_its_revocation_too():
    category, user = CategoryFactory(code="shoes"), UserFactory(username="eve")
    assert category_grant(category=category, user=user) is True
    assert category_grant(category=category, user=user) is False  # already held: no record
    assert category_revoke(category=category, user=user) is True
    assert category_revoke(category=category, user=user) is False
    changes = [record.changes for record in history(category)]
    assert changes == [{"granted": ["user eve", None]}, {"granted": [None, "user eve"]}]


def test_a_grant_names_exactly_one_grantee():
    category = CategoryFactory()
    with pytest.raises(ValidationError):
        category_grant(category=category)
    with pytest.raises(ValidationError):
        category_grant(category=category, user=UserFactory(), group=Group.objects.create(name="g"))


def test_the_grant_is_the_scope():
    root = CategoryFactory(code="root")
    child = CategoryFactory(code="child", parent=root)
    user = UserFactory()
    assert granted_category_paths(user) is None
    category_grant(category=child, user=user)
    category_grant(category=root, user=user)
    user = type(user).objects.get(pk=user.pk)
    assert granted_category_paths(user) == [root.path]  # the child is inside the root


def test_minimal_paths_drops_nested_subtrees():
    assert minimal_paths(["0001", "00010002", "0002", "00020001", "0003"]) == [
        "0001",
        "0002",
        "0003",
    ]


def test_deleting_a_category_deletes_its_grants():
    root = CategoryFactory(code="root")
    child = CategoryFactory(code="child", parent=root)
    user, group = UserFactory(), Group.objects.create(name="team")
    category_grant(category=child, user=user)
    category_grant(category=child, group=group)
    category_grant(category=root, user=user)
    root.refresh_from_db()
    root.delete()  # treebeard deletes the subtree with it
    assert not CategoryUserObjectPermission.objects.exists()
    assert not CategoryGroupObjectPermission.objects.exists()


def test_deleting_a_user_or_a_group_deletes_their_grants():
    category = CategoryFactory()
    collection = Collection.objects.create(code="spring")
    user, group = UserFactory(), Group.objects.create(name="team")
    category_grant(category=category, user=user)
    category_grant(category=category, group=group)
    collection_grant(collection=collection, user=user)
    collection_grant(collection=collection, group=group)
    user.delete()
    group.delete()
    assert not CategoryUserObjectPermission.objects.exists()
    assert not CategoryGroupObjectPermission.objects.exists()
    assert not CollectionUserObjectPermission.objects.exists()
    assert not CollectionGroupObjectPermission.objects.exists()


def test_deleting_a_collection_deletes_its_grants():
    collection = Collection.objects.create(code="spring")
    collection_grant(collection=collection, user=UserFactory())
    collection_grant(collection=collection, group=Group.objects.create(name="team"))
    collection.delete()
    assert not CollectionUserObjectPermission.objects.exists()
    assert not CollectionGroupObjectPermission.objects.exists()


def test_grants_are_made_in_the_admin_through_the_service(client):
    admin = UserFactory(username="root", is_superuser=True, is_staff=True)
    client.force_login(admin)
    category, user = CategoryFactory(code="shoes"), UserFactory(username="eve")
    response = client.post(
        "/admin/governance/categoryuserobjectpermission/add/",
        {"content_object": category.pk, "user": user.pk},
    )
    assert response.status_code == 302, response.content
    assert CategoryUserObjectPermission.objects.filter(user=user, content_object=category).exists()
    assert [r.changes for r in history(category)] == [{"granted": [None, "user eve"]}]
    grant = CategoryUserObjectPermission.objects.get()
    response = client.post(
        f"/admin/governance/categoryuserobjectpermission/{grant.pk}/delete/", {"post": "yes"}
    )
    assert response.status_code == 302
    assert not CategoryUserObjectPermission.objects.exists()
    assert history(category).first().changes == {"granted": ["user eve", None]}


def test_collection_grants_are_made_in_the_admin_through_the_service(client):
    client.force_login(UserFactory(username="root", is_superuser=True, is_staff=True))
    collection, group = Collection.objects.create(code="spring"), Group.objects.create(name="t")
    response = client.post(
        "/admin/dam/collectiongroupobjectpermission/add/",
        {"content_object": collection.pk, "group": group.pk},
    )
    assert response.status_code == 302, response.content
    assert CollectionGroupObjectPermission.objects.filter(group=group).exists()
    assert [r.changes for r in history(collection)] == [{"granted": [None, "group t"]}]


def test_a_category_that_scopes_someone_is_not_deleted_from_under_them():
    category = CategoryFactory(code="shoes")
    category_grant(category=category, user=UserFactory(username="eve"))
    category_grant(category=category, group=Group.objects.create(name="Shoe team"))
    with pytest.raises(ValidationError) as refused:
        category_delete(category=category)
    [error] = refused.value.error_dict["__all__"]
    assert error.code == "has_grants"
    assert "Shoe team, eve" in error.message % error.params
    assert CategoryUserObjectPermission.objects.count() == 1
    category_revoke(category=category, user=User.objects.get(username="eve"))
    category_revoke(category=category, group=Group.objects.get(name="Shoe team"))
    category_delete(category=category)
    assert not Category.objects.filter(code="shoes").exists()
