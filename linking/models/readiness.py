"""Media readiness: the roles a family needs per channel, the placeholders used when they are
missing, each channel's policy, and the computed readiness per product × channel × locale."""

from django.db import models


class MediaRequirement(models.Model):
    """A family needs at least `minimum` ready assets in a role on a channel."""

    family = models.ForeignKey("pim.Family", on_delete=models.CASCADE, related_name="+")
    channel = models.ForeignKey("governance.Channel", on_delete=models.CASCADE, related_name="+")
    role = models.CharField(max_length=100)
    minimum = models.PositiveSmallIntegerField(default=1)

    class Meta:
        ordering = ["family", "channel", "role"]
        constraints = [
            models.UniqueConstraint(
                fields=["family", "channel", "role"], name="linking_requirement_unique"
            )
        ]

    def __str__(self):
        return f"{self.family_id}/{self.channel_id}: {self.role} × {self.minimum}"


class FallbackMedia(models.Model):
    """The placeholder the feed shows on a channel when a required role has no ready media."""

    channel = models.ForeignKey("governance.Channel", on_delete=models.CASCADE, related_name="+")
    role = models.CharField(max_length=100)
    asset = models.ForeignKey("dam.Asset", on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["channel", "role"]
        constraints = [
            models.UniqueConstraint(fields=["channel", "role"], name="linking_fallback_unique")
        ]

    def __str__(self):
        return f"{self.channel_id}/{self.role} → {self.asset_id}"


class ChannelMediaPolicy(models.Model):
    """How media readiness weighs on a channel: as part of completeness, as an approval gate."""

    channel = models.OneToOneField(
        "governance.Channel", on_delete=models.CASCADE, related_name="media_policy"
    )
    counts_towards_completeness = models.BooleanField(default=False)
    gates_approval = models.BooleanField(default=False)

    def __str__(self):
        return str(self.channel_id)


class MediaReadiness(models.Model):
    """Computed: how ready a product's media is on a channel in a locale, and what is missing
    ([{role, code, message, asset?}])."""

    product = models.ForeignKey("pim.Product", on_delete=models.CASCADE, related_name="+")
    channel = models.ForeignKey("governance.Channel", on_delete=models.CASCADE, related_name="+")
    locale = models.ForeignKey("governance.Locale", on_delete=models.CASCADE, related_name="+")
    score = models.PositiveSmallIntegerField()  # percent, 0-100
    required = models.PositiveSmallIntegerField()
    ready = models.PositiveSmallIntegerField()
    missing = models.JSONField(default=list, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["product", "channel", "locale"], name="linking_readiness_unique"
            )
        ]

    def __str__(self):
        return f"{self.product_id} on {self.channel_id}/{self.locale_id}: {self.score}%"
