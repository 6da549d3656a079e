"""The channel feed's ready documents: what a channel publishes of a product in a locale, built
when something it shows changes, so a feed page is a read of stored JSON."""

from django.db import models


class ChannelDocument(models.Model):
    """A publishable product's resolved document on a channel in a locale (JSON text, as served).

    A product that is not publishable there has no row."""

    channel = models.ForeignKey("governance.Channel", on_delete=models.CASCADE, related_name="+")
    locale = models.ForeignKey("governance.Locale", on_delete=models.CASCADE, related_name="+")
    product = models.ForeignKey("pim.Product", on_delete=models.CASCADE, related_name="+")
    sku = models.CharField(max_length=255)
    document = models.TextField()
    etag = models.CharField(max_length=64)
    # The earliest moment a right of a manifest asset ends: from then on the document is
    # filtered at request time until the sweep rebuilds it.
    media_expires_at = models.DateTimeField(null=True, blank=True, db_index=True)
    updated_at = models.DateTimeField(db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["channel", "locale", "product"], name="linking_document_unique"
            )
        ]
        indexes = [
            models.Index(fields=["channel", "locale", "updated_at", "id"], name="linking_feed_page")
        ]

    def __str__(self):
        return f"{self.sku} on {self.channel_id}/{self.locale_id}"
