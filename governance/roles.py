"""The roles: Django groups whose permissions are defined here, in code, and nowhere else.

A data migration creates them (`roles_sync`), docs/permissions.md is generated from this
module (`manage.py permissions_doc`), and a test fails when either drifts. Object scopes
(category subtrees, collections) narrow a role further: see pim/policies.py, dam/policies.py.
"""

ADMINISTRATOR = "Administrator"
PRODUCT_DATA_OWNER = "Product Data Owner"
PRODUCT_EDITOR = "Product Editor"
ASSET_LIBRARIAN = "Asset Librarian"
ASSET_CONTRIBUTOR = "Asset Contributor"
METADATA_MANAGER = "Metadata Manager"
VIEWER = "Viewer"

# Everything a person may read in the catalog, the library and the shared language. (Not the
# audit trail across objects: it crosses every scope, so only the Administrator reads it;
# per-object history follows the object.)
READABLE = (
    "governance.locale",
    "governance.currency",
    "governance.channel",
    "governance.vocabulary",
    "governance.term",
    "governance.category",
    "governance.changerequest",
    "governance.qualityrun",
    "governance.qualityfinding",
    "governance.workflowtransition",
    "pim.attributegroup",
    "pim.attribute",
    "pim.family",
    "pim.familyvariant",
    "pim.associationtype",
    "pim.productmodel",
    "pim.product",
    "dam.collection",
    "dam.asset",
    "dam.assetversion",
    "dam.usageright",
    "dam.uploadpreset",
    "dam.renditionprofile",
    "linking.productassetlink",
    "linking.namingrule",
    "linking.mediarequirement",
    "linking.fallbackmedia",
    "linking.channelmediapolicy",
    "linking.taggedattribute",
    "linking.importprofile",
    "linking.scheduledexport",
)


def _crud(*models: str, actions=("add", "change", "delete")) -> set[str]:
    """["pim.product"] → {"pim.add_product", "pim.change_product", "pim.delete_product"}"""
    perms = set()
    for model in models:
        app, name = model.split(".")
        perms |= {f"{app}.{action}_{name}" for action in actions}
    return perms


VIEW = _crud(*READABLE, actions=("view",))

_EDITOR = (
    VIEW
    | _crud("pim.product", "pim.productmodel", actions=("add", "change"))
    | _crud("linking.productassetlink", "linking.importprofile")
    | {"pim.submit_product", "pim.submit_productmodel", "governance.add_changerequest"}
)
_CONTRIBUTOR = (
    VIEW
    | _crud("dam.asset", actions=("add", "change"))
    | {"dam.add_assetversion", "dam.submit_asset"}
)

# Role → the permissions its members hold ("app.codename").
ROLES: dict[str, set[str]] = {
    VIEWER: set(VIEW),
    PRODUCT_EDITOR: _EDITOR,
    PRODUCT_DATA_OWNER: _EDITOR
    | _crud("pim.product", "pim.productmodel", actions=("delete",))
    | {
        "pim.approve_product",
        "pim.approve_productmodel",
        "pim.retire_product",
        "pim.retire_productmodel",
        "governance.add_qualityrun",
    }
    | _crud("linking.scheduledexport"),
    ASSET_CONTRIBUTOR: _CONTRIBUTOR,
    ASSET_LIBRARIAN: _CONTRIBUTOR
    | _crud("dam.asset", actions=("delete",))
    | _crud("dam.usageright", "dam.uploadpreset", "dam.collection", "dam.renditionprofile")
    | _crud("linking.productassetlink", "linking.namingrule", "linking.fallbackmedia")
    | {
        "dam.approve_asset",
        "dam.retire_asset",
        "governance.add_changerequest",
        "governance.add_qualityrun",
    },
    METADATA_MANAGER: VIEW
    | _crud(
        "pim.attributegroup",
        "pim.attribute",
        "pim.family",
        "pim.familyvariant",
        "pim.associationtype",
        "governance.vocabulary",
        "governance.term",
        "governance.category",
        "linking.mediarequirement",
        "linking.channelmediapolicy",
        "linking.taggedattribute",
    )
    | {
        "governance.add_changerequest",
        "governance.approve_changerequest",
        "governance.add_qualityrun",
    },
}
ALL_PERMISSIONS = "*"  # the Administrator holds every permission there is
ROLE_DESCRIPTIONS = {
    ADMINISTRATOR: "Everything, including users, roles, API keys, channels, locales, currencies.",
    PRODUCT_DATA_OWNER: "Enriches products, approves, rejects and retires product data.",
    PRODUCT_EDITOR: "Enriches products, links their media and submits them for review; cannot "
    "approve.",
    ASSET_LIBRARIAN: "Approves assets; manages usage rights, upload presets, collections, "
    "rendition profiles, naming rules, fallback media and product links.",
    ASSET_CONTRIBUTOR: "Uploads assets, edits their own drafts, submits them for review.",
    METADATA_MANAGER: "Attributes, families, vocabularies and category trees, media "
    "requirements; approves vocabulary and taxonomy change requests.",
    VIEWER: "Reads everything in scope; changes nothing.",
}
ORDER = [
    ADMINISTRATOR,
    PRODUCT_DATA_OWNER,
    PRODUCT_EDITOR,
    ASSET_LIBRARIAN,
    ASSET_CONTRIBUTOR,
    METADATA_MANAGER,
    VIEWER,
]


def roles_sync(*, apps=None, strict: bool = True) -> None:
    """Create or update the role groups so their permissions are exactly those above.

    Not `strict` in the roles migration: models of later migrations have no permissions yet
    (the post_migrate sync, strict, completes the groups)."""
    if apps is None:
        from django.apps import apps
    group_model = apps.get_model("auth", "Group")
    permission_model = apps.get_model("auth", "Permission")
    every = {
        f"{app}.{codename}": pk
        for pk, app, codename in permission_model.objects.values_list(
            "pk", "content_type__app_label", "codename"
        )
    }
    for name in ORDER:
        wanted = every.keys() if name == ADMINISTRATOR else ROLES[name]
        missing = sorted(set(wanted) - set(every))
        if missing and strict:
            raise LookupError(f"Role {name} names unknown permissions: {', '.join(missing)}")
        group, _ = group_model.objects.get_or_create(name=name)
        group.permissions.set([every[p] for p in wanted if p in every])
