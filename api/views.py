"""The API's views: thin, over the same selectors and services the pages use."""

from __future__ import annotations

from django.db.models import Model, Prefetch
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, viewsets
from rest_framework.exceptions import ValidationError
from rest_framework.fields import DateTimeField

from cases.models import Child
from cases.selectors import child_queryset_for_system
from escalations.models import Concern, Stage, Task
from escalations.selectors import concern_queryset_for_system

from . import audit, serializers
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
    lookup_value_regex = r"[0-9]{1,18}"

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
        if not value:
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


@extend_schema_view(list=LIST)
class ChildViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ApiViewSet):
    serializer_class = serializers.ChildSerializer
    required_scopes = {"read": Scope.CHILDREN_READ}

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # drf-spectacular reading the types
            return Child.objects.none()
        children = child_queryset_for_system(sees_restricted=self.client.sees_restricted)
        return self.updated_since(children)


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
