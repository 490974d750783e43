"""The API's views: thin, over the same selectors and services the pages use."""

from __future__ import annotations

from django.db.models import Model, Prefetch
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.exceptions import ValidationError
from rest_framework.fields import DateTimeField
from rest_framework.response import Response

from cases.models import Child
from cases.selectors import child_queryset_for_system
from cases.services import child_create, child_update_details
from escalations.models import Concern, Stage, Task
from escalations.selectors import concern_queryset_for_system
from escalations.services import StaleEdit

from . import audit, errors, idempotency, serializers
from .authentication import ApiKeyAuthentication
from .models import ApiClient, Scope
from .pagination import UpdatedCursor
from .permissions import HasScope
from .throttling import ClientRateThrottle


class ApiViewSet(viewsets.GenericViewSet):
    authentication_classes = [ApiKeyAuthentication]
    permission_classes = [HasScope]
    throttle_classes = [ClientRateThrottle]
    pagination_class = UpdatedCursor
    required_scopes: dict[str, str] = {}
    lookup_value_converter = "int"

    @classmethod
    def as_view(cls, *args, **kwargs):
        view = super().as_view(*args, **kwargs)
        # A key, not a session: the sign-in and two-factor middleware have nothing to check.
        view.login_required = False
        view.two_factor_exempt = True
        return view

    @property
    def client(self) -> ApiClient:
        return self.request.auth

    def get_serializer(self, *args, **kwargs):
        shown = args[0] if args else None
        if isinstance(shown, Model):
            self._shown = [shown]
        elif isinstance(shown, list):
            self._shown = shown
        return super().get_serializer(*args, **kwargs)

    def finalize_response(self, request, response, *args, **kwargs):
        if isinstance(request.auth, ApiClient):
            shown = getattr(self, "_shown", []) if response.status_code < 400 else []
            audit.record_call(request, request.auth, response.status_code, shown)
        return super().finalize_response(request, response, *args, **kwargs)

    def updated_since(self, queryset):
        value = self.request.query_params.get("updated_since")
        if value is None:
            return queryset
        try:
            since = DateTimeField().to_internal_value(value)
        except ValidationError:
            raise ValidationError(
                {"updated_since": ["Give a date and time like 2026-12-02T09:30:00Z."]}
            ) from None
        return queryset.filter(updated_at__gte=since)


UPDATED_SINCE = OpenApiParameter(
    "updated_since",
    type=OpenApiTypes.DATETIME,
    description="Only records changed at or after this date and time (ISO 8601).",
)
LIST = extend_schema(parameters=[UPDATED_SINCE])


def etag(record) -> str:
    return f'"{record.lock_version}"'


def if_match_version(request) -> int:
    """The version the sender read, from `If-Match: "3"` (428 without one, 412 if unreadable:
    it cannot be the version now)."""
    header = request.headers.get("If-Match")
    if not header:
        raise errors.PreconditionRequired()
    value = header.strip().removeprefix("W/").strip('"')
    if not value.isdigit():
        raise errors.PreconditionFailed()
    return int(value)


REFERENCE = OpenApiParameter("reference", description="The child's case-management reference.")
IF_MATCH = OpenApiParameter(
    "If-Match",
    location=OpenApiParameter.HEADER,
    required=True,
    description='The ETag from reading the child, e.g. "3".',
)
IDEMPOTENCY_KEY = OpenApiParameter(
    "Idempotency-Key",
    location=OpenApiParameter.HEADER,
    description="Send the same key when retrying, so the child is made once.",
)


@extend_schema_view(
    list=extend_schema(parameters=[UPDATED_SINCE, REFERENCE]),
    create=extend_schema(parameters=[IDEMPOTENCY_KEY]),
    partial_update=extend_schema(parameters=[IF_MATCH]),
)
class ChildViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    ApiViewSet,
):
    serializer_class = serializers.ChildSerializer
    required_scopes = {"read": Scope.CHILDREN_READ, "write": Scope.CHILDREN_WRITE}
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # drf-spectacular reading the types
            return Child.objects.none()
        children = child_queryset_for_system(sees_restricted=self.client.sees_restricted)
        if reference := self.request.query_params.get("reference"):
            children = children.filter(reference=reference)
        return self.updated_since(children)

    def retrieve(self, request, *args, **kwargs):
        child = self.get_object()
        return Response(self.get_serializer(child).data, headers={"ETag": etag(child)})

    def create(self, request, *args, **kwargs):
        return idempotency.once(request, self.client, self._create)

    def _create(self):
        serializer = self.get_serializer(data=self.request.data)
        serializer.is_valid(raise_exception=True)
        with audit.changes_by(self.request, self.client):
            child = child_create(by=None, **serializer.validated_data)
        data = self.get_serializer(child).data
        return Response(data, status=status.HTTP_201_CREATED, headers={"ETag": etag(child)})

    def partial_update(self, request, *args, **kwargs):
        child = self.get_object()
        version = if_match_version(request)
        serializer = self.get_serializer(child, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        try:
            with audit.changes_by(request, self.client):
                child = child_update_details(
                    child=child, by=None, lock_version=version, **serializer.validated_data
                )
        except StaleEdit:
            raise errors.PreconditionFailed() from None
        return Response(self.get_serializer(child).data, headers={"ETag": etag(child)})


@extend_schema_view(list=LIST)
class ConcernViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ApiViewSet):
    serializer_class = serializers.ConcernSerializer
    required_scopes = {"read": Scope.CONCERNS_READ}

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Concern.objects.none()
        tasks = Task.objects.select_related("assignee").order_by("delegated_at", "id")
        stages = Stage.objects.prefetch_related(Prefetch("tasks", queryset=tasks)).order_by(
            "level", "opened_on", "id"
        )
        concerns = concern_queryset_for_system(
            sees_restricted=self.client.sees_restricted
        ).prefetch_related("children", Prefetch("stages", queryset=stages))
        return self.updated_since(concerns)
