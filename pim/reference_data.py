"""The catalog's structure as reference data (attribute groups, attributes, families, family
variants), written through pim.services.catalog; see governance.reference_data."""

from collections.abc import Iterable

from django.db.models import Prefetch

from governance.reference_data import (
    BOOL,
    CODE,
    DATE,
    DECIMAL,
    INT,
    LABELS,
    LEVELS,
    LIST,
    OPTIONAL_INT,
    REF,
    SET,
    SET_BY_KEY,
    TEXT,
    ImportReport,
    Kind,
    data_apply,
    import_run,
    kinds_export,
    normalize,
)
from pim.models import (
    ATTRIBUTE_SETTINGS,
    Attribute,
    AttributeGroup,
    Family,
    FamilyRequirement,
    FamilyVariant,
    VariantLevel,
)
from pim.services import catalog

ATTRIBUTE_FIELDS = {
    "code": CODE,
    "type": TEXT,
    "group": REF,
    "labels": LABELS,
    "sort_order": INT,
    "is_localizable": BOOL,
    "is_scopable": BOOL,
    "is_unique": BOOL,
    "max_length": OPTIONAL_INT,
    "regex": TEXT,
    "min_value": DECIMAL,
    "max_value": DECIMAL,
    "decimals_allowed": BOOL,
    "negative_allowed": BOOL,
    "metric_family": TEXT,
    "default_unit": TEXT,
    "allowed_units": LIST,
    "date_min": DATE,
    "date_max": DATE,
    "vocabulary": REF,
}
assert set(ATTRIBUTE_FIELDS) == {"code", *ATTRIBUTE_SETTINGS}


def _group_out(group: AttributeGroup) -> dict:
    return {"code": group.code, "labels": group.labels, "sort_order": group.sort_order}


def _attribute_out(attribute: Attribute) -> dict:
    out = {"code": attribute.code}
    for name in ATTRIBUTE_SETTINGS:
        value = getattr(attribute, name)
        if name in ("group", "vocabulary"):
            value = value.code if value else None
        out[name] = normalize(ATTRIBUTE_FIELDS[name], value)
    return out


def _attributes():
    return Attribute.objects.select_related("group", "vocabulary").order_by("code")


def _family_out(family: Family) -> dict:
    requirements: dict[str, list[str]] = {}
    for requirement in family.requirements.all():
        requirements.setdefault(requirement.channel.code, []).append(requirement.attribute.code)
    return {
        "code": family.code,
        "labels": family.labels,
        "attributes": sorted(a.code for a in family.attributes.all()),
        "label_attribute": family.label_attribute.code if family.label_attribute else None,
        "requirements": {c: sorted(codes) for c, codes in sorted(requirements.items())},
    }


def _families():
    requirements = FamilyRequirement.objects.select_related("channel", "attribute")
    return (
        Family.objects.select_related("label_attribute")
        .prefetch_related("attributes", Prefetch("requirements", queryset=requirements))
        .order_by("code")
    )


def _variant_out(variant: FamilyVariant) -> dict:
    return {
        "code": variant.code,
        "family": variant.family.code,
        "labels": variant.labels,
        "levels": [
            {
                "axes": sorted(a.code for a in level.axes.all()),
                "attributes": sorted(a.code for a in level.attributes.all()),
            }
            for level in variant.levels.all()
        ],
    }


def _variants():
    levels = VariantLevel.objects.prefetch_related("axes", "attributes").order_by("level")
    return (
        FamilyVariant.objects.select_related("family")
        .prefetch_related(Prefetch("levels", queryset=levels))
        .order_by("code")
    )


def _saving(service, instance_argument: str):
    """create/update callables for a `<thing>_save(code=, changes=, <thing>=)` service."""

    def create(item):
        return service(code=item["code"], changes={k: v for k, v in item.items() if k != "code"})

    def update(row, changes):
        return service(code=row.code, changes=changes, **{instance_argument: row})

    return create, update


def _kinds() -> dict[str, Kind]:
    group_create, group_update = _saving(catalog.attribute_group_save, "group")
    attribute_create, attribute_update = _saving(catalog.attribute_save, "attribute")
    family_create, family_update = _saving(catalog.family_save, "family")
    variant_create, variant_update = _saving(catalog.family_variant_save, "variant")
    return {
        "attribute_groups": Kind(
            name="attribute_groups",
            model="pim.attributegroup",
            fields={"code": CODE, "labels": LABELS, "sort_order": INT},
            export=lambda: (_group_out(g) for g in AttributeGroup.objects.order_by("code")),
            find=lambda item: AttributeGroup.objects.filter(code=item["code"]).first(),
            out=_group_out,
            create=group_create,
            update=group_update,
        ),
        "attributes": Kind(
            name="attributes",
            model="pim.attribute",
            fields=ATTRIBUTE_FIELDS,
            export=lambda: (_attribute_out(a) for a in _attributes()),
            find=lambda item: _attributes().filter(code=item["code"]).first(),
            out=_attribute_out,
            create=attribute_create,
            update=attribute_update,
        ),
        "families": Kind(
            name="families",
            model="pim.family",
            fields={
                "code": CODE,
                "labels": LABELS,
                "attributes": SET,
                "label_attribute": REF,
                "requirements": SET_BY_KEY,
            },
            export=lambda: (_family_out(f) for f in _families()),
            find=lambda item: _families().filter(code=item["code"]).first(),
            out=_family_out,
            create=family_create,
            update=family_update,
        ),
        "family_variants": Kind(
            name="family_variants",
            model="pim.familyvariant",
            fields={"code": CODE, "family": REF, "labels": LABELS, "levels": LEVELS},
            export=lambda: (_variant_out(v) for v in _variants()),
            find=lambda item: _variants().filter(code=item["code"]).first(),
            out=_variant_out,
            create=variant_create,
            update=variant_update,
        ),
    }


KINDS = ("attribute_groups", "attributes", "families", "family_variants")


def reference_kinds() -> dict[str, Kind]:
    """This app's kinds by name, in the order an import applies them."""
    return _kinds()


def reference_export(kinds: Iterable[str] | None = None) -> dict[str, list[dict]]:
    """The catalog's structure, by kind (all of this app's kinds when None)."""
    chosen = _kinds()
    wanted = KINDS if kinds is None else [k for k in KINDS if k in set(kinds)]
    return kinds_export(chosen[name] for name in wanted)


def reference_apply(data: dict, report: ImportReport) -> None:
    """Write this app's kinds of `data` in dependency order (groups → attributes → families →
    variants); the caller owns the transaction (see governance.reference_data.import_run)."""
    data_apply(_kinds().values(), data, report)


def reference_import(data: dict, *, dry_run: bool = False) -> dict:
    """Create or update the catalog's structure from `data`; all or nothing, nothing at all in
    a dry run. Returns the report."""
    return import_run(lambda report: reference_apply(data, report), dry_run=dry_run)
