"""/change-requests: changes to governed vocabularies and category trees, filed by anyone
allowed to (`add_changerequest`), approved or rejected by a Metadata Manager
(`approve_changerequest`)."""

import django_filters
from django.core.exceptions import ValidationError
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, permissions, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from governance import change_requests, selectors
from governance.api import change_request_serializers as serializers
from governance.api.pagination import IdCursorPagination
from governance.models import Category, ChangeRequest, ChangeRequestStatus, Vocabulary


class ChangeRequestFilterSet(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=ChangeRequestStatus.choices)
    vocabulary = django_filters.CharFilter(field_name="vocabulary__code")
    category_tree = django_filters.CharFilter(field_name="category_tree__code")

    class Meta:
        model = ChangeRequest
        fields = ["status", "vocabulary", "category_tree"]


class NewestFirst(IdCursorPagination):
    ordering = "-pk"


class ChangeRequestPermissions(permissions.DjangoModelPermissions):
    """Filing needs `add_changerequest`; approving and rejecting `approve_changerequest`."""

    message = "Only a Metadata Manager approves or rejects change requests."

    def has_permission(self, request, view):
        if view.action in ("approve", "reject"):
            return bool(request.user and request.user.has_perm(change_requests.APPROVE_PERMISSION))
        return super().has_permission(request, view)


def _target(model, field: str, code):
    if code is None:
        return None
    row = model.objects.filter(code=code).first()
    if row is None:
        raise ValidationError(
            {
                field: ValidationError(
                    "Unknown code %(code)s.", code="unknown", params={"code": code}
                )
            }
        )
    return row


class ChangeRequestViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """Newest first; filter by `status`, `vocabulary` or `category_tree` (codes)."""

    queryset = selectors.change_request_list()
    serializer_class = serializers.ChangeRequestSerializer
    permission_classes = [permissions.IsAuthenticated, ChangeRequestPermissions]
    pagination_class = NewestFirst
    filterset_class = ChangeRequestFilterSet
    lookup_value_regex = "[0-9]+"
    http_method_names = ["get", "post", "head", "options"]

    def parse(self, serializer_class) -> dict:
        data = serializer_class(data=self.request.data)
        data.is_valid(raise_exception=True)
        return data.validated_data

    def present(self, change_request, status_code=status.HTTP_200_OK):
        fresh = selectors.change_request_list().get(pk=change_request.pk)
        return Response(self.get_serializer(fresh).data, status=status_code)

    @extend_schema(
        request=serializers.ChangeRequestInputSerializer,
        responses={201: serializers.ChangeRequestSerializer},
    )
    def create(self, request):
        data = self.parse(serializers.ChangeRequestInputSerializer)
        change_request = change_requests.change_request_submit(
            vocabulary=_target(Vocabulary, "vocabulary", data.get("vocabulary")),
            category_tree=_target(Category, "category_tree", data.get("category_tree")),
            kind=data["kind"],
            payload=data["payload"],
            reason=data.get("reason", ""),
        )
        return self.present(change_request, status.HTTP_201_CREATED)

    @extend_schema(
        request=serializers.DecisionInputSerializer, responses=serializers.ChangeRequestSerializer
    )
    @action(detail=True, methods=["post"])
    def approve(self, request, pk):
        data = self.parse(serializers.DecisionInputSerializer)
        change_request = change_requests.change_request_approve(
            change_request=self.get_object(), comment=data.get("comment", "")
        )
        return self.present(change_request)

    @extend_schema(
        request=serializers.DecisionInputSerializer, responses=serializers.ChangeRequestSerializer
    )
    @action(detail=True, methods=["post"])
    def reject(self, request, pk):
        data = self.parse(serializers.DecisionInputSerializer)
        change_request = change_requests.change_request_reject(
            change_request=self.get_object(), comment=data.get("comment", "")
        )
        return self.present(change_request)
