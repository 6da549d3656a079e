"""Tasks the broker could not take when they were sent: kept here until it can."""

from django.db import models


class UnsentTask(models.Model):
    """A task message that failed to publish (broker away); `unsent_tasks_send` sends it again."""

    name = models.CharField(max_length=200)
    args = models.JSONField(default=list, blank=True)
    kwargs = models.JSONField(default=dict, blank=True)
    options = models.JSONField(default=dict, blank=True)  # queue, countdown, priority
    error = models.TextField(blank=True)
    attempts = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]

    def __str__(self):
        return f"{self.name} ({self.attempts} attempts)"
