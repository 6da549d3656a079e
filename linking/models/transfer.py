"""Import and export: saved column mappings for foreign spreadsheets, and channel exports that
run on a schedule."""

from django.conf import settings
from django.db import models

from governance.models import TimestampedModel
from governance.validators import validate_code


class ImportKind(models.TextChoices):
    PRODUCTS = "products"
    PRODUCT_MODELS = "product_models"


class ImportProfile(TimestampedModel):
    """A reusable mapping of a spreadsheet's columns to product fields and values.

    `mapping` is {"columns": {source column: target}}, a target being {"target": "sku" |
    "family" | "parent" | "categories" | "enabled" | "value" | "unit" | "media_url" | "ignore",
    "attribute", "locale", "channel", "currency", "role", "transforms": [...]}; columns it does
    not name are read by the standard (Akeneo-style) conventions.
    """

    code = models.CharField(max_length=100, unique=True, validators=[validate_code])
    label = models.CharField(max_length=255, blank=True)
    kind = models.CharField(max_length=20, choices=ImportKind.choices, default=ImportKind.PRODUCTS)
    mapping = models.JSONField(default=dict, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["code"]

    def __str__(self):
        return self.code


class ExportFormat(models.TextChoices):
    CSV = "csv"
    XLSX = "xlsx"
    JSON = "json"
    NDJSON = "ndjson"


class ScheduledExport(TimestampedModel):
    """A channel's publishable content written to a file every `interval_minutes` by the beat."""

    code = models.CharField(max_length=100, unique=True, validators=[validate_code])
    channel = models.ForeignKey("governance.Channel", on_delete=models.CASCADE, related_name="+")
    locales = models.JSONField(default=list, blank=True)  # [] = every locale of the channel
    format = models.CharField(max_length=10, choices=ExportFormat.choices, default=ExportFormat.CSV)
    interval_minutes = models.PositiveIntegerField(default=24 * 60)
    is_active = models.BooleanField(default=True)
    next_run_at = models.DateTimeField(null=True, blank=True, db_index=True)
    last_job = models.ForeignKey(
        "governance.Job", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["code"]

    def __str__(self):
        return self.code
