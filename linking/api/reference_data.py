"""API: the catalog's structure as reference data (linking.services.reference_bundle).

GET  /api/v1/reference-data?format=yaml|json&kinds=a,b   one document (YAML by default)
GET  /api/v1/reference-data/<kind>.csv                    one kind as CSV
POST /api/v1/reference-data[?dry_run=true]                a YAML or JSON document, or a multipart
                                                          CSV `file` with its `kind`

Reading needs the view permission of every kind asked for; importing, the add and change
permissions of every kind the file holds (403 naming what is missing). The import answers its
report: 200 when applied (or a clean dry run), 422 problem+json with each item's errors when
anything is refused — and then nothing is written.
"""

from django.http import HttpResponse, StreamingHttpResponse
from django.urls import path
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions, permissions
from rest_framework.parsers import BaseParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from governance.api.renderers import ORJSONRenderer
from linking.services import reference_bundle as bundle
from linking.services.reference_bundle import ReferenceDataError

YAML_TYPES = ("application/yaml", "application/x-yaml", "text/yaml", "text/x-yaml")
JSON_TYPES = ("application/json",)


class _RawBody(BaseParser):
    """Accepts YAML and JSON bodies without parsing them: the view reads them, size-limited."""

    media_type = "*/*"

    def parse(self, stream, media_type=None, parser_context=None):
        return {}


class ReferenceDataRefused(exceptions.APIException):
    """A document, file or item refused: its status, each problem under `errors`, and the
    import's report (RFC 9457 extension `report`) when there is one."""

    def __init__(self, error: ReferenceDataError, *, report: dict | None = None):
        super().__init__(str(error), code=error.code)
        self.status_code = error.status
        self.errors = error.errors
        self.extensions = {"report": report} if report is not None else {}


def _refuse_missing(missing: list[str]) -> None:
    if missing:
        raise exceptions.PermissionDenied(
            f"Missing permission(s): {', '.join(missing)}.", code="permission_denied"
        )


class _ReferenceDataView(APIView):
    permission_classes = [permissions.IsAuthenticated]

    def perform_content_negotiation(self, request, force=False):
        # `?format=` chooses the document's format, not DRF's renderer: errors stay JSON.
        renderer = ORJSONRenderer()
        return renderer, renderer.media_type


class ReferenceDataView(_ReferenceDataView):
    parser_classes = [MultiPartParser, _RawBody]

    @extend_schema(
        operation_id="reference_data_export",
        parameters=[
            OpenApiParameter("format", str, enum=["yaml", "json"], description="yaml (default)"),
            OpenApiParameter("kinds", str, description="Kinds, comma-separated (default: all)."),
        ],
        # YAML by default; JSON with ?format=json.
        responses={
            (200, "application/yaml"): OpenApiTypes.OBJECT,
            (200, "application/json"): OpenApiTypes.OBJECT,
        },
    )
    def get(self, request):
        """The reference data of the chosen kinds as one YAML or JSON document."""
        document_format = request.query_params.get("format", "yaml")
        if document_format not in ("yaml", "json"):
            raise exceptions.ValidationError(
                {"format": exceptions.ErrorDetail("Expected yaml or json.", code="invalid")}
            )
        try:
            chosen = bundle.kinds_parse(request.query_params.get("kinds"))
        except ReferenceDataError as error:
            raise ReferenceDataRefused(error) from None
        # Vocabularies carry their terms: reading them is reading terms too.
        read = [*chosen, "terms"] if "vocabularies" in chosen else chosen
        _refuse_missing(bundle.permissions_missing(request.user, read, ["view"]))
        document = bundle.reference_bundle_export(chosen)
        if document_format == "json":
            return Response(document)
        body = bundle.document_dump(document, format="yaml")
        return HttpResponse(body, content_type="application/yaml; charset=utf-8")

    @extend_schema(
        operation_id="reference_data_import",
        parameters=[OpenApiParameter("dry_run", bool, description="Validate; write nothing.")],
        request={
            "application/yaml": OpenApiTypes.OBJECT,
            "application/json": OpenApiTypes.OBJECT,
            "multipart/form-data": {
                "type": "object",
                "properties": {"kind": {"type": "string"}, "file": {"type": "string"}},
            },
        },
        responses={200: OpenApiTypes.OBJECT},
    )
    def post(self, request):
        """Create or update reference data from a document or one kind's CSV file."""
        if not bundle.may_import_any(request.user):
            raise exceptions.PermissionDenied(
                "Importing reference data needs the add and change permissions of its kinds."
            )
        dry_run = request.query_params.get("dry_run", "").lower() in ("1", "true", "yes")
        try:
            data = bundle.document_check(self._document(request))
        except ReferenceDataError as error:
            raise ReferenceDataRefused(error) from None
        _refuse_missing(
            bundle.permissions_missing(request.user, bundle.document_kinds(data), ["add", "change"])
        )
        report = bundle.reference_bundle_import(data, dry_run=dry_run)
        if report["errors"]:
            count = len(report["errors"])
            error = ReferenceDataError(
                f"{count} problem(s); nothing was written.", code="invalid", errors=report["errors"]
            )
            raise ReferenceDataRefused(error, report=report)
        return Response(report)

    def _document(self, request):
        content_type = (request.content_type or "").split(";")[0].strip().lower()
        if content_type == "multipart/form-data":
            return self._csv_document(request)
        length = request.META.get("CONTENT_LENGTH") or "0"
        if length.isdigit() and int(length) > bundle.MAX_BYTES:
            raise bundle.too_large()
        formats = {**dict.fromkeys(JSON_TYPES, "json"), **dict.fromkeys(YAML_TYPES, "yaml")}
        if content_type in formats:
            stream = request.stream  # None when the body is empty
            body = bundle.read_limited(stream) if stream is not None else b""
            return bundle.document_load(body, format=formats[content_type])
        raise ReferenceDataError(
            "Send YAML (application/yaml), JSON (application/json) or a multipart CSV file.",
            code="unsupported_media_type",
            status=415,
        )

    def _csv_document(self, request):
        upload = request.FILES.get("file")
        kind = (request.data.get("kind") or "").strip()
        if upload is None:
            raise ReferenceDataError("Send the CSV as the `file` field.", code="required")
        if not kind and upload.name and upload.name.lower().endswith(".csv"):
            kind = upload.name.rsplit("/", 1)[-1][: -len(".csv")]
        if upload.size > bundle.MAX_BYTES:
            raise bundle.too_large()
        with upload.open("rb") as file:
            return bundle.csv_document(kind, file)


class ReferenceDataCsvView(_ReferenceDataView):
    @extend_schema(
        operation_id="reference_data_csv",
        parameters=[OpenApiParameter("kind", str, OpenApiParameter.PATH, enum=bundle.KINDS)],
        responses={(200, "text/csv"): OpenApiTypes.STR},
    )
    def get(self, request, kind):
        """One kind of reference data as CSV (flat columns: `label-<locale>`, comma lists)."""
        if kind not in bundle.KINDS:
            raise exceptions.NotFound(f"Unknown kind {kind!r}. Known: {', '.join(bundle.KINDS)}.")
        _refuse_missing(bundle.permissions_missing(request.user, [kind], ["view"]))
        response = StreamingHttpResponse(
            bundle.kind_csv_lines(kind), content_type="text/csv; charset=utf-8"
        )
        response["Content-Disposition"] = f'attachment; filename="{kind}.csv"'
        return response


urlpatterns = [
    path("reference-data", ReferenceDataView.as_view(), name="reference-data"),
    path(
        "reference-data/<str:kind>.csv", ReferenceDataCsvView.as_view(), name="reference-data-csv"
    ),
]
