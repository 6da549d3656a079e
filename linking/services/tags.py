"""Product-derived asset tags: a linked asset carries, with source "product", what identifies the
products and product models it shows — `sku:<sku>`, `model:<code>`, `family:<code>`,
`category:<code>` and `<attribute>:<value>` for each tagged attribute (brand, colour…) — so
asset search finds it by them. The tags are derived data, recomputed from the current links and
catalog by `asset_product_tags_sync` (queued on commit after link writes and product changes).

What a product or model contributes:
- `sku:` (products), `model:` for the model itself and every model above it (a variant's
  parent and root model), `family:` (a model's through its family variant);
- `category:` for its own categories and those of the models above it;
- each tagged attribute's value from the effective values (a variant's colour usually lives on
  its sub-model). One value per attribute: the unscoped one, else the first scope in
  "channel|locale" order — a tag has no locale or channel, so picking all would mix languages.
  select → the term code, multiselect → one tag per term, text/identifier/number/date → the
  text, boolean → true/false; metric, price, textarea and rich text carry no tag (too long or
  structured to search by).
Names follow dam's tag normalisation (trimmed, lowercased, at most 100 characters).
"""

from collections import defaultdict

from django.db import transaction

from dam.models import Asset, Tag, TagSource
from dam.services import search_text
from governance.audit import audit_record
from governance.models import AuditAction
from linking.models import ProductAssetLink, TaggedAttribute
from pim.models import Attribute, AttributeType, Product, ProductModel
from pim.values import inherit

TAG_MAX_LENGTH = 100
AS_TEXT = {
    AttributeType.TEXT,
    AttributeType.IDENTIFIER,
    AttributeType.NUMBER,
    AttributeType.DATE,
    AttributeType.SELECT,
}


def tag_name(prefix: str, value) -> str:
    """`prefix:value` as dam stores tag names."""
    return f"{prefix}:{value}".strip().lower()[:TAG_MAX_LENGTH]


def _attribute_tags(values: dict, tagged: dict[str, str]) -> set[str]:
    names = set()
    for code, kind in tagged.items():
        scopes = values.get(code) or {}
        if not scopes:
            continue
        data = scopes["|"] if "|" in scopes else scopes[min(scopes)]
        if data in (None, "", []):
            continue
        if kind == AttributeType.MULTISELECT:
            names |= {tag_name(code, term) for term in data}
        elif kind == AttributeType.BOOLEAN:
            names.add(tag_name(code, "true" if data else "false"))
        elif kind in AS_TEXT:
            names.add(tag_name(code, data))
    return names


class _Catalog:
    """The rows tags are derived from, loaded for a batch of owners in a fixed number of
    queries: products, every model involved (with ancestors), categories, tagged attributes."""

    def __init__(self, product_ids: set[int], model_ids: set[int]):
        self.products = {
            product.pk: product
            for product in Product.objects.filter(pk__in=product_ids).select_related("family")
        }
        wanted = set(model_ids) | {p.parent_id for p in self.products.values() if p.parent_id}
        self.models = self._models_with_ancestors(wanted)
        self.product_categories = self._codes(
            Product.categories.through.objects.filter(product_id__in=self.products),
            "product_id",
        )
        self.model_categories = self._codes(
            ProductModel.categories.through.objects.filter(productmodel_id__in=self.models),
            "productmodel_id",
        )
        self.tagged = dict(
            TaggedAttribute.objects.values_list("attribute__code", "attribute__type")
        )

    @staticmethod
    def _models_with_ancestors(ids: set[int]) -> dict[int, ProductModel]:
        # Two levels at most: the models asked for, then their parents.
        models = {
            m.pk: m
            for m in ProductModel.objects.filter(pk__in=ids).select_related(
                "family_variant__family"
            )
        }
        parents = {m.parent_id for m in models.values() if m.parent_id} - set(models)
        if parents:
            models.update(
                (m.pk, m)
                for m in ProductModel.objects.filter(pk__in=parents).select_related(
                    "family_variant__family"
                )
            )
        return models

    @staticmethod
    def _codes(through_rows, owner_field: str) -> dict[int, set[str]]:
        codes: dict[int, set[str]] = defaultdict(set)
        for owner_id, code in through_rows.values_list(owner_field, "category__code"):
            codes[owner_id].add(code)
        return codes

    def _chain(self, model_id: int | None) -> list[ProductModel]:
        """A model and the models above it, root first."""
        chain = []
        while model_id is not None and model_id in self.models:
            chain.insert(0, self.models[model_id])
            model_id = chain[0].parent_id
        return chain

    def _common(self, chain: list[ProductModel], own_values: dict | None) -> set[str]:
        names = {tag_name("model", m.code) for m in chain}
        for m in chain:
            names |= {tag_name("category", c) for c in self.model_categories.get(m.pk, ())}
        levels = [m.values for m in chain] + ([own_values] if own_values is not None else [])
        return names | _attribute_tags(inherit(*levels), self.tagged)

    def product_tags(self, product_id: int) -> set[str]:
        product = self.products.get(product_id)
        if product is None:
            return set()
        names = {tag_name("sku", product.sku), tag_name("family", product.family.code)}
        names |= {tag_name("category", c) for c in self.product_categories.get(product.pk, ())}
        return names | self._common(self._chain(product.parent_id), product.values)

    def model_tags(self, model_id: int) -> set[str]:
        chain = self._chain(model_id)
        if not chain:
            return set()
        family = chain[-1].family_variant.family.code
        return {tag_name("family", family)} | self._common(chain, None)


def desired_product_tags(asset_ids: list[int]) -> dict[int, set[str]]:
    """Asset id → the product tag names its current links give it (assets without links: an
    empty set)."""
    links = list(
        ProductAssetLink.objects.filter(asset_id__in=asset_ids).values_list(
            "asset_id", "product_id", "product_model_id"
        )
    )
    catalog = _Catalog(
        {product_id for _, product_id, _ in links if product_id},
        {model_id for _, _, model_id in links if model_id},
    )
    desired: dict[int, set[str]] = {asset_id: set() for asset_id in asset_ids}
    for asset_id, product_id, model_id in links:
        if product_id:
            desired[asset_id] |= catalog.product_tags(product_id)
        else:
            desired[asset_id] |= catalog.model_tags(model_id)
    return desired


@transaction.atomic
def asset_product_tags_sync(*, asset_ids: list[int]) -> int:
    """Make the "product" tags of these assets exactly what their links give them now (other
    sources untouched) and refresh their search text; idempotent. Returns how many assets
    changed.

    No audit record and no version bump: the tags are derived from audited product and link
    changes and are recomputed from them at any time; the asset itself did not change."""
    # Locked in id order: concurrent syncs of the same assets run one after the other.
    assets = {
        asset.pk: asset
        for asset in Asset.objects.select_for_update(of=("self",))
        .filter(pk__in=set(asset_ids))
        .select_related("current_version")
        .order_by("pk")
    }
    if not assets:
        return 0
    desired = desired_product_tags(list(assets))
    current: dict[int, set[str]] = defaultdict(set)
    rows = Tag.objects.filter(asset_id__in=assets, source=TagSource.PRODUCT)
    for asset_id, name in rows.values_list("asset_id", "name"):
        current[asset_id].add(name)
    changed = [pk for pk in assets if desired[pk] != current[pk]]
    if not changed:
        return 0
    for pk in changed:
        stale = current[pk] - desired[pk]
        if stale:
            rows.filter(asset_id=pk, name__in=stale).delete()
    Tag.objects.bulk_create(
        [
            Tag(asset_id=pk, name=name, source=TagSource.PRODUCT)
            for pk in changed
            for name in sorted(desired[pk] - current[pk])
        ],
        ignore_conflicts=True,
    )
    for pk in changed:
        assets[pk].search_text = search_text(assets[pk])
    Asset.objects.bulk_update([assets[pk] for pk in changed], ["search_text"])
    return len(changed)


def linked_asset_ids() -> list[int]:
    """Every asset linked to some product or product model."""
    return sorted(set(ProductAssetLink.objects.values_list("asset_id", flat=True)))


@transaction.atomic
def tagged_attribute_add(*, attribute: Attribute) -> TaggedAttribute:
    """Make linked assets carry this attribute's values as product tags (idempotent). Audited;
    queues the product-tag sync of every linked asset."""
    from linking.tasks.links import asset_product_tags_resync

    tagged, created = TaggedAttribute.objects.get_or_create(attribute=attribute)
    if created:
        audit_record(
            obj=tagged, action=AuditAction.CREATE, changes={"attribute": [None, attribute.code]}
        )
        asset_product_tags_resync.delay_on_commit()
    return tagged


@transaction.atomic
def tagged_attribute_remove(*, tagged: TaggedAttribute) -> None:
    """Stop tagging linked assets with this attribute. Audited; queues the product-tag sync of
    every linked asset (which drops those tags)."""
    from linking.tasks.links import asset_product_tags_resync

    code = Attribute.objects.filter(pk=tagged.attribute_id).values_list("code", flat=True).first()
    audit_record(obj=tagged, action=AuditAction.DELETE, changes={"attribute": [code, None]})
    tagged.delete()
    asset_product_tags_resync.delay_on_commit()
