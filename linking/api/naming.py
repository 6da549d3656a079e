"""API: naming rules (CRUD and a tester that answers what a file name would yield) and the relink
job that applies them to assets already in the library."""

from django.urls import reverse
from drf_spectacular.utils import extend_schema
from rest_framework import permissions, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.routers import SimpleRouter

from dam.policies import granted_collection_ids
from governance.api.job_views import JobSerializer
from governance.api.pagination import IdCursorPagination
from governance.api.quality_views import ModelPermissionsWithView
from governance.api.serializers import StrictInputSerializer
from governance.api.views import CodeResourceViewSet, json_object
from governance.models import Job
from linking.models import NamingRule
from linking.services import naming, relink


class NamingRuleSerializer(serializers.ModelSerializer):
    class Meta:
        model = NamingRule
        fields = [
            "code", "pattern", "priority", "description", "default_role", "is_active",
            "created_at", "updated_at",
        ]  # fmt: skip


class NamingTestInputSerializer(StrictInputSerializer):
    filename = serializers.CharField(max_length=255)
    pattern = serializers.CharField(
        required=False, max_length=255, help_text="Test this pattern instead of the saved rules."
    )
    default_role = serializers.CharField(
        required=False, allow_blank=True, max_length=100, help_text="With `pattern` only."
    )
    rule = serializers.CharField(required=False, help_text="Test only this rule (its code).")

    def validate(self, attrs):
        attrs = super().validate(attrs)
        if "pattern" in attrs and "rule" in attrs:
            raise serializers.ValidationError(
                {"rule": serializers.ErrorDetail("Send a pattern or a rule, not both.", "invalid")}
            )
        if "default_role" in attrs and "pattern" not in attrs:
            raise serializers.ValidationError(
                {"default_role": serializers.ErrorDetail("Only with a pattern.", "invalid")}
            )
        return attrs


class NamingTestResultSerializer(serializers.Serializer):
    """What the file name would yield (the same object an upload reports under `naming`)."""

    matched = serializers.BooleanField()
    rule = serializers.CharField(allow_null=True)
    parts = serializers.DictField(child=serializers.CharField())
    outcome = serializers.ChoiceField(
        choices=[naming.LINKABLE, naming.NO_RULE, naming.UNKNOWN_SKU, naming.AMBIGUOUS]
    )
    target = serializers.DictField(allow_null=True)
    role = serializers.CharField(allow_null=True)
    position = serializers.IntegerField(allow_null=True)
    locale = serializers.CharField(allow_null=True)
    channel = serializers.CharField(allow_null=True)
    message = serializers.CharField()


class ViewNamingRules(permissions.BasePermission):
    def has_permission(self, request, view):
        return request.user.has_perm("linking.view_namingrule")


class ChangeNamingRules(permissions.BasePermission):
    def has_permission(self, request, view):
        return request.user.has_perm("linking.change_namingrule")


class RulePagination(IdCursorPagination):
    ordering = ("priority", "code")  # the order rules are tried in


class NamingRuleViewSet(CodeResourceViewSet):
    """Naming rules in the order they are tried (priority, then code). Reading and testing need
    `view_namingrule`; writing `add`/`change`/`delete_namingrule`."""

    queryset = NamingRule.objects.all()
    serializer_class = NamingRuleSerializer
    pagination_class = RulePagination
    permission_classes = [permissions.IsAuthenticated, ModelPermissionsWithView]

    def get_permissions(self):
        if self.action == "test":  # a question, not a write
            return [permissions.IsAuthenticated(), ViewNamingRules()]
        return super().get_permissions()

    @extend_schema(request=NamingRuleSerializer, responses={201: NamingRuleSerializer})
    def create(self, request):
        rule = naming.naming_rule_save(changes=json_object(request.data))
        return self.respond(rule, status.HTTP_201_CREATED)

    @extend_schema(request=NamingRuleSerializer, responses=NamingRuleSerializer)
    def partial_update(self, request, code):
        rule = naming.naming_rule_save(rule=self.get_object(), changes=json_object(request.data))
        return self.respond(rule)

    def destroy(self, request, code):
        naming.naming_rule_delete(rule=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(request=NamingTestInputSerializer, responses=NamingTestResultSerializer)
    @action(detail=False, methods=["post"])
    def test(self, request):
        """What a file name would yield: by the active rules, one rule, or an unsaved pattern."""
        data = NamingTestInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        options = dict(data.validated_data)
        filename = options.pop("filename")
        resolution = naming.rules_for_test(**options).resolve(filename)
        return Response(resolution.as_dict())


class RelinkJobInputSerializer(StrictInputSerializer):
    only_unlinked = serializers.BooleanField(
        default=True, help_text="Leave assets that have any link alone."
    )
    collection = serializers.CharField(
        allow_null=True, default=None, help_text="Only this collection and its children."
    )
    dry_run = serializers.BooleanField(default=False, help_text="Report only; write nothing.")
    rules = serializers.ListField(
        child=serializers.CharField(),
        allow_null=True,
        default=None,
        help_text="Only these active rules (codes); all active rules by default.",
    )


class RelinkJobViewSet(viewsets.GenericViewSet):
    """POST starts a relink job (needs `change_namingrule`): 202 with the job, and `Location`
    where to follow it (`/api/v1/jobs/{id}`)."""

    permission_classes = [permissions.IsAuthenticated, ChangeNamingRules]
    serializer_class = JobSerializer
    queryset = Job.objects.none()

    @extend_schema(request=RelinkJobInputSerializer, responses={202: JobSerializer})
    def create(self, request):
        data = RelinkJobInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        job = relink.relink_start(
            **data.validated_data, collection_scope=granted_collection_ids(request.user)
        )
        # Without a broker the job has run on commit already: show where it is now.
        job.refresh_from_db()
        return Response(
            JobSerializer(job).data,
            status=status.HTTP_202_ACCEPTED,
            headers={"Location": reverse("job-detail", kwargs={"pk": job.pk})},
        )


router = SimpleRouter(trailing_slash=False)
router.register("naming-rules", NamingRuleViewSet, basename="naming-rule")
router.register("relink-jobs", RelinkJobViewSet, basename="relink-job")

urlpatterns = router.urls
