"""Quality checks: each run of the registered checks, and what each check found."""

from django.conf import settings
from django.db import models


class QualityRunStatus(models.TextChoices):
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


class QualityRun(models.Model):
    started_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    status = models.CharField(
        max_length=10, choices=QualityRunStatus.choices, default=QualityRunStatus.RUNNING
    )
    checks = models.JSONField(default=list, help_text="The codes of the checks run.")
    counts = models.JSONField(default=dict, help_text="Findings per check.")
    triggered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["-started_at", "-id"]

    def __str__(self):
        return f"quality run {self.pk} ({self.status})"


class QualitySeverity(models.TextChoices):
    INFO = "info"
    WARNING = "warning"
    ERROR = "error"


class QualityFinding(models.Model):
    run = models.ForeignKey(QualityRun, on_delete=models.CASCADE, related_name="findings")
    check_code = models.CharField(max_length=100, db_index=True)
    severity = models.CharField(max_length=10, choices=QualitySeverity.choices)
    object_type = models.CharField(max_length=50)  # product, asset, attribute, family, …
    object_ref = models.CharField(max_length=255)  # its business identifier (sku, uuid, code)
    message = models.CharField(max_length=1000)
    details = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["run", "check_code", "object_ref", "id"]

    def __str__(self):
        return f"{self.check_code}: {self.object_ref}"
