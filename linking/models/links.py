"""Product↔asset links: which asset shows a product or product model, in which role and place."""

from django.conf import settings
from django.db import models
from django.db.models import Q


class ProductAssetLink(models.Model):
    """An asset serving a product or a product model in a role, at a position within that role,
    optionally only for one locale and/or one channel. Variants inherit their models' links; a
    level that has links in a role replaces what it would inherit in that role."""

    product = models.ForeignKey(
        "pim.Product", null=True, blank=True, on_delete=models.CASCADE, related_name="asset_links"
    )
    product_model = models.ForeignKey(
        "pim.ProductModel",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="asset_links",
    )
    asset = models.ForeignKey("dam.Asset", on_delete=models.CASCADE, related_name="product_links")
    # A term code of the governed `media_roles` vocabulary (hero, front, back, swatch…).
    role = models.CharField(max_length=100)
    position = models.PositiveIntegerField(default=0)
    locale = models.ForeignKey(
        "governance.Locale", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    channel = models.ForeignKey(
        "governance.Channel", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    # Which naming rule made the link, when one did (blank: made by a person or an integration).
    naming_rule = models.CharField(max_length=100, blank=True, default="")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True, db_index=True)

    class Meta:
        ordering = ["role", "position", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(product__isnull=False, product_model__isnull=True)
                | Q(product__isnull=True, product_model__isnull=False),
                name="linking_link_one_owner",
            ),
            models.UniqueConstraint(
                fields=["product", "asset", "role", "locale", "channel"],
                name="linking_link_unique_product",
                nulls_distinct=False,
                condition=Q(product__isnull=False),
            ),
            models.UniqueConstraint(
                fields=["product_model", "asset", "role", "locale", "channel"],
                name="linking_link_unique_model",
                nulls_distinct=False,
                condition=Q(product_model__isnull=False),
            ),
        ]
        indexes = [
            models.Index(fields=["product", "role", "position"], name="linking_link_product"),
            models.Index(fields=["product_model", "role", "position"], name="linking_link_model"),
        ]

    def __str__(self):
        owner = (
            f"product {self.product_id}" if self.product_id else f"model {self.product_model_id}"
        )
        return f"{owner} {self.role}#{self.position} → asset {self.asset_id}"


class TaggedAttribute(models.Model):
    """An attribute whose values linked assets carry as product tags (brand, colour…). SKU,
    model code, family and categories are always carried."""

    attribute = models.OneToOneField("pim.Attribute", on_delete=models.CASCADE, related_name="+")

    def __str__(self):
        return str(self.attribute_id)
