"""Naming rules: file-name patterns whose named parts link an uploaded asset to its product."""

from django.db import models

from governance.models import TimestampedModel
from governance.validators import validate_code


class NamingRule(TimestampedModel):
    """A pattern such as `{sku}_{role}_{position}.{ext}`; rules are tried in `priority` order
    (lowest first) and the first that matches a file name decides."""

    code = models.CharField(max_length=100, unique=True, validators=[validate_code])
    pattern = models.CharField(max_length=255)
    priority = models.PositiveIntegerField(default=100)
    description = models.CharField(max_length=255, blank=True)
    # What a part the pattern leaves out means: a rule `{sku}.{ext}` links as this role.
    default_role = models.CharField(max_length=100, blank=True, default="")
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["priority", "code"]

    def __str__(self):
        return self.code
