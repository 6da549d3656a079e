"""Reads of product↔asset links: a product's media for a channel and locale (with what it
inherits from its models), where an asset is used, and how often assets are reused."""

from collections import defaultdict
from dataclasses import dataclass

from django.db.models import F, Q, QuerySet

from dam.models import Asset
from dam.policies import asset_policy
from governance.models import Term
from linking.models import ProductAssetLink
from pim.models import Product, ProductModel
from pim.policies import product_model_policy, product_policy

ROLES_VOCABULARY = "media_roles"


@dataclass(frozen=True)
class MediaItem:
    """One asset shown for a product or model: the link that puts it there (None for a
    placeholder the feed adds), and the model code it is inherited from (None when the link is
    the product's or model's own)."""

    link: ProductAssetLink | None
    asset: Asset
    role: str
    position: int
    inherited_from: str | None


def role_order() -> dict[str, int]:
    """Media role code → its place in the governed vocabulary (one query)."""
    return dict(
        Term.objects.filter(vocabulary__code=ROLES_VOCABULARY).values_list("code", "sort_order")
    )


def _applicable(channel: str | None, locale: str | None) -> Q:
    """Links that apply for a channel and locale: unscoped, or scoped to exactly these. A None
    argument means "any": every link applies on that axis."""
    condition = Q()
    if channel is not None:
        condition &= Q(channel__isnull=True) | Q(channel__code=channel)
    if locale is not None:
        condition &= Q(locale__isnull=True) | Q(locale__code=locale)
    return condition


def links_with_media() -> QuerySet:
    """Links with what showing them needs (asset, its current version, scope, owner codes)."""
    return ProductAssetLink.objects.select_related(
        "asset", "asset__current_version", "locale", "channel", "product", "product_model"
    )


def _resolve(levels: list[tuple[str, dict]], links, order: dict[str, int]) -> list[MediaItem]:
    """Per role, the nearest level with any applicable link provides all links of that role.
    `levels` is nearest first: (level key as `_level_key` gives it, inherited_from)."""
    by_level: dict[str, dict[str, list]] = defaultdict(lambda: defaultdict(list))
    for link in links:
        by_level[_level_key(link)][link.role].append(link)
    chosen: dict[str, tuple[str, list]] = {}
    for key, inherited_from in levels:
        for role, role_links in by_level.get(key, {}).items():
            chosen.setdefault(role, (inherited_from, role_links))
    items = [
        MediaItem(
            link=link,
            asset=link.asset,
            role=role,
            position=link.position,
            inherited_from=inherited_from,
        )
        for role, (inherited_from, role_links) in chosen.items()
        for link in role_links
    ]
    last = len(order)
    items.sort(
        key=lambda item: (order.get(item.role, last), item.role, item.position, item.link.pk)
    )
    return items


def _level_key(link: ProductAssetLink) -> str:
    return f"p{link.product_id}" if link.product_id else f"m{link.product_model_id}"


def _model_chain(model_id: int | None) -> list[tuple[int, str]]:
    """(id, code) of a model and its parent, nearest first (one query)."""
    if model_id is None:
        return []
    row = (
        ProductModel.objects.filter(pk=model_id)
        .values_list("code", "parent_id", "parent__code")
        .first()
    )
    if row is None:
        return []
    code, parent_id, parent_code = row
    chain = [(model_id, code)]
    if parent_id is not None:
        chain.append((parent_id, parent_code))
    return chain


def _media(own_key: str, own_filter: Q, chain, channel, locale) -> list[MediaItem]:
    owners = own_filter
    if chain:
        owners |= Q(product_model_id__in=[model_id for model_id, _ in chain])
    links = list(links_with_media().filter(owners).filter(_applicable(channel, locale)).order_by())
    levels = [(own_key, None), *((f"m{model_id}", code) for model_id, code in chain)]
    return _resolve(levels, links, role_order())


def product_media(
    product: Product, *, channel: str | None = None, locale: str | None = None
) -> list[MediaItem]:
    """The media of a product for a channel and locale, ordered by role then position: its own
    links plus those of its model and root model; per role the nearest level that has any link
    applying there wins (a variant adds roles, or overrides the model's role). Three queries."""
    chain = _model_chain(product.parent_id)
    return _media(f"p{product.pk}", Q(product_id=product.pk), chain, channel, locale)


def _applies(link: ProductAssetLink, channel: str | None, locale: str | None) -> bool:
    """`_applicable` for a link already read (its channel and locale selected with it)."""
    return (channel is None or link.channel_id is None or link.channel.code == channel) and (
        locale is None or link.locale_id is None or link.locale.code == locale
    )


@dataclass(frozen=True)
class ProductLinks:
    """Every link a product's media may draw on (its own and its models'), read once, so a
    refresh resolves them for each channel × locale without asking the database again."""

    levels: list[tuple[str, str | None]]
    links: list[ProductAssetLink]
    order: dict[str, int]

    def media(self, *, channel: str | None = None, locale: str | None = None) -> list[MediaItem]:
        """What `product_media` answers for this channel and locale."""
        applicable = [link for link in self.links if _applies(link, channel, locale)]
        return _resolve(self.levels, applicable, self.order)


def product_links(product: Product) -> ProductLinks:
    """A product's links of every scope with its models' (three queries)."""
    chain = _model_chain(product.parent_id)
    owners = Q(product_id=product.pk)
    if chain:
        owners |= Q(product_model_id__in=[model_id for model_id, _ in chain])
    levels = [(f"p{product.pk}", None), *((f"m{model_id}", code) for model_id, code in chain)]
    return ProductLinks(levels, list(links_with_media().filter(owners).order_by()), role_order())


def model_media(
    product_model: ProductModel, *, channel: str | None = None, locale: str | None = None
) -> list[MediaItem]:
    """The media of a product model, with the same rules: its own links, then its parent's."""
    chain = _model_chain(product_model.pk)[1:]
    own = f"m{product_model.pk}"
    return _media(own, Q(product_model_id=product_model.pk), chain, channel, locale)


@dataclass(frozen=True)
class WhereUsed:
    """Every link of an asset, and how many distinct products it reaches (variants of the
    product models it is linked to included)."""

    links: list[ProductAssetLink]
    products_reached: int


def where_used(asset: Asset) -> WhereUsed:
    """Where an asset is linked (product or model, role, position, scope) and its reuse."""
    links = list(
        ProductAssetLink.objects.filter(asset=asset)
        .select_related("product", "product_model", "locale", "channel")
        # Models first, then products, on every database (NULLs sort differently).
        .order_by(
            F("product__sku_key").asc(nulls_first=True),
            "product_model__code",
            "role",
            "position",
            "id",
        )
    )
    return WhereUsed(links=links, products_reached=reuse_counts([asset.pk]).get(asset.pk, 0))


def reuse_counts(asset_ids) -> dict[int, int]:
    """Asset id → the number of distinct products it shows (linked directly, or through their
    model or root model); assets without links are left out. Two queries."""
    direct: dict[int, set[int]] = defaultdict(set)
    through_model: dict[int, set[int]] = defaultdict(set)
    rows = ProductAssetLink.objects.filter(asset_id__in=list(asset_ids)).values_list(
        "asset_id", "product_id", "product_model_id"
    )
    for asset_id, product_id, model_id in rows:
        if product_id is not None:
            direct[asset_id].add(product_id)
        else:
            through_model[model_id].add(asset_id)
    if through_model:
        models = list(through_model)
        variants = Product.objects.filter(
            Q(parent_id__in=models) | Q(parent__parent_id__in=models)
        ).values_list("id", "parent_id", "parent__parent_id")
        for product_id, parent_id, grandparent_id in variants:
            for model_id in (parent_id, grandparent_id):
                for asset_id in through_model.get(model_id, ()):
                    direct[asset_id].add(product_id)
    return {asset_id: len(products) for asset_id, products in direct.items() if products}


def link_list() -> QuerySet:
    """Links as the API shows them (owner codes, asset uuid, scope codes: one query)."""
    return ProductAssetLink.objects.select_related(
        "product", "product_model", "asset", "locale", "channel"
    )


def links_visible(user, queryset: QuerySet) -> QuerySet:
    """The links a user may see: the link view permission, the owning product or product model
    and the asset all visible to them (scopes by category tree, channel key and collection)."""
    if not user.has_perm("linking.view_productassetlink"):
        return queryset.none()
    products = product_policy.visible(user, Product.objects.all()).values("pk")
    models = product_model_policy.visible(user, ProductModel.objects.all()).values("pk")
    assets = asset_policy.visible(user, Asset.objects.all()).values("pk")
    return queryset.filter(Q(product__in=products) | Q(product_model__in=models), asset__in=assets)
