"""API: product imports from CSV/XLSX (preview a file's columns, start a dry run or an import,
follow it, commit a checked dry run) and the saved column mappings (import profiles)."""

import json

from django.core.exceptions import ValidationError as DjangoValidationError
from django.shortcuts import get_object_or_404
from django.urls import reverse
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, permissions, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response
from rest_framework.routers import SimpleRouter

from governance.api.job_views import JobSerializer
from governance.api.parsers import JSONParser
from governance.api.permissions import ModelPermissionsWithView
from governance.api.serializers import StrictInputSerializer
from governance.api.views import CodeResourceViewSet, json_object
from governance.jobs import jobs_visible
from governance.models import Job
from linking.models import ImportKind, ImportProfile
from linking.services import import_profiles, imports

# A refused upload answers with the status its rule calls for.
FILE_STATUSES = {"too_large": 413, "not_a_table": 415}


class FileRefused(exceptions.APIException):
    default_code = "file_refused"

    def __init__(self, error: DjangoValidationError):
        [problem] = error.error_dict["file"]
        self.status_code = FILE_STATUSES.get(problem.code, 422)
        self.errors = [{"field": "file", "code": problem.code, "message": problem.messages[0]}]
        super().__init__(problem.messages[0])


class Conflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_code = "conflict"


class FormBoolean(serializers.BooleanField):
    """A multipart form's boolean: left out means the default, not False (as for a checkbox)."""

    default_empty_html = serializers.empty


class MappingField(serializers.JSONField):
    """A mapping: a JSON object, or its text (a multipart form's field)."""

    def to_internal_value(self, data):
        if isinstance(data, str):
            try:
                return json.loads(data)
            except ValueError:
                self.fail("invalid")
        return super().to_internal_value(data)


class ImportInputSerializer(StrictInputSerializer):
    file = serializers.FileField(required=False, help_text="The CSV or XLSX file.")
    source = serializers.CharField(
        required=False, help_text="Instead of `file`: the `source` a preview answered."
    )
    kind = serializers.ChoiceField(choices=ImportKind.choices, default=ImportKind.PRODUCTS)
    profile = serializers.CharField(
        required=False, help_text="An import profile's code: its mapping is used."
    )
    mapping = MappingField(
        required=False,
        help_text='Inline mapping, JSON: {"columns": {"<source column>": {"target": …}}}.',
    )
    dry_run = FormBoolean(default=True, help_text="Check every row; write nothing.")
    create_terms = FormBoolean(default=False, help_text="Create unknown vocabulary terms.")

    def validate(self, attrs):
        attrs = super().validate(attrs)
        if ("file" in attrs) == ("source" in attrs):
            raise serializers.ValidationError(
                {
                    "file": serializers.ErrorDetail(
                        "Send a file (or a previewed source).", "required"
                    )
                }
            )
        return attrs


class PreviewInputSerializer(ImportInputSerializer):
    dry_run = None
    create_terms = None


class PreviewSerializer(serializers.Serializer):
    source = serializers.CharField(help_text="Pass it to POST /imports instead of the file.")
    filename = serializers.CharField()
    format = serializers.CharField()
    header = serializers.ListField(child=serializers.CharField())
    rows = serializers.ListField(child=serializers.ListField(child=serializers.CharField()))
    columns = serializers.ListField(child=serializers.DictField())
    header_errors = serializers.ListField(child=serializers.DictField())


def _kind_requested(request) -> str:
    kind = request.data.get("kind") if hasattr(request.data, "get") else None
    return kind if kind in imports.KINDS else ImportKind.PRODUCTS


class MayImport(permissions.BasePermission):
    """Starting an import needs the rights to create and change what it imports."""

    def has_permission(self, request, view):
        if view.action in ("create", "preview"):
            return imports.may_import(request.user, _kind_requested(request))
        return True


class ImportViewSet(viewsets.GenericViewSet):
    """Product imports. POST (multipart) stages the file and starts a job — a dry run unless
    `dry_run` is false — answering 202 with the job; GET follows it (its `report`: counts,
    cell errors, files); `commit` runs a finished dry run for real. Needs `add`/`change` on
    what is imported (products or product models)."""

    permission_classes = [permissions.IsAuthenticated, MayImport]
    serializer_class = JobSerializer
    parser_classes = [MultiPartParser, JSONParser]
    lookup_value_regex = r"\d+"
    queryset = Job.objects.none()

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Job.objects.none()
        return jobs_visible(self.request.user).filter(kind=imports.JOB_KIND)

    def _source(self, data) -> imports.StagedSource:
        if "source" in data:
            return imports.StagedSource.from_token(data["source"], user=self.request.user)
        try:
            return imports.import_source_stage(file=data["file"])
        except DjangoValidationError as exc:
            raise FileRefused(exc) from None

    def _accepted(self, job: Job) -> Response:
        job.refresh_from_db()  # without a broker it has run on commit already
        return Response(
            JobSerializer(job).data,
            status=status.HTTP_202_ACCEPTED,
            headers={"Location": reverse("import-detail", kwargs={"pk": job.pk})},
        )

    @extend_schema(request=ImportInputSerializer, responses={202: JobSerializer})
    def create(self, request):
        data = ImportInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        options = dict(data.validated_data)
        if options["create_terms"] and not imports.may_create_terms(request.user):
            raise exceptions.PermissionDenied("Creating vocabulary terms needs `add_term`.")
        source = self._source(options)
        options.pop("file", None), options.pop("source", None)
        return self._accepted(imports.product_import_start(source=source, **options))

    def retrieve(self, request, pk):
        return Response(JobSerializer(self.get_object()).data)

    @extend_schema(request=None, responses={202: JobSerializer})
    @action(detail=True, methods=["post"])
    def commit(self, request, pk):
        """Import for real what a finished dry run checked (409 when it was committed already
        or is not finished; 422 when its header did not map)."""
        job = get_object_or_404(self.get_queryset(), pk=pk)
        if not imports.may_import(request.user, job.parameters.get("kind")):
            raise exceptions.PermissionDenied()
        try:
            commit = imports.product_import_commit(job=job)
        except imports.ImportConflict as exc:
            raise Conflict(str(exc)) from None
        return self._accepted(commit)

    @extend_schema(request=PreviewInputSerializer, responses=PreviewSerializer)
    @action(detail=False, methods=["post"])
    def preview(self, request):
        """A file's header, first rows and what each column would be read as (with `profile`
        or `mapping`: as they say); `source` lets POST /imports use the file without sending it
        again."""
        data = PreviewInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        options = data.validated_data
        source = self._source(options)
        kind = options["kind"]
        mapping = imports.resolved_mapping(
            kind=kind, mapping=options.get("mapping"), profile=options.get("profile")
        )
        preview = imports.import_preview(source=source, kind=kind, mapping=mapping)
        return Response({"source": source.token(user=request.user), **preview})


class ImportProfileSerializer(serializers.ModelSerializer):
    created_by = serializers.SlugRelatedField(
        slug_field="username", read_only=True, allow_null=True
    )

    class Meta:
        model = ImportProfile
        fields = ["code", "label", "kind", "mapping", "created_by", "created_at", "updated_at"]


class ImportProfileViewSet(CodeResourceViewSet):
    """Saved column mappings for foreign spreadsheets. Reading needs `view_importprofile`,
    writing `add`/`change`/`delete_importprofile`; the mapping's shape is checked field by
    field."""

    queryset = ImportProfile.objects.select_related("created_by")
    serializer_class = ImportProfileSerializer
    permission_classes = [permissions.IsAuthenticated, ModelPermissionsWithView]

    @extend_schema(request=ImportProfileSerializer, responses={201: ImportProfileSerializer})
    def create(self, request):
        profile = import_profiles.import_profile_save(changes=json_object(request.data))
        return self.respond(profile, status.HTTP_201_CREATED)

    @extend_schema(request=ImportProfileSerializer, responses=ImportProfileSerializer)
    def partial_update(self, request, code):
        profile = import_profiles.import_profile_save(
            profile=self.get_object(), changes=json_object(request.data)
        )
        return self.respond(profile)

    def destroy(self, request, code):
        import_profiles.import_profile_delete(profile=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)


router = SimpleRouter(trailing_slash=False)
router.register("imports", ImportViewSet, basename="import")
router.register("import-profiles", ImportProfileViewSet, basename="import-profile")

urlpatterns = router.urls
