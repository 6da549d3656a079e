"""Product↔asset links: add, change, remove and reorder the assets that show a product or a
product model, by role, position, locale and channel.

Links are product content: each write is audited on the owning product or product model, emits
`linking.links.changed`, tells the channel documents their media changed, and queues the
product-tag sync of the assets involved — all on commit of the caller's transaction.
"""

import uuid
from collections.abc import Iterable
from contextlib import nullcontext

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Max
from django.db.models.functions import Now

from dam.models import Asset
from governance.audit import acting_as, audit_record, current_user
from governance.models import AuditAction, Channel, Locale, Term
from governance.services import event_emit
from linking.models import ProductAssetLink
from linking.services import documents
from pim.models import Product, ProductModel

ROLES_VOCABULARY = "media_roles"
# The roles a new installation starts with, in order (a copy is frozen in migration 0002).
DEFAULT_ROLES = [
    ("hero", "Hero"),
    ("front", "Front"),
    ("back", "Back"),
    ("side", "Side"),
    ("detail", "Detail"),
    ("lifestyle", "Lifestyle"),
    ("swatch", "Swatch"),
    ("spin_frame", "Spin frame"),
    ("video", "Video"),
    ("manual", "Manual"),
    ("spec_sheet", "Spec sheet"),
    ("packshot", "Packshot"),
]
EVENT_LINKS_CHANGED = "linking.links.changed"
EDITABLE_FIELDS = ("role", "position", "locale", "channel")


def _error(field: str, message: str, code: str) -> ValidationError:
    return ValidationError({field: [ValidationError(message, code=code)]})


def _owner_of(product: Product | None, product_model: ProductModel | None):
    if (product is None) == (product_model is None):
        raise _error(
            "product", "A link belongs to exactly one product or product model.", "one_owner"
        )
    return product if product is not None else product_model


def _owner_filter(owner) -> dict:
    return {"product": owner} if isinstance(owner, Product) else {"product_model": owner}


def _lock_owner(owner) -> None:
    # Serialises writers of one owner's links: position arithmetic and the duplicate check (the
    # database enforces it only on PostgreSQL, where NULL scopes compare equal) stay correct.
    type(owner).objects.select_for_update().filter(pk=owner.pk).values_list("pk").first()


def media_roles_ensure() -> None:
    """Create the governed media roles vocabulary with its default roles when it is missing
    (never touches one that exists: its terms are governed by change requests)."""
    from governance.models import Vocabulary

    if Vocabulary.objects.filter(code=ROLES_VOCABULARY).exists():
        return
    vocabulary = Vocabulary.objects.create(
        code=ROLES_VOCABULARY, labels={"en_US": "Media roles"}, is_governed=True
    )
    Term.objects.bulk_create(
        Term(vocabulary=vocabulary, code=code, labels={"en_US": label}, sort_order=order)
        for order, (code, label) in enumerate(DEFAULT_ROLES)
    )


def role_clean(role: str, *, allow_deprecated: bool = False) -> str:
    """The role code if it is a term of the media roles vocabulary that may be chosen."""
    # PostgreSQL text cannot hold NUL: such a "code" names no term (rather than a DataError).
    term = (
        Term.objects.filter(vocabulary__code=ROLES_VOCABULARY, code=role)
        .only("is_deprecated")
        .first()
        if isinstance(role, str) and "\x00" not in role
        else None
    )
    if term is None:
        raise _error("role", f"Unknown media role {role!r}.", "unknown_role")
    if term.is_deprecated and not allow_deprecated:
        raise _error("role", f"The media role {role!r} is deprecated.", "deprecated_role")
    return role


def _locale(code: str | None) -> Locale | None:
    if code in (None, ""):
        return None
    locale = Locale.objects.filter(code=code, is_active=True).first()
    if locale is None:
        raise _error("locale", f"Unknown or inactive locale {code!r}.", "unknown_locale")
    return locale


def _channel(code: str | None) -> Channel | None:
    if code in (None, ""):
        return None
    channel = Channel.objects.filter(code=code).first()
    if channel is None:
        raise _error("channel", f"Unknown channel {code!r}.", "unknown_channel")
    return channel


def _scope_filter(role: str, locale: Locale | None, channel: Channel | None) -> dict:
    return {"role": role, "locale": locale, "channel": channel}


def _owner_ref(owner) -> tuple[str, str]:
    if isinstance(owner, Product):
        return "product", owner.sku
    return "product_model", owner.code


def _role_state(owner, role: str) -> list[tuple[str, str, str]]:
    """(asset uuid, channel code, locale code) of an owner's links in a role, in order."""
    rows = (
        ProductAssetLink.objects.filter(**_owner_filter(owner), role=role)
        .order_by("position", "id")
        .values_list("asset__uuid", "channel__code", "locale__code")
    )
    return [(str(value), channel or "", locale or "") for value, channel, locale in rows]


def _labels(state) -> list[str]:
    """Links as the audit trail shows them: the asset uuid, with its scope when it has one."""
    return [
        f"{value} [{channel or '*'}|{locale or '*'}]" if channel or locale else value
        for value, channel, locale in state
    ]


def _changed(
    owner, *, role: str, change: str, before, asset_ids: Iterable[int] = (), channel: str = ""
) -> None:
    """What every write does after it changed one owner's links in a role: audit (the role's
    links before and after), event, the channel documents, and the product-tag sync of the
    assets involved."""
    from linking.tasks.links import asset_product_tags_sync

    object_type, object_ref = _owner_ref(owner)
    after = _role_state(owner, role)
    audit_record(
        obj=owner,
        action=AuditAction.UPDATE,
        changes={f"links.{role}": [_labels(before), _labels(after)]},
    )
    event_emit(
        name=EVENT_LINKS_CHANGED,
        key=f"{EVENT_LINKS_CHANGED}:{object_type}:{owner.pk}:{uuid.uuid4().hex}",
        payload={"role": role, "assets": [value for value, _, _ in after], "change": change},
        object_type=object_type,
        object_ref=object_ref,
        channel=channel,
    )
    if isinstance(owner, Product):
        documents.products_media_changed(product_ids=[owner.pk])
    else:
        documents.products_media_changed(model_ids=[owner.pk])
    ids = sorted(set(asset_ids))
    if ids:
        asset_product_tags_sync.delay_on_commit(ids)


@transaction.atomic
def link_add(
    *,
    asset: Asset,
    product: Product | None = None,
    product_model: ProductModel | None = None,
    role: str,
    position: int | None = None,
    locale: str | None = None,
    channel: str | None = None,
    naming_rule: str = "",
    actor=None,
) -> ProductAssetLink:
    """Link an asset to a product or product model in a role (appended, or inserted at
    `position`); the identical link, when it exists, is returned unchanged. Audits, emits
    `linking.links.changed`, refreshes channel documents and queues the assets' product tags."""
    owner = _owner_of(product, product_model)
    role_clean(role)
    locale_row, channel_row = _locale(locale), _channel(channel)
    if position is not None and position < 0:
        raise _error("position", "A position is zero or more.", "invalid_position")
    _lock_owner(owner)
    scope = _scope_filter(role, locale_row, channel_row)
    siblings = ProductAssetLink.objects.filter(**_owner_filter(owner), **scope)
    existing = siblings.filter(asset=asset).first()
    if existing is not None:
        return existing
    before = _role_state(owner, role)
    last = siblings.aggregate(last=Max("position"))["last"]
    end = 0 if last is None else last + 1
    if position is None or position >= end:
        position = end
    else:
        siblings.filter(position__gte=position).update(position=F("position") + 1, updated_at=Now())
    user = actor if actor is not None else current_user()
    link = ProductAssetLink.objects.create(
        **_owner_filter(owner),
        asset=asset,
        position=position,
        naming_rule=naming_rule,
        created_by=user if getattr(user, "is_authenticated", False) else None,
        **scope,
    )
    with acting_as(user=actor) if actor is not None else nullcontext():
        _changed(
            owner,
            role=role,
            change="added",
            before=before,
            asset_ids=[asset.pk],
            channel=channel_row.code if channel_row else "",
        )
    return link


@transaction.atomic
def link_update(*, link: ProductAssetLink, changes: dict) -> ProductAssetLink:
    """Change a link's role, position, locale or channel (moving it within or between roles
    shifts its neighbours). Audits, emits `linking.links.changed`, refreshes documents."""
    unknown = sorted(set(changes) - set(EDITABLE_FIELDS))
    if unknown:
        raise _error(unknown[0], "This field cannot be changed.", "not_editable")
    owner = link.product if link.product_id else link.product_model
    role = role_clean(changes["role"]) if "role" in changes else link.role
    locale = _locale(changes["locale"]) if "locale" in changes else link.locale
    channel = _channel(changes["channel"]) if "channel" in changes else link.channel
    position = changes.get("position")
    if position is not None and (
        isinstance(position, bool) or not isinstance(position, int) or position < 0
    ):
        raise _error("position", "A position is zero or more.", "invalid_position")
    _lock_owner(owner)
    link.refresh_from_db()
    old_role, old_scope = link.role, _scope_filter(link.role, link.locale, link.channel)
    new_scope = _scope_filter(role, locale, channel)
    moved = old_scope != new_scope
    if position is None and not moved:
        return link
    others = ProductAssetLink.objects.filter(**_owner_filter(owner)).exclude(pk=link.pk)
    if moved and others.filter(asset_id=link.asset_id, **new_scope).exists():
        raise _error(
            "role", "This asset is already linked in that role and scope.", "duplicate_link"
        )
    befores = {old_role: _role_state(owner, old_role), role: _role_state(owner, role)}
    old_siblings = list(others.filter(**old_scope).order_by("position", "id"))
    new_siblings = old_siblings if not moved else list(others.filter(**new_scope))
    new_siblings = sorted(new_siblings, key=lambda row: (row.position, row.id))
    if position is None:
        position = len(new_siblings)
    position = min(position, len(new_siblings))
    if not moved and link.position == position == sorted(
        [*new_siblings, link], key=lambda row: (row.position, row.id)
    ).index(link):
        return link  # already there
    link.role, link.locale, link.channel = role, locale, channel
    new_siblings.insert(position, link)
    _renumber(new_siblings, moved=link)
    if moved:
        _renumber(old_siblings)
    for changed_role in dict.fromkeys([old_role, role]):
        _changed(
            owner,
            role=changed_role,
            change="updated",
            before=befores[changed_role],
            channel=channel.code if channel else "",
        )
    link.refresh_from_db()
    return link


def _renumber(rows: list[ProductAssetLink], *, moved: ProductAssetLink | None = None) -> None:
    """Positions 0..n-1 in list order, writing only the rows that changed (and `moved`, whose
    role or scope may have changed too). A role holds a handful of links: one update each."""
    for index, row in enumerate(rows):
        if row is moved:
            ProductAssetLink.objects.filter(pk=row.pk).update(
                position=index,
                role=row.role,
                locale=row.locale,
                channel=row.channel,
                updated_at=Now(),
            )
        elif row.position != index:
            ProductAssetLink.objects.filter(pk=row.pk).update(position=index, updated_at=Now())
        row.position = index


@transaction.atomic
def link_remove(*, link: ProductAssetLink) -> None:
    """Unlink an asset (later links in the role close the gap). Audits, emits
    `linking.links.changed`, refreshes documents and queues the asset's product-tag sync (which
    drops the tags this link gave it)."""
    owner = link.product if link.product_id else link.product_model
    _lock_owner(owner)
    link = ProductAssetLink.objects.select_related("channel").filter(pk=link.pk).first()
    if link is None:
        return  # removed already
    before = _role_state(owner, link.role)
    scope = _scope_filter(link.role, link.locale, link.channel)
    ProductAssetLink.objects.filter(pk=link.pk).delete()
    ProductAssetLink.objects.filter(
        **_owner_filter(owner), **scope, position__gt=link.position
    ).update(position=F("position") - 1, updated_at=Now())
    _changed(
        owner,
        role=link.role,
        change="removed",
        before=before,
        asset_ids=[link.asset_id],
        channel=link.channel.code if link.channel_id else "",
    )


@transaction.atomic
def links_reorder(
    *,
    product: Product | None = None,
    product_model: ProductModel | None = None,
    role: str,
    asset_uuids: list[str],
    locale: str | None = None,
    channel: str | None = None,
) -> list[ProductAssetLink]:
    """Put the assets linked in one role and scope in the given order (positions 0..n-1); the
    list must name exactly those assets. Audits, emits `linking.links.changed`."""
    owner = _owner_of(product, product_model)
    role_clean(role, allow_deprecated=True)
    scope = _scope_filter(role, _locale(locale), _channel(channel))
    _lock_owner(owner)
    links = list(
        ProductAssetLink.objects.filter(**_owner_filter(owner), **scope)
        .select_related("asset")
        .order_by("position", "id")
    )
    wanted = [str(value) for value in asset_uuids]
    if len(set(wanted)) != len(wanted):
        raise _error("assets", "An asset is named more than once.", "duplicate_asset")
    by_uuid = {str(link.asset.uuid): link for link in links}
    extra = [value for value in wanted if value not in by_uuid]
    if extra:
        raise _error(
            "assets", f"Not linked in this role and scope: {', '.join(extra)}.", "not_linked"
        )
    missing = [value for value in by_uuid if value not in set(wanted)]
    if missing:
        raise _error(
            "assets", f"The order leaves out linked assets: {', '.join(missing)}.", "missing_asset"
        )
    ordered = [by_uuid[value] for value in wanted]
    if [link.pk for link in ordered] == [link.pk for link in links] and all(
        link.position == index for index, link in enumerate(links)
    ):
        return ordered
    before = _role_state(owner, role)
    for index, link in enumerate(ordered):
        if link.position != index:
            link.position = index
            ProductAssetLink.objects.filter(pk=link.pk).update(position=index, updated_at=Now())
    _changed(owner, role=role, change="reordered", before=before, channel=channel or "")
    return ordered
