"""API: exports (a channel's documents or the whole catalog written to a file by a job) and the
scheduled channel exports the beat runs.

`POST /exports` answers 202 with the job (follow it at `/jobs/{id}`; its report lists the files).
A channel export needs what reading that channel's feed needs: `pim.view_product` and a
channel the principal may see (a channel-restricted API key only its own: 403 otherwise). A
catalog export needs `pim.view_product` and no category scope: it holds every product.
"""

from django.core.exceptions import PermissionDenied
from django.urls import reverse
from drf_spectacular.utils import extend_schema
from rest_framework import permissions, serializers, status, viewsets
from rest_framework.response import Response
from rest_framework.routers import SimpleRouter

from governance.api.job_views import JobSerializer
from governance.api.permissions import ModelPermissionsWithView
from governance.api.serializers import StrictInputSerializer
from governance.api.views import CodeResourceViewSet, json_object
from governance.models import Channel, Job
from governance.policies import (
    channel_visible,
    check_channel,
    granted_category_paths,
)
from linking.api.feed import CanReadProducts
from linking.models import ExportFormat, ScheduledExport
from linking.services import exports


class ExportInputSerializer(StrictInputSerializer):
    # Kind, channel, locales and format are judged by the service (one set of messages for the
    # API, the workbench and the schedules); here only their shapes.
    kind = serializers.CharField(default="channel", help_text="channel | catalog")
    channel = serializers.CharField(
        required=False, allow_null=True, default=None, help_text="For a channel export."
    )
    locales = serializers.ListField(
        child=serializers.CharField(),
        required=False,
        allow_null=True,
        default=None,
        help_text="Locales of the channel to export (default: every locale it publishes).",
    )
    format = serializers.CharField(
        default=ExportFormat.CSV, help_text="csv | xlsx | json | ndjson (catalog: csv | xlsx)"
    )


class ExportViewSet(viewsets.GenericViewSet):
    """POST starts an export: 202 with the job, and `Location` where to follow it."""

    permission_classes = [permissions.IsAuthenticated, CanReadProducts]
    serializer_class = JobSerializer
    queryset = Job.objects.none()

    @extend_schema(request=ExportInputSerializer, responses={202: JobSerializer})
    def create(self, request):
        data = ExportInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        options = dict(data.validated_data)
        if options["kind"] == "catalog":
            if granted_category_paths(request.user) is not None:
                raise PermissionDenied(
                    "A catalog export holds every product: it needs access to every category."
                )
        else:
            check_channel(request.user, options["channel"])
        job = exports.export_start(**options)
        # Without a broker the job has run on commit already: show where it is now.
        job.refresh_from_db()
        return Response(
            JobSerializer(job).data,
            status=status.HTTP_202_ACCEPTED,
            headers={"Location": reverse("job-detail", kwargs={"pk": job.pk})},
        )


class ScheduledExportSerializer(serializers.ModelSerializer):
    channel = serializers.SlugRelatedField(slug_field="code", read_only=True)
    last_job = serializers.PrimaryKeyRelatedField(read_only=True)
    last_job_state = serializers.CharField(source="last_job.state", read_only=True, default=None)

    class Meta:
        model = ScheduledExport
        fields = [
            "code", "channel", "locales", "format", "interval_minutes", "is_active",
            "next_run_at", "last_job", "last_job_state", "created_at", "updated_at",
        ]  # fmt: skip


class ScheduledExportViewSet(CodeResourceViewSet):
    """Channel exports the beat runs every `interval_minutes` from `next_run_at` on. Reading needs
    `view_scheduledexport`, writing `add`/`change`/`delete_scheduledexport` (and a channel the
    principal may see)."""

    serializer_class = ScheduledExportSerializer
    permission_classes = [permissions.IsAuthenticated, ModelPermissionsWithView]
    queryset = ScheduledExport.objects.all()

    def get_queryset(self):
        rows = ScheduledExport.objects.select_related("channel", "last_job")
        if getattr(self, "swagger_fake_view", False):
            return rows
        return rows.filter(channel__in=channel_visible(self.request.user, Channel.objects.all()))

    def _changes(self, request) -> dict:
        changes = json_object(request.data)
        channel = changes.get("channel")
        check_channel(request.user, channel if isinstance(channel, str) else None)
        return changes

    @extend_schema(request=ScheduledExportSerializer, responses={201: ScheduledExportSerializer})
    def create(self, request):
        schedule = exports.scheduled_export_save(changes=self._changes(request))
        return self.respond(self.get_queryset().get(pk=schedule.pk), status.HTTP_201_CREATED)

    @extend_schema(request=ScheduledExportSerializer, responses=ScheduledExportSerializer)
    def partial_update(self, request, code):
        schedule = self.get_object()
        exports.scheduled_export_save(schedule=schedule, changes=self._changes(request))
        return self.respond(self.get_queryset().get(pk=schedule.pk))

    def destroy(self, request, code):
        exports.scheduled_export_delete(schedule=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)


router = SimpleRouter(trailing_slash=False)
router.register("exports", ExportViewSet, basename="export")
router.register("scheduled-exports", ScheduledExportViewSet, basename="scheduled-export")

urlpatterns = router.urls
