from rest_framework import serializers

from governance.api.serializers import StrictInputSerializer
from governance.models import QualityFinding, QualityRun


class QualityCheckSerializer(serializers.Serializer):
    code = serializers.CharField()
    label = serializers.CharField()
    severity = serializers.CharField()
    object_type = serializers.CharField()


class QualityRunSerializer(serializers.ModelSerializer):
    triggered_by = serializers.SlugRelatedField(
        slug_field="username", read_only=True, allow_null=True
    )
    findings_count = serializers.SerializerMethodField()

    class Meta:
        model = QualityRun
        fields = [
            "id",
            "status",
            "checks",
            "counts",
            "findings_count",
            "error",
            "triggered_by",
            "started_at",
            "finished_at",
        ]

    def get_findings_count(self, run) -> int:
        return sum(run.counts.values())


class QualityRunInputSerializer(StrictInputSerializer):
    checks = serializers.ListField(
        child=serializers.CharField(max_length=100),
        required=False,
        max_length=100,
        help_text="Check codes (GET /quality-checks); all checks when absent.",
    )


class QualityFindingSerializer(serializers.ModelSerializer):
    check = serializers.CharField(source="check_code")

    class Meta:
        model = QualityFinding
        fields = ["id", "check", "severity", "object_type", "object_ref", "message", "details"]
