from rest_framework import serializers

from governance.api.serializers import StrictInputSerializer
from governance.models import ChangeKind, ChangeRequest


class ChangeRequestSerializer(serializers.ModelSerializer):
    vocabulary = serializers.SlugRelatedField(slug_field="code", read_only=True, allow_null=True)
    category_tree = serializers.SlugRelatedField(slug_field="code", read_only=True, allow_null=True)
    requested_by = serializers.SlugRelatedField(
        slug_field="username", read_only=True, allow_null=True
    )
    decided_by = serializers.SlugRelatedField(
        slug_field="username", read_only=True, allow_null=True
    )

    class Meta:
        model = ChangeRequest
        fields = [
            "id",
            "vocabulary",
            "category_tree",
            "kind",
            "payload",
            "reason",
            "status",
            "requested_by",
            "created_at",
            "decided_by",
            "decided_at",
            "decision_comment",
        ]


class ChangeRequestInputSerializer(StrictInputSerializer):
    """One of `vocabulary` (a code) or `category_tree` (a root's code); the payload by kind:
    add {code, labels, sort_order (terms) | parent (categories)}, rename {code, labels},
    merge {sources, target}, deprecate {code} (for a category: delete it). The service judges
    the payload."""

    vocabulary = serializers.CharField(max_length=100, required=False, allow_null=True)
    category_tree = serializers.CharField(max_length=100, required=False, allow_null=True)
    kind = serializers.ChoiceField(choices=ChangeKind.choices)
    payload = serializers.JSONField()
    reason = serializers.CharField(required=False, allow_blank=True, max_length=5000)


class DecisionInputSerializer(StrictInputSerializer):
    comment = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=5000,
        help_text="Why; required to reject.",
    )
