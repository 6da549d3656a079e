"""Who may see and act on assets: the role permission AND the collection scope. A user (or one
of their groups) granted `dam.work_in_collection` on collections sees and acts only on assets in
those collections or their child collections; Asset Contributors (who cannot approve) change
and submit only the drafts they uploaded."""

from django.db.models import Exists, OuterRef, Q

from dam.models import (
    Asset,
    AssetVersion,
    Collection,
    CollectionGroupObjectPermission,
    CollectionUserObjectPermission,
)
from governance.audit import history
from governance.models import AuditAction, WorkflowState
from governance.policies import Policy, api_key_of, cached_scope

WORK_IN_COLLECTION = "work_in_collection"
# Actions the uploader alone may take on their own draft unless they may approve assets.
OWN_DRAFT_ACTIONS = {"change", "submit", "delete"}


def granted_collection_ids(user) -> set[int] | None:
    """Ids of the collections (with their descendants) a person may work in; None = unscoped."""

    def compute():
        if api_key_of(user) is not None:
            return None  # a key's channel restriction concerns the catalog, not the library
        permission = Q(permission__codename=WORK_IN_COLLECTION)
        permission &= Q(permission__content_type__app_label="dam")
        mine = CollectionUserObjectPermission.objects.filter(permission, user_id=user.pk)
        groups = CollectionGroupObjectPermission.objects.filter(permission, group__user=user.pk)
        granted = set(
            Collection.objects.filter(
                Exists(mine.filter(content_object=OuterRef("pk")))
                | Exists(groups.filter(content_object=OuterRef("pk")))
            ).values_list("pk", flat=True)
        )
        return collection_descendants(granted) if granted else None

    return cached_scope(user, "collections", compute)


def collection_descendants(ids: set[int]) -> set[int]:
    """The collections and every collection below them (one query over the parent links)."""
    children: dict[int | None, list[int]] = {}
    for pk, parent in Collection.objects.values_list("pk", "parent_id"):
        children.setdefault(parent, []).append(pk)
    found, todo = set(), list(ids)
    while todo:
        pk = todo.pop()
        if pk not in found:
            found.add(pk)
            todo.extend(children.get(pk, ()))
    return found


class AssetPolicy(Policy):
    model = Asset

    def scope(self, user):
        ids = granted_collection_ids(user)
        return None if ids is None else Q(collection_id__in=sorted(ids))

    def permits(self, user, action, obj):
        if action not in OWN_DRAFT_ACTIONS or user.has_perm("dam.approve_asset"):
            return True
        if obj.workflow_state != WorkflowState.DRAFT:
            return False
        key = api_key_of(user)
        if key is not None:  # a key is no user: its uploads are known by their audit record
            return uploading_key_id(obj) == key.pk
        uploader = uploader_id(obj)
        return uploader is not None and uploader == user.pk


def uploader_id(asset: Asset) -> int | None:
    """Who uploaded the asset's first version."""
    return (
        AssetVersion.objects.filter(asset_id=asset.pk)
        .order_by("number")
        .values_list("uploaded_by_id", flat=True)
        .first()
    )


def uploading_key_id(asset: Asset) -> int | None:
    """The API key the asset was created with, if it was."""
    return (
        history(asset)
        .filter(action=AuditAction.CREATE)
        .values_list("api_key_id", flat=True)
        .first()
    )


asset_policy = AssetPolicy()
