"""Quality checks and their runs. Starting a run queues it; its findings are read when done."""

import django_filters
import orjson
from django.http import StreamingHttpResponse
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import exceptions, mixins, permissions, status, viewsets
from rest_framework.decorators import action
from rest_framework.renderers import BaseRenderer
from rest_framework.response import Response

from governance import quality
from governance.api.pagination import IdCursorPagination
from governance.api.permissions import ModelPermissionsWithView
from governance.api.quality_serializers import (
    QualityCheckSerializer,
    QualityFindingSerializer,
    QualityRunInputSerializer,
    QualityRunSerializer,
)
from governance.api.renderers import ORJSONRenderer
from governance.audit import current_user
from governance.models import QualityFinding, QualityRun, QualitySeverity


class CSVRenderer(BaseRenderer):
    """Lets a client ask for text/csv; the CSV itself is streamed by the view. Errors still
    come as problem+json (the handler sets that content type)."""

    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        return b"" if data is None else orjson.dumps(data)


class QualityFindingFilterSet(django_filters.FilterSet):
    check = django_filters.CharFilter(field_name="check_code", help_text="A check's code.")
    severity = django_filters.ChoiceFilter(choices=QualitySeverity.choices)
    object_type = django_filters.CharFilter()

    class Meta:
        model = QualityFinding
        fields = []


FINDING_PARAMETERS = [
    OpenApiParameter("check", str, description="Only this check's findings (its code)."),
    OpenApiParameter("severity", str, enum=QualitySeverity.values),
    OpenApiParameter("object_type", str),
]


class ResultsObjectSchema(AutoSchema):
    """`list` answers {"results": [...]}, not the bare list spectacular assumes for `list`."""

    def _is_list_view(self, serializer=None):
        return False


class QualityCheckViewSet(viewsets.ViewSet):
    """The registered checks."""

    permission_classes = [permissions.IsAuthenticated, ModelPermissionsWithView]
    queryset = QualityRun.objects.none()  # whose permissions reading the registry needs
    schema = ResultsObjectSchema()

    @extend_schema(
        responses=inline_serializer(
            "QualityCheckList", {"results": QualityCheckSerializer(many=True)}
        )
    )
    def list(self, request):
        return Response(
            {"results": QualityCheckSerializer(quality.quality_checks(), many=True).data}
        )


class QualityRunPagination(IdCursorPagination):
    ordering = "-id"  # newest first


class QualityRunViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Runs, newest first. POST `{"checks": [...]}` (optional) starts one: 202, then poll it."""

    permission_classes = [permissions.IsAuthenticated, ModelPermissionsWithView]
    queryset = QualityRun.objects.select_related("triggered_by")
    serializer_class = QualityRunSerializer
    pagination_class = QualityRunPagination
    lookup_value_regex = r"\d+"
    http_method_names = ["get", "post", "head", "options"]

    @extend_schema(request=QualityRunInputSerializer, responses={202: QualityRunSerializer})
    def create(self, request):
        data = QualityRunInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        run = quality.quality_run_start(
            checks=data.validated_data.get("checks"), triggered_by=current_user()
        )
        # Without a broker the run has executed on commit already: show where it is now.
        body = self.get_serializer(self.get_queryset().get(pk=run.pk)).data
        return Response(body, status=status.HTTP_202_ACCEPTED)

    def _findings(self, request, run):
        filters = QualityFindingFilterSet(
            request.query_params, queryset=QualityFinding.objects.filter(run=run)
        )
        if not filters.is_valid():
            raise exceptions.ValidationError(filters.errors)
        return filters.qs

    @extend_schema(responses=QualityFindingSerializer(many=True), parameters=FINDING_PARAMETERS)
    @action(detail=True, methods=["get"])
    def findings(self, request, pk):
        findings = self._findings(request, self.get_object())
        paginator = IdCursorPagination()
        page = paginator.paginate_queryset(findings, request, view=self)
        return paginator.get_paginated_response(QualityFindingSerializer(page, many=True).data)

    @extend_schema(responses={(200, "text/csv"): OpenApiTypes.STR}, parameters=FINDING_PARAMETERS)
    @action(
        detail=True,
        methods=["get"],
        url_path=r"findings\.csv",
        url_name="findings-csv",
        renderer_classes=[ORJSONRenderer, CSVRenderer],
    )
    def findings_csv(self, request, pk):
        run = self.get_object()
        response = StreamingHttpResponse(
            quality.quality_findings_csv(findings=self._findings(request, run)),
            content_type="text/csv; charset=utf-8",
        )
        response["Content-Disposition"] = (
            f'attachment; filename="quality-run-{run.pk}-findings.csv"'
        )
        return response
