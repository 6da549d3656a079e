from django.db import models

from governance.validators import validate_code, validate_currency_code, validate_locale_code


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


class Channel(TimestampedModel):
    """Where content is published (a web shop, an app, a print catalogue)."""

    code = models.CharField(max_length=100, unique=True, validators=[validate_code])
    label = models.CharField(max_length=200, blank=True)
    locales = models.ManyToManyField(Locale, related_name="channels")
    currencies = models.ManyToManyField(Currency, related_name="channels", blank=True)

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
