"""Admin for the catalog. Every save goes through pim.services, like the API and imports do.

Reference data (attribute groups, attributes, families, family variants, association types)
uses governance's `ServiceAdmin`: the form runs the service in a rolled-back transaction, so its
errors show inline. Products and product models edit their values in a form generated from
their family (pim.forms), added in two steps: what the entry is, then its values.
"""

import re
from collections import defaultdict

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.widgets import FilteredSelectMultiple
from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Exists, Min, OuterRef, Prefetch
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.utils.html import format_html, format_html_join

from governance import workflow_admin
from governance.admin import CodeFrozenAdmin
from governance.admin_audit import AuditHistoryMixin
from governance.models import Channel
from governance.policies import PolicyAdminMixin
from governance.services import labels_validate
from pim import selectors
from pim.forms import (
    EntryRefused,
    ProductModelStartForm,
    ProductStartForm,
    product_form_class,
    product_model_form_class,
)
from pim.models import (
    ATTRIBUTE_SETTINGS,
    AssociationType,
    Attribute,
    AttributeGroup,
    Completeness,
    Family,
    FamilyVariant,
    Product,
    ProductModel,
)
from pim.policies import product_model_policy, product_policy
from pim.services import catalog as catalog_services
from pim.services.completeness import effective_values
from pim.services.product_models import product_model_delete
from pim.services.products import product_delete
from pim.values import inherit, split_key


def _per_request(request, key, build):
    """A value built once per request: the catalog and the generated form are asked for by
    several admin hooks while one page is served."""
    cache = request.__dict__.setdefault("_pim_admin", {})
    if key not in cache:
        cache[key] = build()
    return cache[key]


# --- reference data ----------------------------------------------------------------------


class FilteredChoices(FilteredSelectMultiple):
    """The admin's two-box selector for a field that is not a model's many-to-many: wrapped like
    those are, since its script moves everything in the widget's parent element."""

    def __init__(self, verbose_name):
        super().__init__(verbose_name, is_stacked=False)

    def render(self, name, value, attrs=None, renderer=None):
        html = super().render(name, value, attrs, renderer)
        return format_html('<div class="related-widget-wrapper">{}</div>', html)


class LabelsForm(forms.ModelForm):
    def clean_labels(self):
        # The services check labels too, but attribute_save, family_save and
        # family_variant_save read `error_list` from labels_validate's error, which has only an
        # `error_dict`: bad labels would end the request with an AttributeError there.
        try:
            return labels_validate(self.cleaned_data.get("labels"))
        except ValidationError as exc:
            raise ValidationError(exc.error_dict["labels"]) from None


class CatalogServiceAdmin(CodeFrozenAdmin):
    """A service error lands on the field that edits its place (`error_field`); one about a
    place the form has no field for, or only a read-only one, goes on top, named."""

    form = LabelsForm

    def error_field(self, key: str) -> str:
        return key

    def service_delete(self, obj):
        catalog_services.catalog_entry_delete(instance=obj)

    def get_form(self, request, obj=None, change=False, **kwargs):
        base = super().get_form(request, obj, change=change, **kwargs)
        model_admin = self

        class Form(base):
            def add_error(self, field, error):
                if field is not None or not hasattr(error, "error_dict"):
                    return super().add_error(field, error)
                for key, errors in error.error_dict.items():
                    name = model_admin.error_field(key) if key != NON_FIELD_ERRORS else None
                    if name in self.fields:
                        super().add_error(name, errors)
                        continue
                    named = [
                        ValidationError(
                            message if key == NON_FIELD_ERRORS else f"{key}: {message}",
                            code=e.code,
                        )
                        for e in errors
                        for message in e.messages
                    ]
                    super().add_error(None, named)
                return None

        return Form


@admin.register(AttributeGroup)
class AttributeGroupAdmin(CatalogServiceAdmin):
    list_display = ["code", "labels", "sort_order", "updated_at"]
    search_fields = ["code"]
    fields = ["code", "labels", "sort_order"]

    def service_save(self, data, *, existing):
        return catalog_services.attribute_group_save(
            code=existing.code if existing else data["code"],
            changes={"labels": data.get("labels"), "sort_order": data["sort_order"]},
            group=existing,
        )


class UnitListField(forms.CharField):
    """Unit names, typed as a comma-separated list."""

    def prepare_value(self, value):
        return ", ".join(value) if isinstance(value, list) else value

    def to_python(self, value):
        return [unit for unit in re.split(r"[,\s]+", super().to_python(value)) if unit]


class AttributeForm(LabelsForm):
    allowed_units = UnitListField(
        required=False,
        help_text="Metric attributes: unit names pint knows, all of one dimension "
        "(gram, kilogram).",
    )


# The service works out metric_family from the units; group and vocabulary are rows here.
ATTRIBUTE_CHANGES = [
    f for f in ATTRIBUTE_SETTINGS if f not in ("group", "vocabulary", "metric_family")
]


@admin.register(Attribute)
class AttributeAdmin(CatalogServiceAdmin):
    form = AttributeForm
    list_display = [
        "code",
        "type",
        "group",
        "is_localizable",
        "is_scopable",
        "is_unique",
        "updated_at",
    ]
    list_filter = ["type", "group", "is_localizable", "is_scopable"]
    list_select_related = ["group"]
    search_fields = ["code"]
    fieldsets = [
        (None, {"fields": ["code", "type", "group", "labels", "sort_order"]}),
        ("Scope", {"fields": ["is_localizable", "is_scopable", "is_unique"]}),
        (
            "Text",
            {"fields": ["max_length", "regex"], "description": "Identifier and text types."},
        ),
        (
            "Numbers",
            {
                "fields": ["min_value", "max_value", "decimals_allowed", "negative_allowed"],
                "description": "Number, metric and price amounts.",
            },
        ),
        ("Metric", {"fields": ["allowed_units", "default_unit", "metric_family"]}),
        ("Dates", {"fields": ["date_min", "date_max"]}),
        ("Select", {"fields": ["vocabulary"], "description": "Select and multiselect."}),
    ]

    def get_readonly_fields(self, request, obj=None):
        # The type decides what stored values mean; the metric family follows the units.
        return ["code", "type", "metric_family"] if obj else ["metric_family"]

    def service_save(self, data, *, existing):
        changes = {name: data[name] for name in ATTRIBUTE_CHANGES if name in data}
        changes["group"] = data["group"].code if data.get("group") else None
        changes["vocabulary"] = data["vocabulary"].code if data.get("vocabulary") else None
        return catalog_services.attribute_save(
            code=existing.code if existing else data["code"], changes=changes, attribute=existing
        )


REQUIRED_ON = "required_on_"


class FamilyForm(LabelsForm):
    """Family fields plus one "Required on <channel>" field per channel (FamilyAdmin adds them)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            required = defaultdict(list)
            for channel, attribute in self.instance.requirements.values_list(
                "channel__code", "attribute__code"
            ):
                required[channel].append(attribute)
            for name in self.fields:
                if name.startswith(REQUIRED_ON):
                    self.initial[name] = sorted(required[name.removeprefix(REQUIRED_ON)])


@admin.register(Family)
class FamilyAdmin(CatalogServiceAdmin):
    form = FamilyForm
    list_display = ["code", "label_attribute", "updated_at"]
    list_select_related = ["label_attribute"]
    search_fields = ["code"]
    filter_horizontal = ["attributes"]

    def _channels(self, request) -> list[str]:
        return _per_request(
            request, "channels", lambda: list(Channel.objects.values_list("code", flat=True))
        )

    def get_fieldsets(self, request, obj=None):
        requirements = [REQUIRED_ON + channel for channel in self._channels(request)]
        return [
            (None, {"fields": ["code", "labels", "attributes", "label_attribute"]}),
            (
                "Requirements",
                {
                    "fields": requirements,
                    "description": "What a product of this family must have filled to be "
                    "complete on each channel (in each of the channel's locales).",
                },
            ),
        ]

    def get_form(self, request, obj=None, change=False, **kwargs):
        codes = _per_request(
            request, "attributes", lambda: list(Attribute.objects.values_list("code", flat=True))
        )
        fields = {
            REQUIRED_ON + channel: forms.MultipleChoiceField(
                label=f"Required on {channel}",
                choices=[(code, code) for code in codes],
                required=False,
                widget=FilteredChoices(f"attributes required on {channel}"),
            )
            for channel in self._channels(request)
        }
        kwargs["form"] = type("FamilyForm", (self.form,), fields)
        return super().get_form(request, obj, change=change, **kwargs)

    def error_field(self, key):
        channel = key.removeprefix("requirements.")
        return REQUIRED_ON + channel if channel != key else key

    def service_save(self, data, *, existing):
        label = data.get("label_attribute")
        changes = {
            "labels": data.get("labels"),
            "attributes": [attribute.code for attribute in data["attributes"]],
            "label_attribute": label.code if label else None,
            "requirements": {
                name.removeprefix(REQUIRED_ON): list(codes)
                for name, codes in data.items()
                if name.startswith(REQUIRED_ON)
            },
        }
        return catalog_services.family_save(
            code=existing.code if existing else data["code"], changes=changes, family=existing
        )


LEVEL_FIELDS = ["level1_axes", "level1_attributes", "level2_axes", "level2_attributes"]
LEVEL_PATH = re.compile(r"^levels\[(?P<index>\d)\]\.(?P<part>axes|attributes)\Z")


class FamilyVariantForm(LabelsForm):
    """Each level's axes and attributes as codes of the family's attributes (of every attribute
    while adding: the family is chosen in the same form). Axes are fixed once saved."""

    level1_axes = forms.MultipleChoiceField(label="Level 1 axes")
    level1_attributes = forms.MultipleChoiceField(label="Level 1 attributes", required=False)
    level2_axes = forms.MultipleChoiceField(
        label="Level 2 axes", required=False, help_text="Leave level 2 empty for one level."
    )
    level2_attributes = forms.MultipleChoiceField(label="Level 2 attributes", required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        saved = self.instance.pk is not None
        attributes = (
            self.instance.family.attributes.all() if saved else Attribute.objects.all()
        ).values_list("code", flat=True)
        codes = set(attributes)
        if saved:
            for level in self.instance.levels.prefetch_related("axes", "attributes"):
                for part in ("axes", "attributes"):
                    held = sorted(a.code for a in getattr(level, part).all())
                    self.initial[f"level{level.level}_{part}"] = held
                    codes.update(held)
        for name in LEVEL_FIELDS:
            form_field = self.fields[name]
            if saved and name.endswith("_axes"):
                form_field.disabled = True  # products vary on them: the service refuses changes
                form_field.required = False
                form_field.widget = forms.SelectMultiple()
            else:
                form_field.widget = FilteredChoices(form_field.label)
            form_field.choices = [(code, code) for code in sorted(codes)]


@admin.register(FamilyVariant)
class FamilyVariantAdmin(CatalogServiceAdmin):
    form = FamilyVariantForm
    list_display = ["code", "family", "updated_at"]
    list_select_related = ["family"]
    list_filter = ["family"]
    search_fields = ["code"]
    fieldsets = [
        (None, {"fields": ["code", "family", "labels"]}),
        ("Level 1", {"fields": ["level1_axes", "level1_attributes"]}),
        ("Level 2", {"fields": ["level2_axes", "level2_attributes"]}),
    ]

    def get_readonly_fields(self, request, obj=None):
        return ["code", "family"] if obj else []

    def error_field(self, key):
        match = LEVEL_PATH.match(key)
        return f"level{int(match['index']) + 1}_{match['part']}" if match else key

    def service_save(self, data, *, existing):
        levels = []
        for number in (1, 2):
            axes = list(data.get(f"level{number}_axes") or [])
            attributes = list(data.get(f"level{number}_attributes") or [])
            if number == 1 or axes or attributes:
                levels.append({"axes": axes, "attributes": attributes})
        changes = {"labels": data.get("labels"), "levels": levels}
        if existing is None:
            changes["family"] = data["family"].code if data.get("family") else None
        return catalog_services.family_variant_save(
            code=existing.code if existing else data["code"], changes=changes, variant=existing
        )


@admin.register(AssociationType)
class AssociationTypeAdmin(CatalogServiceAdmin):
    list_display = ["code", "is_quantified", "is_two_way", "updated_at"]
    list_filter = ["is_quantified", "is_two_way"]
    search_fields = ["code"]
    fields = ["code", "labels", "is_quantified", "is_two_way"]

    def service_save(self, data, *, existing):
        changes = {
            "labels": data.get("labels"),
            "is_quantified": data["is_quantified"],
            "is_two_way": data["is_two_way"],
        }
        return catalog_services.association_type_save(
            code=existing.code if existing else data["code"],
            changes=changes,
            association_type=existing,
        )


# --- products and product models ---------------------------------------------------------


def datum_text(data) -> str:
    """A stored datum as a reader reads it."""
    if isinstance(data, bool):
        return "yes" if data else "no"
    if isinstance(data, dict):  # a metric
        return f"{data.get('amount')} {data.get('unit')}"
    if isinstance(data, list):  # prices, or terms
        return ", ".join(
            f"{p.get('amount')} {p.get('currency')}" if isinstance(p, dict) else str(p)
            for p in data
        )
    return str(data)


class CatalogEntryAdmin(AuditHistoryMixin, admin.ModelAdmin):
    """The values form generated from the entry's family (pim.forms): validated by the service
    in a rolled-back transaction, saved by it for real. Adding takes two steps: the first asks
    what the entry is (which decides its fields), the second its values."""

    start_form_class: type[forms.Form]
    has_completeness = False
    start_template = "admin/pim/add_start.html"
    autocomplete_fields = ["categories"]

    def main_fields(self, obj) -> list[str]:
        raise NotImplementedError

    def build_form_class(self, request, obj, start):
        raise NotImplementedError

    def catalog(self, request):
        return _per_request(request, "catalog", selectors.catalog_load)

    def start_form(self, request):
        def build():
            names = self.start_form_class.base_fields
            bound = any(name in request.GET for name in names)
            return self.start_form_class(request.GET if bound else None)

        return _per_request(request, "start", build)

    def entry_form(self, request, obj):
        key = ("form", obj.pk if obj else None)
        start = None if obj else self.start_form(request)
        return _per_request(request, key, lambda: self.build_form_class(request, obj, start))

    def add_view(self, request, form_url="", extra_context=None):
        start = self.start_form(request)
        if start.is_bound and start.is_valid():
            return super().add_view(request, form_url, extra_context)
        if not self.has_add_permission(request):
            raise PermissionDenied
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": f"Add {self.opts.verbose_name}",
            "form": start,
            "carried": [(k, v) for k, v in request.GET.items() if k not in start.fields],
        }
        return TemplateResponse(request, self.start_template, context)

    def get_fieldsets(self, request, obj=None):
        main = self.main_fields(obj)
        if obj is not None and not self.has_change_permission(request, obj):
            main = [name for name in main if name != "seen_version"]
        fieldsets = [(None, {"fields": main})]
        if obj is not None and self.has_completeness:
            fieldsets.append(("Completeness", {"fields": ["completeness_detail"]}))
        if obj is not None and not self.has_change_permission(request, obj):
            return [*fieldsets, ("Values", {"fields": ["values_detail"]})]
        form = self.entry_form(request, obj)
        return fieldsets + [(title, {"fields": names}) for title, names in form.layout.sections]

    def shown_values(self, obj) -> dict:
        """The stored values a reader sees: the entry's own over those it inherits."""
        raise NotImplementedError

    @admin.display(description="Values")
    def values_detail(self, obj):
        """For readers without the right to change: the values as a table."""
        rows = [
            (code, channel or "", locale or "", datum_text(data))
            for code, scopes in sorted(self.shown_values(obj).items())
            for key, data in sorted(scopes.items())
            for channel, locale in [split_key(key)]
        ]
        if not rows:
            return "No values."
        return format_html(
            "<table><thead><tr><th>Attribute</th><th>Channel</th><th>Locale</th><th>Value</th>"
            "</tr></thead><tbody>{}</tbody></table>",
            format_html_join("", "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>", rows),
        )

    def get_form(self, request, obj=None, change=False, **kwargs):
        kwargs["form"] = self.entry_form(request, obj)
        return super().get_form(request, obj, change=change, **kwargs)

    def save_model(self, request, obj, form, change):
        entry = form.save_entry()
        obj.pk, obj._state.adding = entry.pk, False

    def save_related(self, request, form, formsets, change):
        pass  # categories were written by the service, with the values

    def service_delete(self, obj) -> None:
        raise NotImplementedError

    def delete_model(self, request, obj):
        self.service_delete(obj)

    def delete_queryset(self, request, queryset):
        with transaction.atomic():
            for obj in queryset:
                self.service_delete(obj)

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except EntryRefused as exc:  # the view's transaction is rolled back: nothing was saved
            self.message_user(request, f"Not saved: {exc}", messages.ERROR)
            return HttpResponseRedirect(request.get_full_path())


class CompletenessFilter(admin.SimpleListFilter):
    """Complete or not on one channel × locale (rows kept by the services; index-backed)."""

    title = "completeness"
    parameter_name = "completeness"

    def lookups(self, request, model_admin):
        pairs = Channel.locales.through.objects.order_by("channel__code", "locale__code")
        return [
            (f"{state}:{channel}:{locale}", f"{label} on {channel} · {locale}")
            for channel, locale in pairs.values_list("channel__code", "locale__code")
            for state, label in (("complete", "Complete"), ("incomplete", "Incomplete"))
        ]

    def queryset(self, request, queryset):
        if not self.value():
            return queryset
        state, channel, locale = self.value().split(":")
        rows = Completeness.objects.filter(
            product_id=OuterRef("pk"), channel__code=channel, locale__code=locale
        )
        rows = rows.filter(ratio=100) if state == "complete" else rows.filter(ratio__lt=100)
        return queryset.filter(Exists(rows))


@admin.register(Product)
class ProductAdmin(PolicyAdminMixin, CatalogEntryAdmin):
    policy = product_policy
    start_form_class = ProductStartForm
    has_completeness = True
    list_display = [
        "sku",
        "family",
        "parent",
        "is_enabled",
        "updated_at",
        "completeness_summary",
        "workflow_state",
    ]
    list_filter = ["workflow_state", "is_enabled", "family", CompletenessFilter]
    actions = workflow_admin.ACTIONS
    search_fields = ["sku"]
    readonly_fields = ["sku", "family", "parent", "completeness_detail"]

    def get_queryset(self, request):
        completeness = Completeness.objects.select_related("channel", "locale")
        queryset = (
            selectors.product_list()
            .prefetch_related(Prefetch("completeness", queryset=completeness))
            .annotate(lowest_completeness=Min("completeness__ratio"))
        )
        queryset = product_policy.visible(request.user, queryset)
        ordering = self.get_ordering(request)
        return queryset.order_by(*ordering) if ordering else queryset

    def shown_values(self, obj):
        return effective_values(obj)

    def service_delete(self, obj):
        product_delete(product=obj)

    def main_fields(self, obj):
        return ["sku", "family", "parent", "is_enabled", "categories", "seen_version"]

    def build_form_class(self, request, obj, start):
        if obj is not None:
            family, parent, values, sku = obj.family, obj.parent, obj.values, obj.sku
        else:
            sku, family, parent = start.entry()
            values = {}
        return product_form_class(
            catalog=self.catalog(request), family=family, parent=parent, values=values, sku=sku
        )

    @admin.display(description="Completeness", ordering="lowest_completeness")
    def completeness_summary(self, obj):
        """Per channel, the lowest to the highest percentage over its locales."""
        ratios = defaultdict(list)
        for row in obj.completeness.all():
            ratios[row.channel.code].append((row.locale.code, row.ratio))
        parts = []
        for channel, by_locale in sorted(ratios.items()):
            low, high = min(r for _, r in by_locale), max(r for _, r in by_locale)
            detail = ", ".join(f"{locale} {ratio}%" for locale, ratio in sorted(by_locale))
            parts.append((detail, channel, f"{low}%" if low == high else f"{low}–{high}%"))
        return format_html_join(" · ", '<span title="{}">{} {}</span>', parts) or "—"

    @admin.display(description="Completeness")
    def completeness_detail(self, obj):
        rows = sorted(obj.completeness.all(), key=lambda c: (c.channel.code, c.locale.code))
        if not rows:
            return "No channel requires anything of this family."
        body = format_html_join(
            "",
            "<tr><td>{}</td><td>{}</td><td>{}%</td><td>{}</td></tr>",
            (
                (c.channel.code, c.locale.code, c.ratio, ", ".join(c.missing_codes) or "—")
                for c in rows
            ),
        )
        return format_html(
            "<table><thead><tr><th>Channel</th><th>Locale</th><th>Complete</th>"
            "<th>Missing</th></tr></thead><tbody>{}</tbody></table>",
            body,
        )


@admin.register(ProductModel)
class ProductModelAdmin(PolicyAdminMixin, CatalogEntryAdmin):
    policy = product_model_policy
    start_form_class = ProductModelStartForm
    list_display = ["code", "family_variant", "parent", "workflow_state", "updated_at"]
    list_filter = ["workflow_state", "family_variant"]
    actions = workflow_admin.ACTIONS
    search_fields = ["code"]
    readonly_fields = ["code", "family_variant", "parent"]

    def get_queryset(self, request):
        queryset = product_model_policy.visible(request.user, selectors.product_model_list())
        ordering = self.get_ordering(request)
        return queryset.order_by(*ordering) if ordering else queryset

    def shown_values(self, obj):
        return inherit(obj.parent.values, obj.values) if obj.parent_id else obj.values

    def service_delete(self, obj):
        product_model_delete(product_model=obj)

    def main_fields(self, obj):
        return ["code", "family_variant", "parent", "categories", "seen_version"]

    def build_form_class(self, request, obj, start):
        if obj is not None:
            code, variant, parent, values = obj.code, obj.family_variant, obj.parent, obj.values
        else:
            code, variant, parent = start.entry()
            values = {}
        return product_model_form_class(
            catalog=self.catalog(request),
            family_variant=variant,
            parent=parent,
            values=values,
            code=code,
        )
