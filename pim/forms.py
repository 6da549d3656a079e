"""The values form: one field per attribute × channel × locale a product (or product model) owns,
generated from its family, validated and saved by the same services as every other entry point.

The service runs once in a rolled-back transaction while the form validates, so each error it
reports lands on the field of its exact place (`values.weight[channel=ecommerce]`), and once for
real on save. Only changed places are sent, so stored values nobody touched are never
re-validated, and an emptied field erases its value (data null).
"""

import re
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django import forms
from django.conf import settings
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import transaction
from django.utils import translation
from django.utils.html import format_html_join

from governance import selectors as governance_selectors
from governance.audit import current_user
from governance.models import Term
from pim.catalog import Catalog
from pim.models import (
    Attribute,
    AttributeGroup,
    AttributeType,
    Family,
    FamilyVariant,
    Product,
    ProductModel,
)
from pim.policies import product_policy
from pim.services.product_models import VersionConflict, product_model_save
from pim.services.products import product_upsert_many
from pim.values import value_key

ServiceError = tuple[str | None, str, str]  # (field path, code, message)


class EntryRefused(Exception):
    """The real save refused what the dry run accepted: another writer came in between."""


class _RollBack(Exception):
    pass


def rolled_back(action: Callable[[], Any]) -> Any:
    """Run `action` in a transaction that is always rolled back, and return what it returned."""
    result = []
    try:
        with transaction.atomic():
            result.append(action())
            raise _RollBack
    except _RollBack:
        pass
    return result[0]


def service_errors(exc: ValidationError) -> list[ServiceError]:
    """A service's ValidationError as (field path, code, message) triples."""
    keyed = exc.error_dict.items() if hasattr(exc, "error_dict") else [(None, exc.error_list)]
    return [
        (None if key == NON_FIELD_ERRORS else key, error.code or "invalid", message)
        for key, errors in keyed
        for error in errors
        for message in error.messages
    ]


def display_label(labels: dict, code: str) -> str:
    """The label in the admin's language, else the code."""
    locale = translation.to_locale(translation.get_language() or settings.LANGUAGE_CODE)
    return (labels or {}).get(locale) or code


# --- places ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Place:
    """Where one value lives: an attribute, and a channel and a locale where it varies by them."""

    attribute: str
    channel: str | None = None
    locale: str | None = None

    @property
    def field_name(self) -> str:
        # Codes never hold "-", and an attribute varies by the same scopes in every place.
        return "-".join(["values", self.attribute, *filter(None, (self.channel, self.locale))])


VALUE_PATH = re.compile(r"^values\.(?P<attribute>[a-z][a-z0-9_]*)(?:\[(?P<scope>[^\]]*)\])?\Z")


def parse_value_path(path: str) -> Place | None:
    """`values.weight[channel=ecommerce, locale=en_US]` -> its Place; None for other paths."""
    match = VALUE_PATH.match(path)
    if match is None:
        return None
    scope: dict[str, str] = {}
    for part in filter(None, (match["scope"] or "").split(", ")):
        name, equals, code = part.partition("=")
        if not equals or name not in ("channel", "locale") or name in scope or not code:
            return None
        scope[name] = code
    return Place(match["attribute"], scope.get("channel"), scope.get("locale"))


def places(attribute: Attribute, catalog: Catalog) -> list[Place]:
    """Per channel if scopable, per active locale if localizable, per channel × the channel's
    locales if both, else one."""
    channels = sorted(catalog.channel_locales)
    code = attribute.code
    if attribute.is_scopable and attribute.is_localizable:
        return [Place(code, c, loc) for c in channels for loc in catalog.channel_locales[c]]
    if attribute.is_scopable:
        return [Place(code, c) for c in channels]
    if attribute.is_localizable:
        return [Place(code, None, loc) for loc in sorted(catalog.active_locales)]
    return [Place(code)]


# --- fields by attribute type ------------------------------------------------------------


class ValueMultiWidget(forms.MultiWidget):
    """Inputs of one datum; fields hand it its initial value already split into parts."""

    def decompress(self, value):
        return value if isinstance(value, list) else [None] * len(self.widgets)


class LabelledMultiWidget(ValueMultiWidget):
    """Subwidgets side by side, each after its own label (the currency of an amount)."""

    def __init__(self, widgets: dict[str, forms.Widget], attrs=None):
        self.labels = list(widgets)
        super().__init__(list(widgets.values()), attrs)

    def render(self, name, value, attrs=None, renderer=None):
        context = self.get_context(name, value, attrs)["widget"]
        return format_html_join(
            " ",
            '<label class="pim-subfield">{} {}</label>',
            (
                (label, widget.render(sub["name"], sub["value"], sub["attrs"], renderer))
                for label, widget, sub in zip(
                    self.labels, self.widgets, context["subwidgets"], strict=True
                )
            ),
        )


class CompoundValueField(forms.MultiValueField):
    """Several inputs making one datum; changed when the datum it makes changed."""

    def __init__(self, *, parts: int, widget: ValueMultiWidget, **kwargs):
        super().__init__(
            fields=[forms.CharField(required=False) for _ in range(parts)],
            widget=widget,
            require_all_fields=False,
            required=False,
            **kwargs,
        )

    def _datum(self, values):
        if not isinstance(values, list | tuple):
            values = self.widget.decompress(values)
        return self.compress(["" if v is None else str(v).strip() for v in values])

    def has_changed(self, initial, data):
        return not self.disabled and self._datum(initial) != self._datum(data)


class MetricField(CompoundValueField):
    """An amount and a unit from the attribute's allowed units: {"amount", "unit"}."""

    def __init__(self, *, units: list[str], step: str, **kwargs):
        widget = ValueMultiWidget(
            [
                forms.NumberInput(attrs={"step": step, "class": "vIntegerField"}),
                forms.Select(choices=[(u, u) for u in units]),
            ]
        )
        super().__init__(parts=2, widget=widget, **kwargs)

    def compress(self, data_list):
        amount, unit = [*data_list, "", ""][:2]
        if amount in self.empty_values:
            return None
        return {"amount": amount, "unit": unit}


class PriceField(CompoundValueField):
    """One amount per currency: [{"amount", "currency"}] for the amounts given."""

    def __init__(self, *, currencies: list[str], step: str, **kwargs):
        self.currencies = currencies
        widget = LabelledMultiWidget(
            {
                c: forms.NumberInput(attrs={"step": step, "class": "vIntegerField"})
                for c in currencies
            }
        )
        super().__init__(parts=len(currencies), widget=widget, **kwargs)

    def compress(self, data_list):
        prices = [
            {"amount": amount, "currency": currency}
            for currency, amount in zip(self.currencies, data_list, strict=False)
            if amount not in self.empty_values
        ]
        return prices or None


class MultilineTextField(forms.CharField):
    """Text of a textarea, with the line breaks browsers send (CR LF) as they are stored (LF)."""

    def to_python(self, value):
        value = super().to_python(value)
        return value.replace("\r\n", "\n") if isinstance(value, str) else value


class TermsField(forms.Field):
    """Term codes, passed to the service as chosen (it says which are unknown or deprecated)."""

    widget = forms.SelectMultiple

    def to_python(self, value):
        if value in self.empty_values:
            return []
        return [str(v) for v in value] if isinstance(value, list | tuple) else [str(value)]

    def has_changed(self, initial, data):
        return not self.disabled and set(initial or []) != set(self.to_python(data))


def term_choices(terms: dict[str, Term], held: Iterable[str]) -> list[tuple[str, str]]:
    """A vocabulary's terms in order; deprecated ones only where held (they stay valid there)."""
    held = set(held)
    choices = []
    for code, term in terms.items():
        if term.is_deprecated and code not in held:
            continue
        label = display_label(term.labels, code)
        choices.append((code, f"{label} (deprecated)" if term.is_deprecated else label))
    choices += [(code, f"{code} (unknown)") for code in sorted(held - terms.keys())]
    return choices


def value_field(
    attribute: Attribute, datum: Any, catalog: Catalog, terms: dict[str, Term]
) -> forms.Field:
    """The form field for one place of an attribute, its initial value the stored `datum`.

    Inputs reach the service as typed (numbers and dates as text, codes as chosen), so what is
    wrong with them is said once, by the service, in its words.
    """
    kind = attribute.type
    step = "any" if attribute.decimals_allowed else "1"
    if kind in (AttributeType.IDENTIFIER, AttributeType.TEXT):
        return forms.CharField(required=False, initial=datum)
    if kind in (AttributeType.TEXTAREA, AttributeType.RICH_TEXT):
        help_text = "HTML; scripts and unknown tags are removed." if kind == "rich_text" else ""
        return MultilineTextField(
            required=False,
            strip=False,
            initial=datum,
            widget=forms.Textarea(attrs={"rows": 3, "cols": 60}),
            help_text=help_text,
        )
    if kind == AttributeType.NUMBER:
        return forms.CharField(
            required=False,
            initial=None if datum is None else str(datum),
            widget=forms.NumberInput(attrs={"step": step}),
        )
    if kind == AttributeType.METRIC:
        units = list(attribute.allowed_units or [])
        held = datum.get("unit") if isinstance(datum, dict) else None
        if held and held not in units:
            units.append(held)
        initial = (
            [datum.get("amount"), held]
            if isinstance(datum, dict)
            else [None, attribute.default_unit or None]
        )
        return MetricField(units=units, step=step, initial=initial)
    if kind == AttributeType.PRICE:
        amounts = {p.get("currency"): p.get("amount") for p in datum or [] if isinstance(p, dict)}
        currencies = sorted(catalog.context.active_currencies | amounts.keys())
        return PriceField(
            currencies=currencies, step=step, initial=[amounts.get(c) for c in currencies]
        )
    if kind == AttributeType.BOOLEAN:
        return forms.NullBooleanField(required=False, initial=datum)
    if kind == AttributeType.DATE:
        return forms.CharField(
            required=False,
            initial=datum,
            widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        )
    if kind == AttributeType.SELECT:
        choices = term_choices(terms, [datum] if datum else [])
        return forms.CharField(
            required=False, initial=datum, widget=forms.Select(choices=[("", "—"), *choices])
        )
    if kind == AttributeType.MULTISELECT:
        held = datum if isinstance(datum, list) else []
        return TermsField(
            required=False,
            initial=list(held),
            widget=forms.SelectMultiple(choices=term_choices(terms, held)),
        )
    raise ValueError(f"no field for attribute type {kind!r}")


def field_data(value: Any) -> Any:
    """A cleaned field value as API data: empty means null, which erases the value."""
    if (
        value is None
        or value == ""
        or value == []
        or (isinstance(value, str) and not value.strip())
    ):
        return None
    return value


# --- layout ------------------------------------------------------------------------------


@dataclass
class ValuesLayout:
    """The generated fields, the place each editable one writes, and fieldsets by group."""

    fields: dict[str, forms.Field] = field(default_factory=dict)
    places: dict[str, Place] = field(default_factory=dict)  # editable fields only
    sections: list[tuple[str, list[str]]] = field(default_factory=list)

    def field_name(self, place: Place) -> str | None:
        name = place.field_name
        return name if name in self.places else None


def values_layout(
    catalog: Catalog,
    *,
    family: str,
    editable: frozenset[str],
    own: dict,
    inherited: dict[str, tuple[str, dict]],
) -> ValuesLayout:
    """Fields for the family's attributes in `editable` (initial: `own` stored values) and,
    disabled, those in `inherited` ({code: (owner, owner's stored values)}), by attribute group.
    Costs two queries: the groups and the terms of the select attributes."""
    family_attributes = catalog.families[family].attributes
    attributes = [
        a
        for code, a in catalog.attributes.items()  # in (sort order, code) order
        if code in family_attributes and (code in editable or code in inherited)
    ]
    groups = AttributeGroup.objects.filter(pk__in={a.group_id for a in attributes})
    vocabularies = sorted({a.vocabulary.code for a in attributes if a.vocabulary_id})
    terms = governance_selectors.term_map(vocabulary_codes=vocabularies) if vocabularies else {}
    layout, by_group = ValuesLayout(), defaultdict(list)
    for attribute in attributes:
        owner, stored = (None, own) if attribute.code in editable else inherited[attribute.code]
        vocabulary = terms.get(attribute.vocabulary.code, {}) if attribute.vocabulary_id else {}
        label = display_label(attribute.labels, attribute.code)
        for place in places(attribute, catalog):
            scopes = stored.get(attribute.code, {})
            datum = scopes.get(value_key(place.channel, place.locale))
            form_field = value_field(attribute, datum, catalog, vocabulary)
            form_field.label = " · ".join(filter(None, (label, place.channel, place.locale)))
            if owner is not None:
                form_field.disabled = True
                form_field.help_text = f"Inherited from {owner}: edit it there."
            else:
                layout.places[place.field_name] = place
            layout.fields[place.field_name] = form_field
            by_group[attribute.group_id].append(place.field_name)
    for group in sorted(groups, key=lambda g: (g.sort_order, g.code)):
        layout.sections.append((display_label(group.labels, group.code), by_group[group.pk]))
    return layout


# --- the forms ---------------------------------------------------------------------------


class CatalogEntryForm(forms.ModelForm):
    """What products and product models share: generated value fields (`layout`), the version
    the editor read, and errors of the service placed on the fields they are about."""

    layout = ValuesLayout()
    catalog: Catalog
    field_aliases: dict[str, str] = {}  # service field -> form field

    seen_version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk is not None and "seen_version" in self.fields:
            self.fields["seen_version"].required = True
            self.fields["seen_version"].initial = self.instance.version

    @property
    def adding(self) -> bool:
        return self.instance.pk is None

    def value_changes(self) -> dict[str, list[dict]]:
        """API-shaped values of the places whose field changed; adding, the filled ones."""
        values: dict[str, list[dict]] = {}
        for name, place in self.layout.places.items():
            if name not in self.cleaned_data or name not in self.changed_data:
                continue
            data = field_data(self.cleaned_data[name])
            if data is None and self.adding:
                continue
            values.setdefault(place.attribute, []).append(
                {"channel": place.channel, "locale": place.locale, "data": data}
            )
        return values

    def category_codes(self) -> list[str] | None:
        """The chosen categories when adding or when they changed, else None (left alone)."""
        if "categories" not in self.cleaned_data:
            return None
        if not self.adding and "categories" not in self.changed_data:
            return None
        return sorted(c.code for c in self.cleaned_data["categories"])

    def error_field(self, path: str | None) -> str | None:
        """The editable field an error of the service is about, if the form has it."""
        if not path:
            return None
        place = parse_value_path(path)
        name = self.layout.field_name(place) if place else self.field_aliases.get(path, path)
        form_field = self.fields.get(name) if name else None
        return name if form_field is not None and not form_field.disabled else None

    def add_service_errors(self, errors: Iterable[ServiceError]) -> None:
        for path, code, message in errors:
            name = self.error_field(path)
            if name is None and path:
                message = f"{path}: {message}"  # say which place, where no field shows it
            self.add_error(name, ValidationError(message, code=code))

    def attempt(self) -> tuple[Any, list[ServiceError]]:
        """Call the service: (what it saved, the errors that refused it)."""
        raise NotImplementedError

    def _post_clean(self):
        super()._post_clean()
        if not self.errors:
            _, errors = rolled_back(self.attempt)
            self.add_service_errors(errors)

    def save_entry(self):
        """Save through the service for real; EntryRefused if it now refuses."""
        entry, errors = self.attempt()
        if errors:
            raise EntryRefused(
                " ".join(f"{path}: {message}" if path else message for path, _, message in errors)
            )
        return entry


class ProductForm(CatalogEntryForm):
    """A product's values form. `product_form_class` makes one for a family (and parent)."""

    new_sku: str = ""
    entry_family: Family | None = None
    entry_parent: ProductModel | None = None
    field_aliases = {"enabled": "is_enabled"}

    class Meta:
        model = Product
        fields = ["is_enabled", "categories", "seen_version"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.adding:  # what the first step chose, shown read-only
            self.instance.sku = self.new_sku
            self.instance.family = self.entry_family
            self.instance.parent = self.entry_parent

    def item(self) -> dict:
        """The API-shaped item `product_upsert_many` takes."""
        item: dict[str, Any] = {"sku": self.instance.sku}
        if self.adding:
            item["family"] = self.entry_family.code
            if self.entry_parent is not None:
                item["parent"] = self.entry_parent.code
        if "is_enabled" in self.cleaned_data and (self.adding or "is_enabled" in self.changed_data):
            item["enabled"] = self.cleaned_data["is_enabled"]
        categories = self.category_codes()
        if categories is not None:
            item["categories"] = categories
        item["values"] = self.value_changes()
        return item

    def attempt(self):
        version = self.cleaned_data.get("seen_version")
        [outcome] = product_upsert_many(
            items=[self.item()],
            mode="create" if self.adding else "update",
            expected_versions=None if self.adding else {0: version},
            catalog=self.catalog,
            category_scope=product_policy.write_scope(current_user()),
        )
        return outcome.product, [(e["field"], e["code"], e["message"]) for e in outcome.errors]


class ProductModelForm(CatalogEntryForm):
    """A product model's values form: the attributes of its level of the family variant."""

    new_code: str = ""
    entry_variant: FamilyVariant | None = None
    entry_parent: ProductModel | None = None

    class Meta:
        model = ProductModel
        fields = ["categories", "seen_version"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.adding:
            self.instance.code = self.new_code
            self.instance.family_variant = self.entry_variant
            self.instance.parent = self.entry_parent

    def data_for_service(self) -> dict:
        data: dict[str, Any] = {"values": self.value_changes()}
        if self.adding:
            data["code"] = self.new_code
            data["family_variant"] = self.entry_variant.code
            data["parent"] = self.entry_parent.code if self.entry_parent else None
        categories = self.category_codes()
        if categories is not None:
            data["categories"] = categories
        return data

    def attempt(self):
        version = self.cleaned_data.get("seen_version")
        try:
            model = product_model_save(
                data=self.data_for_service(),
                product_model=None if self.adding else self.instance,
                expected_version=None if self.adding else version,
                catalog=self.catalog,
            )
        except VersionConflict as exc:
            message = (
                f"The product model is at version {exc.current}, not {version}: read it again."
            )
            return None, [(None, "stale_version", message)]
        except ValidationError as exc:
            return None, service_errors(exc)
        return model, []


def _inherited(variant, family_attributes, ancestors) -> dict[str, tuple[str, dict]]:
    """{attribute: (owner, owner's values)} for what the ancestors (root first) edit."""
    inherited = {}
    for level, model in enumerate(ancestors):
        for code in variant.owned_at(level, family_attributes):
            inherited[code] = (f"product model {model.code}", model.values)
    return inherited


def product_form_class(
    *,
    catalog: Catalog,
    family: Family,
    parent: ProductModel | None,
    values: dict,
    sku: str = "",
) -> type[ProductForm]:
    """The form for a product of `family` under `parent` (a last-level model, or None): fields
    for the attributes edited on the product, and its models' values shown read-only."""
    family_attributes = catalog.families[family.code].attributes
    editable, inherited = family_attributes, {}
    if parent is not None:
        variant = catalog.variants[parent.family_variant.code]
        ancestors = [parent.parent, parent] if parent.parent_id else [parent]
        editable = variant.owned_at(len(ancestors), family_attributes)
        inherited = _inherited(variant, family_attributes, ancestors)
    layout = values_layout(
        catalog, family=family.code, editable=editable, own=values, inherited=inherited
    )
    attrs = {"layout": layout, "catalog": catalog, "new_sku": sku}
    attrs |= {"entry_family": family, "entry_parent": parent}
    return type("ProductForm", (ProductForm,), {**layout.fields, **attrs})


def product_model_form_class(
    *,
    catalog: Catalog,
    family_variant: FamilyVariant,
    parent: ProductModel | None,
    values: dict,
    code: str = "",
) -> type[ProductModelForm]:
    """The form for a root model (parent None) or a sub-model of a two-level family variant."""
    variant = catalog.variants[family_variant.code]
    family_attributes = catalog.families[variant.family].attributes
    level = 0 if parent is None else 1
    inherited = _inherited(variant, family_attributes, [parent]) if parent else {}
    layout = values_layout(
        catalog,
        family=variant.family,
        editable=variant.owned_at(level, family_attributes),
        own=values,
        inherited=inherited,
    )
    attrs = {"layout": layout, "catalog": catalog, "new_code": code}
    attrs |= {"entry_variant": family_variant, "entry_parent": parent}
    return type("ProductModelForm", (ProductModelForm,), {**layout.fields, **attrs})


# --- adding: the first step --------------------------------------------------------------


class StartForm(forms.Form):
    """What a new entry is, which decides its values form. The service checks it (in a
    rolled-back transaction) without values, which come with the second step."""

    def attempt(self, data: dict) -> list[ServiceError]:
        raise NotImplementedError

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        for path, code, message in rolled_back(lambda: self.attempt(data)):
            if path and path.startswith("values"):
                continue  # axis values and the like: the second step asks for them
            name = path if path in self.fields else None
            if name is None and path:
                message = f"{path}: {message}"
            self.add_error(name, ValidationError(message, code=code))
        return data

    def parent_model(self) -> ProductModel | None:
        code = (self.cleaned_data.get("parent") or "").strip()
        if not code:
            return None
        return ProductModel.objects.select_related("parent", "family_variant__family").get(
            code=code
        )


class ProductStartForm(StartForm):
    sku = forms.CharField(max_length=255, label="SKU")
    family = forms.ModelChoiceField(
        Family.objects.all(),
        to_field_name="code",
        required=False,
        help_text="A variant product may leave it empty: it takes its parent's family.",
    )
    parent = forms.CharField(
        required=False,
        label="Parent product model",
        help_text="For a variant product: the code of a product model at the last level of "
        "its family variant.",
    )

    def attempt(self, data):
        item = {"sku": data["sku"]}
        if data.get("family"):
            item["family"] = data["family"].code
        if (data.get("parent") or "").strip():
            item["parent"] = data["parent"].strip()
        [outcome] = product_upsert_many(
            items=[item],
            mode="create",
            category_scope=product_policy.write_scope(current_user()),
        )
        return [(e["field"], e["code"], e["message"]) for e in outcome.errors]

    def entry(self) -> tuple[str, Family, ProductModel | None]:
        """(sku, family, parent) of a valid form."""
        parent = self.parent_model()
        family = self.cleaned_data.get("family") or parent.family_variant.family
        return self.cleaned_data["sku"].strip(), family, parent


class ProductModelStartForm(StartForm):
    code = forms.CharField(max_length=255)
    family_variant = forms.ModelChoiceField(FamilyVariant.objects.all(), to_field_name="code")
    parent = forms.CharField(
        required=False,
        label="Parent product model",
        help_text="For a sub-model: the code of the root model of the same family variant.",
    )

    def attempt(self, data):
        payload = {
            "code": data["code"],
            "family_variant": data["family_variant"].code,
            "parent": (data.get("parent") or "").strip() or None,
        }
        try:
            product_model_save(data=payload)
        except ValidationError as exc:
            return service_errors(exc)
        return []

    def entry(self) -> tuple[str, FamilyVariant, ProductModel | None]:
        """(code, family variant, parent) of a valid form."""
        return (
            self.cleaned_data["code"].strip(),
            self.cleaned_data["family_variant"],
            self.parent_model(),
        )
