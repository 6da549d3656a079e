"""The catalog: attributes and their groups, families and their variants, product models,
products and associations. Values live as JSON on the row that owns them, keyed by
attribute code, then by `channel|locale` (empty where the attribute is not scopable or not
localizable): {"name": {"|en_US": "Tee"}, "weight": {"|": {"amount": "1.2", "unit": "kg", …}}}.
"""

from django.db import models

from governance.models import FastJSONField, TimestampedModel, WorkflowStateMixin
from governance.validators import validate_code


class AttributeType(models.TextChoices):
    IDENTIFIER = "identifier"
    TEXT = "text"
    TEXTAREA = "textarea"
    RICH_TEXT = "rich_text"
    NUMBER = "number"
    METRIC = "metric"
    PRICE = "price"
    BOOLEAN = "boolean"
    DATE = "date"
    SELECT = "select"
    MULTISELECT = "multiselect"


AXIS_TYPES = {AttributeType.SELECT, AttributeType.BOOLEAN, AttributeType.METRIC}


class AttributeGroup(TimestampedModel):
    code = models.CharField(max_length=100, unique=True, validators=[validate_code])
    labels = models.JSONField(default=dict, blank=True)
    sort_order = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["sort_order", "code"]

    def __str__(self):
        return self.code


# What an attribute's writer may set (its code is given apart); the API, the admin and the
# service share this one list.
ATTRIBUTE_SETTINGS = (
    "type",
    "group",
    "labels",
    "sort_order",
    "is_localizable",
    "is_scopable",
    "is_unique",
    "max_length",
    "regex",
    "min_value",
    "max_value",
    "decimals_allowed",
    "negative_allowed",
    "metric_family",
    "default_unit",
    "allowed_units",
    "date_min",
    "date_max",
    "vocabulary",
)


class Attribute(TimestampedModel):
    code = models.CharField(max_length=100, unique=True, validators=[validate_code])
    type = models.CharField(max_length=20, choices=AttributeType.choices)
    group = models.ForeignKey(AttributeGroup, on_delete=models.PROTECT, related_name="attributes")
    labels = models.JSONField(default=dict, blank=True)
    sort_order = models.PositiveIntegerField(default=0)
    is_localizable = models.BooleanField(default=False)
    is_scopable = models.BooleanField(default=False)
    is_unique = models.BooleanField(default=False)
    # Constraints; each applies to the types that have the notion.
    max_length = models.PositiveIntegerField(null=True, blank=True)
    regex = models.CharField(max_length=255, blank=True)
    min_value = models.DecimalField(max_digits=20, decimal_places=6, null=True, blank=True)
    max_value = models.DecimalField(max_digits=20, decimal_places=6, null=True, blank=True)
    decimals_allowed = models.BooleanField(default=False)
    negative_allowed = models.BooleanField(default=False)
    metric_family = models.CharField(
        max_length=50, blank=True, help_text="A pint dimension, e.g. [length] or [mass]."
    )
    default_unit = models.CharField(max_length=50, blank=True)
    allowed_units = models.JSONField(default=list, blank=True)
    date_min = models.DateField(null=True, blank=True)
    date_max = models.DateField(null=True, blank=True)
    vocabulary = models.ForeignKey(
        "governance.Vocabulary",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="attributes",
    )

    class Meta:
        ordering = ["sort_order", "code"]

    def __str__(self):
        return self.code


class Family(TimestampedModel):
    code = models.CharField(max_length=100, unique=True, validators=[validate_code])
    labels = models.JSONField(default=dict, blank=True)
    attributes = models.ManyToManyField(Attribute, related_name="families", blank=True)
    label_attribute = models.ForeignKey(
        Attribute, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["code"]
        verbose_name_plural = "families"

    def __str__(self):
        return self.code


class FamilyRequirement(models.Model):
    """An attribute a product of the family must have filled to be complete on a channel."""

    family = models.ForeignKey(Family, on_delete=models.CASCADE, related_name="requirements")
    channel = models.ForeignKey("governance.Channel", on_delete=models.CASCADE, related_name="+")
    attribute = models.ForeignKey(Attribute, on_delete=models.CASCADE, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["family", "channel", "attribute"], name="pim_requirement_unique"
            )
        ]

    def __str__(self):
        return f"{self.family_id}:{self.channel_id}:{self.attribute_id}"


class FamilyVariant(TimestampedModel):
    """How a family's products vary: one or two levels, each with axes and its own attributes.

    Attributes of the family on no level are common: they live on the root product model.
    """

    code = models.CharField(max_length=100, unique=True, validators=[validate_code])
    family = models.ForeignKey(Family, on_delete=models.PROTECT, related_name="variants")
    labels = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["code"]

    def __str__(self):
        return self.code


class VariantLevel(models.Model):
    family_variant = models.ForeignKey(
        FamilyVariant, on_delete=models.CASCADE, related_name="levels"
    )
    level = models.PositiveSmallIntegerField(choices=[(1, "1"), (2, "2")])
    axes = models.ManyToManyField(Attribute, related_name="+")
    attributes = models.ManyToManyField(Attribute, related_name="+", blank=True)

    class Meta:
        ordering = ["level"]
        constraints = [
            models.UniqueConstraint(
                fields=["family_variant", "level"], name="pim_variant_level_unique"
            )
        ]

    def __str__(self):
        return f"level {self.level}"


class CatalogEntry(TimestampedModel):
    """What products and product models share: values, categories, a version for concurrency."""

    values = FastJSONField(default=dict, blank=True)
    version = models.PositiveIntegerField(default=1)
    # SKU/code, label and text values in every locale, kept by the services for search.
    search_text = models.TextField(blank=True, default="")

    class Meta:
        abstract = True


class ProductModel(WorkflowStateMixin, CatalogEntry):
    code = models.CharField(max_length=255, unique=True, validators=[validate_code])
    family_variant = models.ForeignKey(FamilyVariant, on_delete=models.PROTECT, related_name="+")
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    # The values of this model's axes, "attr=value;…", unique among siblings.
    axis_key = models.CharField(max_length=500, blank=True, default="")
    categories = models.ManyToManyField(
        "governance.Category", blank=True, related_name="product_models"
    )

    class Meta:
        ordering = ["code"]
        permissions = [
            ("submit_productmodel", "Can submit a product model for review"),
            ("approve_productmodel", "Can approve or reject a product model"),
            ("retire_productmodel", "Can retire a product model"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["parent", "axis_key"],
                condition=models.Q(parent__isnull=False),
                name="pim_model_axes_unique",
            )
        ]

    def __str__(self):
        return self.code


class Product(WorkflowStateMixin, CatalogEntry):
    sku = models.CharField(max_length=255)
    # The SKU as compared: trimmed and case-folded, so "ab-1" and "AB-1 " are the same product.
    sku_key = models.CharField(max_length=255, unique=True)
    family = models.ForeignKey(Family, on_delete=models.PROTECT, related_name="products")
    parent = models.ForeignKey(
        ProductModel, null=True, blank=True, on_delete=models.PROTECT, related_name="variants"
    )
    axis_key = models.CharField(max_length=500, blank=True, default="")
    is_enabled = models.BooleanField(default=True)
    categories = models.ManyToManyField("governance.Category", blank=True, related_name="products")

    class Meta:
        ordering = ["sku_key"]
        permissions = [
            ("submit_product", "Can submit a product for review"),
            ("approve_product", "Can approve or reject a product"),
            ("retire_product", "Can retire a product"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["parent", "axis_key"],
                condition=models.Q(parent__isnull=False),
                name="pim_variant_axes_unique",
            )
        ]
        indexes = [models.Index(fields=["updated_at", "id"], name="pim_product_updated")]

    def __str__(self):
        return self.sku


class Completeness(models.Model):
    """How complete a product is for one channel and locale, kept current by the services."""

    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="completeness")
    channel = models.ForeignKey("governance.Channel", on_delete=models.CASCADE, related_name="+")
    locale = models.ForeignKey("governance.Locale", on_delete=models.CASCADE, related_name="+")
    ratio = models.PositiveSmallIntegerField()  # percent, 0-100
    required_count = models.PositiveIntegerField()
    # Attribute codes, comma-joined (codes hold no commas): a page of a thousand products
    # reads twelve thousand of these, and splitting text beats decoding JSON.
    missing = models.TextField(blank=True, default="")

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["product", "channel", "locale"], name="pim_completeness_unique"
            )
        ]
        indexes = [
            models.Index(fields=["channel", "locale", "ratio"], name="pim_completeness_ratio")
        ]

    def __str__(self):
        return f"{self.ratio}%"

    @property
    def missing_codes(self) -> list[str]:
        return self.missing.split(",") if self.missing else []


class UniqueValue(models.Model):
    """The value of a unique attribute, held by one product: the database refuses a second."""

    attribute = models.ForeignKey(Attribute, on_delete=models.CASCADE, related_name="+")
    value = models.CharField(max_length=255)
    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="unique_values")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["attribute", "value"], name="pim_unique_value")
        ]

    def __str__(self):
        return self.value


class AssociationType(TimestampedModel):
    code = models.CharField(max_length=100, unique=True, validators=[validate_code])
    labels = models.JSONField(default=dict, blank=True)
    is_quantified = models.BooleanField(
        default=False, help_text="Bundles and packs: links carry a quantity."
    )
    is_two_way = models.BooleanField(
        default=False, help_text="A link from A to B also links B to A."
    )

    class Meta:
        ordering = ["code"]

    def __str__(self):
        return self.code


class Association(models.Model):
    """A product's link to another product or product model under an association type."""

    association_type = models.ForeignKey(
        AssociationType, on_delete=models.CASCADE, related_name="+"
    )
    source = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="associations")
    target_product = models.ForeignKey(
        Product, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    target_model = models.ForeignKey(
        ProductModel, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    quantity = models.PositiveIntegerField(default=1)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(target_product__isnull=False, target_model__isnull=True)
                | models.Q(target_product__isnull=True, target_model__isnull=False),
                name="pim_association_one_target",
            ),
            models.UniqueConstraint(
                fields=["association_type", "source", "target_product"],
                condition=models.Q(target_product__isnull=False),
                name="pim_association_product_unique",
            ),
            models.UniqueConstraint(
                fields=["association_type", "source", "target_model"],
                condition=models.Q(target_model__isnull=False),
                name="pim_association_model_unique",
            ),
        ]

    def __str__(self):
        return f"{self.association_type_id}: {self.source_id}"
