"""Digital assets: an asset is a stable identity (uuid, code, descriptive metadata, tags) whose
file lives in versions. Originals are content-addressed: the storage key is the SHA-256 of the
bytes, so no user-supplied name reaches storage and identical bytes are stored once."""

import uuid

from django.conf import settings
from django.db import models
from guardian.models import GroupObjectPermissionBase, UserObjectPermissionBase

from governance.models import FastJSONField, TimestampedModel, WorkflowStateMixin
from governance.validators import validate_code


class AssetKind(models.TextChoices):
    IMAGE = "image"
    VECTOR = "vector"
    VIDEO = "video"
    AUDIO = "audio"
    DOCUMENT = "document"
    MODEL_3D = "3d", "3D model"
    OTHER = "other"


class Collection(TimestampedModel):
    """A folder for a team or a campaign; the unit object permissions are granted on."""

    code = models.CharField(max_length=100, unique=True, validators=[validate_code])
    labels = models.JSONField(default=dict, blank=True)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )

    class Meta:
        ordering = ["code"]
        permissions = [("work_in_collection", "Work on the assets in this collection")]

    def __str__(self):
        return self.code


# Grants on collections by direct foreign key: deleting a collection deletes its grants.
class CollectionUserObjectPermission(UserObjectPermissionBase):
    content_object = models.ForeignKey(Collection, on_delete=models.CASCADE)


class CollectionGroupObjectPermission(GroupObjectPermissionBase):
    content_object = models.ForeignKey(Collection, on_delete=models.CASCADE)


class Asset(WorkflowStateMixin, TimestampedModel):
    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    code = models.CharField(max_length=150, unique=True, validators=[validate_code])
    kind = models.CharField(max_length=10, choices=AssetKind.choices)
    collection = models.ForeignKey(
        Collection, null=True, blank=True, on_delete=models.PROTECT, related_name="assets"
    )
    # Per-locale texts: {"en_US": "…"}.
    title = models.JSONField(default=dict, blank=True)
    description = models.JSONField(default=dict, blank=True)
    alt_text = models.JSONField(default=dict, blank=True)
    caption = models.JSONField(default=dict, blank=True)
    credit = models.CharField(max_length=255, blank=True)
    # Where the subject is (0-1 from the left and the top): cover crops keep it in frame.
    focal_point_x = models.FloatField(null=True, blank=True)
    focal_point_y = models.FloatField(null=True, blank=True)
    current_version = models.ForeignKey(
        "AssetVersion", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    version = models.PositiveIntegerField(default=1)  # optimistic concurrency (ETag)
    search_text = models.TextField(blank=True, default="")

    class Meta:
        ordering = ["code"]
        indexes = [models.Index(fields=["updated_at", "id"], name="dam_asset_updated")]
        permissions = [
            ("submit_asset", "Can submit an asset for review"),
            ("approve_asset", "Can approve or reject an asset"),
            ("retire_asset", "Can retire an asset"),
        ]

    def __str__(self):
        return self.code


class MetadataStatus(models.TextChoices):
    PENDING = "pending"
    DONE = "done"
    FAILED = "failed"


class AssetVersion(models.Model):
    asset = models.ForeignKey(Asset, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    file = models.CharField(max_length=255, help_text="Storage key: originals/ab/cd/<sha256>.<ext>")
    original_filename = models.CharField(max_length=255)
    sha256 = models.CharField(max_length=64, db_index=True)
    size = models.PositiveBigIntegerField()
    mime = models.CharField(max_length=100)
    phash = models.CharField(max_length=32, blank=True, default="", db_index=True)
    metadata = FastJSONField(default=dict, blank=True)
    metadata_status = models.CharField(
        max_length=10, choices=MetadataStatus.choices, default=MetadataStatus.PENDING
    )
    metadata_error = models.TextField(blank=True, default="")
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    comment = models.CharField(max_length=500, blank=True)
    restored_from = models.PositiveIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["asset", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["asset", "number"], name="dam_version_number_unique")
        ]

    def __str__(self):
        return f"{self.asset_id} v{self.number}"


class TagSource(models.TextChoices):
    MANUAL = "manual"
    EMBEDDED = "embedded"
    AUTO = "auto"
    PRODUCT = "product"


class Tag(models.Model):
    asset = models.ForeignKey(Asset, on_delete=models.CASCADE, related_name="tags")
    name = models.CharField(max_length=100)
    source = models.CharField(max_length=10, choices=TagSource.choices, default=TagSource.MANUAL)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["asset", "name", "source"], name="dam_tag_unique")
        ]

    def __str__(self):
        return self.name


class LicenceType(models.TextChoices):
    OWNED = "owned"
    ROYALTY_FREE = "royalty_free", "Royalty-free"
    RIGHTS_MANAGED = "rights_managed", "Rights-managed"
    EDITORIAL_ONLY = "editorial_only", "Editorial only"


class UsageRight(TimestampedModel):
    """Where, when and how an asset may be used. An asset with no right is usable nowhere
    but internally; several rights add up (any one that allows the use suffices)."""

    asset = models.ForeignKey(Asset, on_delete=models.CASCADE, related_name="rights")
    licence = models.CharField(max_length=20, choices=LicenceType.choices)
    territories = models.JSONField(
        default=list, blank=True, help_text="ISO 3166 codes; empty = worldwide."
    )
    channels = models.ManyToManyField(
        "governance.Channel", blank=True, related_name="+", help_text="Empty = every channel."
    )
    valid_from = models.DateTimeField(null=True, blank=True)
    valid_until = models.DateTimeField(null=True, blank=True, db_index=True)
    consent_document = models.ForeignKey(
        Asset,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="consent_for",
        help_text="The model or property release, itself an asset.",
    )
    credit_line = models.CharField(max_length=255, blank=True)
    notes = models.TextField(blank=True)

    class Meta:
        ordering = ["asset", "valid_until"]

    def __str__(self):
        return f"{self.licence} for {self.asset_id}"


class RenditionProfile(TimestampedModel):
    """A named transformation (Cloudinary's "named transformation"): box, fit, format, quality."""

    code = models.CharField(max_length=100, unique=True, validators=[validate_code])
    labels = models.JSONField(default=dict, blank=True)
    width = models.PositiveIntegerField(null=True, blank=True)
    height = models.PositiveIntegerField(null=True, blank=True)
    fit = models.CharField(
        max_length=10, default="contain", choices=[(f, f) for f in ("contain", "cover", "pad")]
    )
    format = models.CharField(
        max_length=10,
        default="jpeg",
        choices=[(f, f) for f in ("jpeg", "png", "webp", "avif", "mp4")],
    )
    quality = models.PositiveSmallIntegerField(default=82)
    background = models.CharField(max_length=30, default="#ffffff")
    use_focal_point = models.BooleanField(default=True)
    watermark = models.CharField(max_length=200, blank=True)
    channel = models.ForeignKey(
        "governance.Channel", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    is_pregenerated = models.BooleanField(
        default=False, help_text="Made by the workers after every upload."
    )

    class Meta:
        ordering = ["code"]

    def __str__(self):
        return self.code


class RenditionStatus(models.TextChoices):
    DONE = "done"
    FAILED = "failed"


class Rendition(models.Model):
    """One derivative of one version for one profile: unique, so concurrent requests make one."""

    version = models.ForeignKey(AssetVersion, on_delete=models.CASCADE, related_name="renditions")
    profile = models.ForeignKey(
        RenditionProfile, on_delete=models.CASCADE, related_name="renditions"
    )
    spec_key = models.CharField(
        max_length=64, help_text="Hash of the profile's settings when made."
    )
    file = models.CharField(max_length=255, blank=True)
    width = models.PositiveIntegerField(null=True)
    height = models.PositiveIntegerField(null=True)
    size = models.PositiveBigIntegerField(null=True)
    mime = models.CharField(max_length=100, blank=True)
    status = models.CharField(max_length=10, choices=RenditionStatus.choices, blank=True)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["version", "profile"], name="dam_rendition_unique")
        ]

    def __str__(self):
        return f"{self.profile_id} of {self.version_id}"


class UploadPreset(TimestampedModel):
    """What an asset must satisfy (Cloudinary's upload presets): file rules checked at upload,
    field rules at approval. A preset without a collection applies to every upload."""

    code = models.CharField(max_length=100, unique=True, validators=[validate_code])
    collection = models.ForeignKey(
        Collection, null=True, blank=True, on_delete=models.CASCADE, related_name="presets"
    )
    allowed_kinds = models.JSONField(default=list, blank=True)
    allowed_types = models.JSONField(
        default=list, blank=True, help_text="MIME types, e.g. image/jpeg."
    )
    min_width = models.PositiveIntegerField(null=True, blank=True)
    min_height = models.PositiveIntegerField(null=True, blank=True)
    max_width = models.PositiveIntegerField(null=True, blank=True)
    max_height = models.PositiveIntegerField(null=True, blank=True)
    max_bytes = models.PositiveBigIntegerField(null=True, blank=True)
    min_aspect_ratio = models.FloatField(null=True, blank=True, help_text="width ÷ height")
    max_aspect_ratio = models.FloatField(null=True, blank=True)
    color_modes = models.JSONField(default=list, blank=True, help_text="Pillow modes, e.g. RGB.")
    alt_text_locales = models.JSONField(
        default=list, blank=True, help_text="Needed before approval."
    )
    requires_rights = models.BooleanField(
        default=False, help_text="A usage right is needed before approval."
    )

    class Meta:
        ordering = ["code"]

    def __str__(self):
        return self.code
