"""Asset endpoints. Views parse and present; dam.services decide."""

import yaml
from django.core.exceptions import ValidationError
from django.db.models import ProtectedError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions, permissions, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import BaseParser, MultiPartParser
from rest_framework.response import Response

from dam import presets, rendering, selectors, services
from dam.api import schema
from dam.api.serializers import (
    AssetSerializer,
    CollectionSerializer,
    RenditionProfileSerializer,
    UploadPresetSerializer,
    UploadSerializer,
    UsageRightSerializer,
    VersionSerializer,
)
from dam.models import Asset, Collection, RenditionProfile, UploadPreset
from dam.policies import asset_policy, granted_collection_ids
from dam.views import rendition_path
from governance.api.pagination import IdCursorPagination
from governance.api.parsers import JSONParser
from governance.api.views import (
    InUse,
    PreconditionFailed,
    SavedByServiceViewSet,
    if_match,
    json_object,
)
from governance.audit import current_user
from governance.moments import parse_aware
from governance.services import VersionConflict


class YAMLParser(BaseParser):
    media_type = "application/yaml"

    def parse(self, stream, media_type=None, parser_context=None):
        try:
            return yaml.safe_load(
                stream.read(1024 * 1024 + 1)[: 1024 * 1024]
            )  # safe_load: no objects
        except yaml.YAMLError as exc:
            raise exceptions.ParseError(f"The YAML cannot be read: {exc}") from None


class StoreUnavailable(exceptions.APIException):
    """503 with Retry-After: the file store is down; nothing of the upload was kept."""

    status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    default_code = "storage_unavailable"
    default_detail = "The file store cannot be reached; nothing was stored. Try again later."
    wait = 30  # seconds, sent as Retry-After


class UploadRefused(exceptions.APIException):
    """Refused files: 413 when all are too large, 415 when all are of a refused type, else 422;
    `errors` names each file (field `file[i]`) with the rule it broke."""

    default_code = "upload_refused"

    def __init__(self, refused: services.UploadsRefused):
        statuses = {refusal.status for _, _, refusal in refused.refusals}
        self.status_code = statuses.pop() if len(statuses) == 1 else 422
        self.errors = [
            {
                "field": f"file[{index}]",
                "code": refusal.code,
                "message": f"{name}: {refusal.message}",
            }
            for index, name, refusal in refused.refusals
        ]
        super().__init__(f"{len(self.errors)} file(s) refused; nothing was stored. " + str(refused))


def etag(asset: Asset) -> str:
    return f'"{asset.version}"'


class AssetViewSet(viewsets.GenericViewSet):
    """Assets by uuid. POST uploads one or more files (multipart `file` parts)."""

    permission_classes = [permissions.IsAuthenticated, permissions.DjangoModelPermissions]
    queryset = Asset.objects.all()
    serializer_class = AssetSerializer
    pagination_class = IdCursorPagination
    parser_classes = [MultiPartParser, JSONParser]
    lookup_field = "uuid"

    def get_queryset(self):
        # Only what the user may see: an asset outside their collections answers 404.
        return asset_policy.visible(self.request.user, selectors.asset_list())

    def get_object(self):
        asset = get_object_or_404(self.get_queryset(), uuid=self.kwargs["uuid"])
        self.check_object_permissions(self.request, asset)
        return asset

    def require(self, asset, action: str) -> None:
        """403 unless the policy lets the user do `action` to this (visible) asset."""
        if not asset_policy.allows(self.request.user, action, asset):
            raise exceptions.PermissionDenied()

    def _present(self, asset, status_code=200):
        asset = selectors.asset_list().get(pk=asset.pk)
        response = Response(
            AssetSerializer(asset, context={"request": self.request}).data, status=status_code
        )
        response["ETag"] = etag(asset)
        return response

    def list(self, request):
        queryset = selectors.asset_filter(self.get_queryset(), request.query_params)
        page = self.paginate_queryset(queryset)
        return self.get_paginated_response(
            AssetSerializer(page, many=True, context={"request": request}).data
        )

    def retrieve(self, request, uuid):
        asset = self.get_object()
        if request.headers.get("If-None-Match") == etag(asset):
            return Response(status=status.HTTP_304_NOT_MODIFIED, headers={"ETag": etag(asset)})
        return self._present(asset)

    @extend_schema(
        request={"multipart/form-data": UploadSerializer},
        responses={201: AssetSerializer(many=True)},
    )
    def create(self, request):
        files = request.FILES.getlist("file")
        if not files:
            raise ValidationError(
                {
                    "file": ValidationError(
                        "Send one or more files as `file` parts.", code="required"
                    )
                }
            )
        collection = None
        if request.data.get("collection"):
            collection = Collection.objects.filter(code=request.data["collection"]).first()
            if collection is None:
                raise ValidationError(
                    {"collection": ValidationError("There is no such collection.", code="unknown")}
                )
        try:
            results = services.assets_ingest(
                uploads=[(f.name, f) for f in files],
                actor=current_user(),
                collection=collection,
                collection_scope=granted_collection_ids(request.user),
            )
        except services.UploadsRefused as exc:
            raise UploadRefused(exc) from None
        except services.StorageUnavailable:
            raise StoreUnavailable() from None
        # One read for all; a duplicate of an asset outside the uploader's scope is named as a
        # duplicate but not shown.
        visible = asset_policy.visible(request.user, selectors.asset_list())
        fresh = visible.in_bulk([r.asset.pk for r in results])
        context = {"request": request}
        body = [
            {
                **r.extras,  # what the layers above made of the file (linking: `naming`)
                "file": f.name,
                "created": r.created,
                "duplicate": r.duplicate,
                "asset": (
                    AssetSerializer(fresh[r.asset.pk], context=context).data
                    if r.asset.pk in fresh
                    else None
                ),
            }
            for f, r in zip(files, results, strict=True)
        ]
        created = any(r.created for r in results)
        return Response(
            {"results": body}, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK
        )

    def partial_update(self, request, uuid):
        asset = self.get_object()
        self.require(asset, "change")
        if_match(request, etag(asset))
        try:
            asset = services.asset_update(
                asset=asset,
                changes=dict(json_object(request.data)),
                expected_version=asset.version if request.headers.get("If-Match") else None,
                collection_scope=granted_collection_ids(request.user),
            )
        except VersionConflict:
            raise PreconditionFailed() from None
        return self._present(asset)

    def destroy(self, request, uuid):
        asset = self.get_object()
        self.require(asset, "delete")
        try:
            services.asset_delete(asset=asset)
        except ProtectedError:  # a channel's placeholder, another asset's consent document
            raise InUse() from None
        return Response(status=status.HTTP_204_NO_CONTENT)

    @schema.apply(schema.versions)
    @action(
        detail=True,
        methods=["get", "post"],
        parser_classes=[MultiPartParser],
        pagination_class=None,
    )
    def versions(self, request, uuid):
        """GET lists the versions, newest first; POST uploads a new current version."""
        asset = self.get_object()
        if request.method == "POST":
            self.require(asset, "change")
            file = request.FILES.get("file")
            if file is None:
                raise ValidationError(
                    {"file": ValidationError("Send the file as a `file` part.", code="required")}
                )
            try:
                services.version_add(
                    asset=asset,
                    name=file.name,
                    file=file,
                    actor=current_user(),
                    comment=request.data.get("comment", ""),
                )
            except services.UploadsRefused as exc:
                raise UploadRefused(exc) from None
            except services.StorageUnavailable:
                raise StoreUnavailable() from None
            return self._present(asset, status.HTTP_201_CREATED)
        return Response(VersionSerializer(selectors.version_list(asset), many=True).data)

    @action(
        detail=True,
        methods=["post"],
        url_path=r"versions/(?P<number>\d+)/restore",
        parser_classes=[JSONParser],
    )
    def restore(self, request, uuid, number):
        """Make an earlier version current again (as a new version)."""
        asset = self.get_object()
        self.require(asset, "change")
        services.version_restore(asset=asset, number=int(number), actor=current_user())
        return self._present(asset, status.HTTP_201_CREATED)

    @schema.apply(schema.rights)
    @action(
        detail=True, methods=["get", "post"], parser_classes=[JSONParser], pagination_class=None
    )
    def rights(self, request, uuid):
        """GET lists the asset's usage rights; POST adds one."""
        asset = self.get_object()
        if request.method == "POST":
            self.require(asset, "change")
            right = services.usage_right_save(asset=asset, changes=json_object(request.data))
            return Response(UsageRightSerializer(right).data, status=status.HTTP_201_CREATED)
        return Response(
            UsageRightSerializer(
                asset.rights.prefetch_related("channels").select_related("consent_document"),
                many=True,
            ).data
        )

    @action(
        detail=True,
        methods=["patch", "delete"],
        url_path=r"rights/(?P<right_id>\d+)",
        parser_classes=[JSONParser],
    )
    def right(self, request, uuid, right_id):
        """PATCH changes a usage right; DELETE removes it."""
        asset = self.get_object()
        self.require(asset, "change")
        right = get_object_or_404(asset.rights, pk=right_id)
        if request.method == "DELETE":
            services.usage_right_delete(right=right)
            return Response(status=status.HTTP_204_NO_CONTENT)
        right = services.usage_right_save(
            asset=asset, right=right, changes=json_object(request.data)
        )
        return Response(UsageRightSerializer(right).data)

    @action(detail=True, methods=["get"])
    def usable(self, request, uuid):
        """May it be used on `channel` in `territory` at `at` (default now)? With the reason."""
        asset = self.get_object()
        params = request.query_params
        at = parse_aware(params["at"]) if params.get("at") else timezone.now()
        missing = [name for name in ("channel", "territory") if not params.get(name)]
        if missing or at is None:
            raise ValidationError(
                {
                    (missing or ["at"])[0]: ValidationError(
                        "Give channel, territory and, optionally, at (ISO 8601 with a time zone).",
                        code="required",
                    )
                }
            )
        answer = services.usable_for(
            asset=asset, channel=params["channel"], territory=params["territory"].upper(), at=at
        )
        return Response({"usable": answer.usable, "reason": answer.reason})

    @schema.apply(schema.renditions)
    @action(
        detail=True,
        methods=["get", "post"],
        url_path="renditions",
        parser_classes=[JSONParser],
        pagination_class=None,  # a list, not a page
    )
    def renditions(self, request, uuid):
        """GET lists the current version's renditions; POST {"profile": code} makes one now."""
        asset = self.get_object()
        version = asset.current_version
        if version is None:
            return Response([])
        if request.method == "POST":
            self.require(asset, "change")
            code = json_object(request.data).get("profile")
            profile = (
                RenditionProfile.objects.filter(code=code).first()
                if isinstance(code, str) and "\x00" not in code  # PostgreSQL text has no NUL
                else None
            )
            if profile is None:
                raise ValidationError(
                    {
                        "profile": ValidationError(
                            f"There is no rendition profile {code!r}.", code="unknown"
                        )
                    }
                )
            version.asset = asset
            rendering.rendition_ensure(version=version, profile=profile)
        rows = version.renditions.select_related("profile").order_by("profile__code")
        return Response(
            [
                {
                    "profile": r.profile.code,
                    "status": r.status,
                    "error": r.error,
                    "width": r.width,
                    "height": r.height,
                    "size": r.size,
                    "mime": r.mime,
                    "url": request.build_absolute_uri(rendition_path(asset.uuid, r.profile.code)),
                }
                for r in rows
            ],
            status=status.HTTP_201_CREATED if request.method == "POST" else status.HTTP_200_OK,
        )

    @schema.duplicates
    @action(detail=True, methods=["get"], pagination_class=None)
    def duplicates(self, request, uuid):
        """Likely near-duplicates by perceptual hash (Hamming distance ≤ `distance`, default 8)."""
        asset = self.get_object()
        try:
            distance = min(max(int(request.query_params.get("distance", 8)), 0), 32)
        except ValueError:
            raise ValidationError(
                {"distance": ValidationError("A whole number 0-32.", code="invalid")}
            ) from None
        found = selectors.near_duplicates(asset, distance=distance)
        others = Asset.objects.filter(pk__in=[other.pk for other, _ in found])
        visible = set(asset_policy.visible(request.user, others).values_list("pk", flat=True))
        return Response(
            [
                {"uuid": str(other.uuid), "code": other.code, "distance": d}
                for other, d in found
                if other.pk in visible
            ]
        )


class CollectionViewSet(SavedByServiceViewSet):
    queryset = Collection.objects.select_related("parent")
    serializer_class = CollectionSerializer
    service = staticmethod(services.collection_save)
    instance_argument = "collection"


class RenditionProfileViewSet(SavedByServiceViewSet):
    """Profiles; `export` and `import` move them as a versionable YAML or JSON document."""

    queryset = RenditionProfile.objects.select_related("channel")
    serializer_class = RenditionProfileSerializer
    service = staticmethod(rendering.rendition_profile_save)
    instance_argument = "profile"

    @extend_schema(
        parameters=[OpenApiParameter("format", str, enum=["yaml", "json"])],
        # YAML by default; JSON with ?format=json.
        responses={
            (200, "application/yaml"): OpenApiTypes.OBJECT,
            (200, "application/json"): OpenApiTypes.OBJECT,
        },
    )
    @action(detail=False, methods=["get"])
    def export(self, request):
        """The profiles as YAML (?format=yaml, default) or JSON (?format=json)."""
        document = rendering.rendition_profiles_export()
        if request.query_params.get("format") == "json":
            return Response(document)
        body = yaml.safe_dump(document, sort_keys=False, allow_unicode=True)
        return HttpResponse(body, content_type="application/yaml; charset=utf-8")

    @action(
        detail=False, methods=["post"], url_path="import", parser_classes=[JSONParser, YAMLParser]
    )
    def import_profiles(self, request):
        """Create or update profiles from an export (JSON or YAML body); all or none."""
        if not request.user.has_perms(["dam.add_renditionprofile", "dam.change_renditionprofile"]):
            raise exceptions.PermissionDenied()
        return Response(rendering.rendition_profiles_import(document=request.data))


class UploadPresetViewSet(SavedByServiceViewSet):
    queryset = UploadPreset.objects.select_related("collection")
    serializer_class = UploadPresetSerializer
    service = staticmethod(presets.upload_preset_save)
    instance_argument = "preset"
