"""API: media import jobs. `POST /media-imports` takes ZIPs and media files (multipart `file`
parts) and ingests them entry by entry, linked by the naming rules; `POST /media-imports/urls`
takes a list of URLs, each with the product or product model and role it is for. Both answer
202 with the job, followed at `/api/v1/jobs/{id}`."""

from django.core.exceptions import ValidationError
from django.urls import reverse
from drf_spectacular.utils import extend_schema
from rest_framework import permissions, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response
from rest_framework.routers import SimpleRouter

from dam.policies import granted_collection_ids
from governance.api.job_views import JobSerializer
from governance.api.parsers import JSONParser
from governance.api.views import json_object
from governance.models import Job
from linking.services import media_import


class MediaImportUploadSerializer(serializers.Serializer):
    file = serializers.ListField(
        child=serializers.FileField(),
        help_text="ZIP archives and/or media files, one `file` part each.",
    )
    collection = serializers.CharField(required=False, help_text="File the assets here.")


class UrlItemSerializer(serializers.Serializer):
    url = serializers.URLField(max_length=2048)
    sku = serializers.CharField(required=False, help_text="The product's SKU, or…")
    model = serializers.CharField(required=False, help_text="…the product model's code.")
    role = serializers.CharField(help_text="A media role (vocabulary `media_roles`).")
    position = serializers.IntegerField(required=False, min_value=0)


class MediaUrlsImportSerializer(serializers.Serializer):
    items = UrlItemSerializer(many=True, help_text=f"1 to {media_import.MAX_URL_ITEMS} items.")
    collection = serializers.CharField(required=False, help_text="File the assets here.")


class MayAddAssets(permissions.BasePermission):
    def has_permission(self, request, view):
        return request.user.has_perm("dam.add_asset")


class MayAddAssetsAndLinks(permissions.BasePermission):
    def has_permission(self, request, view):
        return request.user.has_perm("dam.add_asset") and request.user.has_perm(
            "linking.add_productassetlink"
        )


def _accepted(job: Job) -> Response:
    job.refresh_from_db()  # without a broker the job has run on commit already
    return Response(
        JobSerializer(job).data,
        status=status.HTTP_202_ACCEPTED,
        headers={"Location": reverse("job-detail", kwargs={"pk": job.pk})},
    )


class MediaImportViewSet(viewsets.GenericViewSet):
    """POST uploads ZIPs and files for a media import job (needs `dam.add_asset`); POST `urls`
    imports from URLs (needs `dam.add_asset` and `linking.add_productassetlink`). 202 with the
    job and `Location` where to follow it."""

    serializer_class = JobSerializer
    queryset = Job.objects.none()
    parser_classes = [MultiPartParser]

    def get_permissions(self):
        if self.action == "urls":
            return [permissions.IsAuthenticated(), MayAddAssetsAndLinks()]
        return [permissions.IsAuthenticated(), MayAddAssets()]

    @extend_schema(
        request={"multipart/form-data": MediaImportUploadSerializer},
        responses={202: JobSerializer},
    )
    def create(self, request):
        job = media_import.media_import_start(
            files=request.FILES.getlist("file"),
            actor=request.user,
            collection=request.data.get("collection") or None,
            collection_scope=granted_collection_ids(request.user),
        )
        return _accepted(job)

    @extend_schema(request=MediaUrlsImportSerializer, responses={202: JobSerializer})
    @action(detail=False, methods=["post"], parser_classes=[JSONParser])
    def urls(self, request):
        """Fetch each item's URL and link the file to its product or product model."""
        body = json_object(request.data)
        unknown = sorted(set(body) - {"items", "collection"})
        errors = {
            name: [ValidationError("Unknown field.", code="unknown_field")] for name in unknown
        }
        collection = body.get("collection")
        if collection is not None and not isinstance(collection, str):
            errors["collection"] = [ValidationError("A collection code.", code="invalid")]
        if errors:
            raise ValidationError(errors)
        job = media_import.media_urls_import_start(
            items=body.get("items"),
            actor=request.user,
            collection=collection or None,
            collection_scope=granted_collection_ids(request.user),
        )
        return _accepted(job)


router = SimpleRouter(trailing_slash=False)
router.register("media-imports", MediaImportViewSet, basename="media-import")

urlpatterns = router.urls
