import orjson
from django.db import models
from treebeard.mp_tree import MP_Node

from governance.validators import validate_code, validate_currency_code, validate_locale_code


def _orjson_text(value) -> str:
    return orjson.dumps(value).decode()


class FastJSONField(models.JSONField):
    """A JSONField for large, hot documents (product values).

    Reads decode and PostgreSQL writes encode with orjson, several times faster than the json
    module on a page of a thousand products or a product of 2,400 values. Bulk inserts on PostgreSQL use VALUES rows: Django 5.2's UNNEST
    path makes psycopg escape every document into array text with a regex, which was most of
    a bulk upsert's time; a field with `get_placeholder` opts out of it.
    """

    def get_placeholder(self, value, compiler, connection):
        return "%s"

    def get_db_prep_value(self, value, connection, prepared=False):
        if connection.vendor != "postgresql" or self.encoder is not None:
            return super().get_db_prep_value(value, connection, prepared)
        from psycopg.types.json import Jsonb

        return Jsonb(value if prepared else self.get_prep_value(value), dumps=_orjson_text)

    def from_db_value(self, value, expression, connection):
        if isinstance(value, str) and self.decoder is None:
            try:
                return orjson.loads(value)
            except orjson.JSONDecodeError:
                pass
        return super().from_db_value(value, expression, connection)


class WorkflowState(models.TextChoices):
    DRAFT = "draft"
    IN_REVIEW = "in_review", "In review"
    APPROVED = "approved"
    RETIRED = "retired"


class WorkflowStateMixin(models.Model):
    """Where an object's working copy stands in the approval workflow (draft → in review →
    approved → retired). Only `governance.workflow` moves it; what channels see is the
    `PublishedSnapshot` that approval writes, so editing an approved object (which makes it a
    draft again) does not change what is published."""

    workflow_state = models.CharField(
        max_length=10, choices=WorkflowState.choices, default=WorkflowState.DRAFT, db_index=True
    )

    class Meta:
        abstract = True


class TimestampedModel(models.Model):
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True, db_index=True)

    class Meta:
        abstract = True


class ActivatableCode(TimestampedModel):
    """An entry of a code list that is deactivated, never deleted: values refer to it."""

    label = models.CharField(max_length=100, blank=True)
    is_active = models.BooleanField(default=True)

    class Meta:
        abstract = True
        ordering = ["code"]

    def __str__(self):
        return self.code


class Locale(ActivatableCode):
    code = models.CharField(max_length=16, unique=True, validators=[validate_locale_code])


class Currency(ActivatableCode):
    code = models.CharField(max_length=3, unique=True, validators=[validate_currency_code])

    class Meta(ActivatableCode.Meta):
        verbose_name_plural = "currencies"


class Vocabulary(TimestampedModel):
    """A controlled list of terms (colours, materials) used by select attributes and metadata."""

    code = models.CharField(max_length=100, unique=True, validators=[validate_code])
    labels = models.JSONField(default=dict, blank=True)  # locale code -> label
    is_governed = models.BooleanField(
        default=False,
        help_text="Adding, renaming, merging or deprecating terms goes through a change request.",
    )

    class Meta:
        ordering = ["code"]
        verbose_name_plural = "vocabularies"

    def __str__(self):
        return self.code


class Term(TimestampedModel):
    """One entry of a vocabulary. A deprecated term stays valid where it is already used but
    cannot be newly chosen."""

    vocabulary = models.ForeignKey(Vocabulary, on_delete=models.CASCADE, related_name="terms")
    code = models.CharField(max_length=100, validators=[validate_code])
    labels = models.JSONField(default=dict, blank=True)
    sort_order = models.PositiveIntegerField(default=0)
    is_deprecated = models.BooleanField(default=False)

    class Meta:
        ordering = ["vocabulary", "sort_order", "code"]
        constraints = [
            models.UniqueConstraint(fields=["vocabulary", "code"], name="term_code_unique")
        ]

    def __str__(self):
        return self.code


class Category(MP_Node, TimestampedModel):
    """A node of a category tree; each root is a tree of its own. Siblings are kept in code
    order, so a node's place is fully given by its parent and its code.

    `path` (materialized path, 4 characters per level) is unique, and on PostgreSQL Django
    gives every unique varchar a second `varchar_pattern_ops` index (`..._like`), so
    `path__startswith` (LIKE 'prefix%') is index-backed without an index of our own.
    """

    code = models.CharField(max_length=100, unique=True, validators=[validate_code])
    labels = models.JSONField(default=dict, blank=True)
    is_governed = models.BooleanField(
        default=False,
        help_text="On a root: adding, renaming, moving or deleting its categories goes through "
        "a change request.",
    )

    node_order_by = ["code"]

    class Meta:
        ordering = ["path"]
        verbose_name_plural = "categories"
        permissions = [
            ("work_in_category", "Work on the products classified in this category subtree"),
        ]

    def __str__(self):
        return self.code


class Channel(TimestampedModel):
    """Where content is published (a web shop, an app, a print catalogue)."""

    code = models.CharField(max_length=100, unique=True, validators=[validate_code])
    label = models.CharField(max_length=200, blank=True)
    locales = models.ManyToManyField(Locale, related_name="channels")
    currencies = models.ManyToManyField(Currency, related_name="channels", blank=True)
    category_tree = models.ForeignKey(
        Category,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="channels",
        help_text="The root of the category tree this channel publishes.",
    )
    approval_min_completeness = models.PositiveSmallIntegerField(
        default=100,
        help_text="A product is approved only when at least this complete (percent) in each of "
        "this channel's locales.",
    )

    class Meta:
        ordering = ["code"]

    def __str__(self):
        return self.code


class WorkerHeartbeat(models.Model):
    """The last time each Celery worker ran a task: proof that queued work gets done."""

    hostname = models.CharField(max_length=255, unique=True)
    seen_at = models.DateTimeField()

    def __str__(self):
        return f"{self.hostname} @ {self.seen_at:%Y-%m-%d %H:%M:%S}"


class Event(models.Model):
    """The domain-event outbox: written in the same transaction as the change it tells of, then
    published (webhooks, the change feed) by the linking layer. `key` makes an event happen once."""

    name = models.CharField(max_length=100, db_index=True)
    key = models.CharField(max_length=200, unique=True)
    # The object the event tells of, by type and business identifier (sku, code, uuid).
    object_type = models.CharField(max_length=50, blank=True, default="")
    object_ref = models.CharField(max_length=255, blank=True, default="")
    payload = models.JSONField(default=dict)
    # The channel an event concerns, when it concerns one (a product published on a channel).
    channel = models.CharField(max_length=100, blank=True, default="", db_index=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    published_at = models.DateTimeField(null=True, blank=True, db_index=True)
    # Publication order, given by the relay to committed events one at a time: the change feed's
    # cursor, with no gaps and no duplicates however transactions interleave.
    sequence = models.PositiveBigIntegerField(null=True, blank=True, unique=True)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self):
        return f"{self.name} {self.key}"
