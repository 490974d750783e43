"""The API's views: thin, over the same selectors and services the pages use."""

from __future__ import annotations

import dataclasses

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError, transaction
from django.db.models import Model, Prefetch
from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.fields import DateTimeField
from rest_framework.response import Response

from cases.models import Child
from cases.selectors import child_queryset_for_system
from cases.services import (
    child_allocate,
    child_create,
    child_update_details,
    children_create_many,
    key_date_record,
    review_record,
)
from dashboards import metrics
from dashboards.scope import WholeAuthority
from escalations.models import Concern, Stage, Task
from escalations.selectors import concern_queryset_for_system
from prp.locking import StaleEdit

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

    @extend_schema(
        request=serializers.ChildUpsertSerializer,
        responses={200: OpenApiTypes.OBJECT},
        parameters=[IDEMPOTENCY_KEY],
        description=f"Up to {serializers.UPSERT_LIMIT} children by reference: new ones made, "
        "changed ones updated (each with the version read), all or nothing.",
    )
    @action(detail=False, methods=["post"], url_path="upsert")
    def upsert(self, request, *args, **kwargs):
        return idempotency.once(request, self.client, self._upsert)

    def _upsert(self):
        sent = serializers.ChildUpsertSerializer(data=self.request.data)
        sent.is_valid(raise_exception=True)
        upsert = Upsert(self.client, sent.validated_data["children"])
        with transaction.atomic(), audit.changes_by(self.request, self.client):
            upsert.check()
            try:
                return Response(upsert.write())
            except StaleEdit:  # changed between the check and the write
                raise errors.PreconditionFailed() from None
            except IntegrityError:  # another sender made one of these children meanwhile
                raise errors.Conflict() from None


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


class ChildRecordViewSet(mixins.ListModelMixin, ApiViewSet):
    """Something recorded about one child (allocations, key dates, reviews held): listed with
    the child's read scope, added with the record's own write scope, through the same service
    the page uses. The child is found as the page finds it: a restricted child is a 404 unless
    the client was granted restricted records. Each kind defines `record(data)`: the service
    call that writes one."""

    http_method_names = ["get", "post", "head", "options"]
    related_name = ""
    # Listed whole (see list): the schema says an array, as the answer is, not a page.
    pagination_class = None

    @property
    def child(self) -> Child:
        if not hasattr(self, "_child"):
            children = child_queryset_for_system(sees_restricted=self.client.sees_restricted)
            self._child = get_object_or_404(children, pk=self.kwargs["child_pk"])
        return self._child

    def get_queryset(self):
        model = self.get_serializer_class().Meta.model
        if getattr(self, "swagger_fake_view", False):
            return model.objects.none()
        return model.objects.filter(child=self.child).order_by("id")

    def list(self, request, *args, **kwargs):
        # Shown in full, newest last: a child's allocations or reviews are tens, not thousands.
        records = list(self.get_queryset())
        self._shown = [self.child]
        return Response(self.get_serializer(records, many=True).data)

    def create(self, request, *args, **kwargs):
        _ = self.child  # a missing or hidden child is a 404 before the body is read
        return idempotency.once(request, self.client, self._create)

    def _create(self):
        serializer = self.get_serializer(data=self.request.data)
        serializer.is_valid(raise_exception=True)
        with audit.changes_by(self.request, self.client):
            try:
                record = self.record(serializer.validated_data)
            except DjangoValidationError as error:
                raise ValidationError(error.message_dict) from None
        self._shown = [self.child]
        return Response(self.get_serializer(record).data, status=status.HTTP_201_CREATED)


CHILD_RECORD = extend_schema_view(
    list=extend_schema(parameters=[]),
    create=extend_schema(parameters=[IDEMPOTENCY_KEY]),
)


@CHILD_RECORD
class AllocationViewSet(ChildRecordViewSet):
    """Who is allocated to the child: a new allocation ends the current one of its kind."""

    serializer_class = serializers.AllocationSerializer
    required_scopes = {"read": Scope.CHILDREN_READ, "write": Scope.ALLOCATIONS_WRITE}

    def record(self, data):
        return child_allocate(
            child=self.child,
            kind=data["kind"],
            start_date=data["start_date"],
            recorded_by=None,
            worker=data.get("worker"),
            team=data.get("team"),
        )


@CHILD_RECORD
class KeyDateViewSet(ChildRecordViewSet):
    """The dates that set the review schedule: came into care, change of carer and so on."""

    serializer_class = serializers.KeyDateSerializer
    required_scopes = {"read": Scope.CHILDREN_READ, "write": Scope.REVIEWS_WRITE}

    def record(self, data):
        return key_date_record(child=self.child, by=None, **data)


@CHILD_RECORD
class ReviewViewSet(ChildRecordViewSet):
    """Statutory reviews and child protection conferences held (the steps after them start)."""

    serializer_class = serializers.ReviewSerializer
    required_scopes = {"read": Scope.CHILDREN_READ, "write": Scope.REVIEWS_WRITE}

    def record(self, data):
        return review_record(child=self.child, by=None, **data)


@extend_schema_view(
    list=extend_schema(
        parameters=[serializers.FiguresQuery],
        responses={200: OpenApiTypes.OBJECT},
        description="The dashboard's figures for the whole authority, with its filters.",
    )
)
class FiguresViewSet(ApiViewSet):
    """The dashboard's figures, for the performance team's reports (Power BI and the like),
    counted by the same rule as the dashboard for a performance officer."""

    required_scopes = {"read": Scope.FIGURES_READ}
    pagination_class = None

    def list(self, request, *args, **kwargs):
        query = serializers.FiguresQuery(data=request.query_params.dict())
        query.is_valid(raise_exception=True)
        figures = metrics.dashboard(WholeAuthority(), query.filters())
        return Response({**dataclasses.asdict(figures), "open_total": figures.open_total})


class Upsert:
    """Children sent in one request, found by reference: the new made, the changed updated, the
    unchanged left alone, all or nothing. One query finds those held; only real changes write."""

    def __init__(self, client: ApiClient, items: list[dict]):
        self.items = items
        references = [item["reference"] for item in items]
        self.held = Child.objects.filter(reference__in=references).in_bulk(field_name="reference")
        visible = child_queryset_for_system(sees_restricted=client.sees_restricted)
        self.visible = set(
            visible.filter(reference__in=references).values_list("reference", flat=True)
        )

    def changes(self, child: Child, item: dict) -> dict:
        return {
            name: value
            for name, value in item.items()
            if name not in ("reference", "version") and getattr(child, name) != value
        }

    def update_one(self, item: dict) -> tuple[Child, str]:
        child = self.held[item["reference"]]
        if changes := self.changes(child, item):
            version = item["version"]
            return child_update_details(
                child=child, by=None, lock_version=version, **changes
            ), "updated"
        return child, "unchanged"

    def check(self) -> None:
        """Refuses the whole request for a child this client may not change (the same answer
        as creating a reference already held), a missing version (428) or a stale one (412)."""
        hidden: dict = {}
        missing: dict = {}
        stale: dict = {}
        for index, item in enumerate(self.items):
            child = self.held.get(item["reference"])
            if child is None:
                continue
            if item["reference"] not in self.visible:
                hidden[index] = {"reference": ["child with this reference already exists."]}
            elif not self.changes(child, item):
                continue
            elif "version" not in item:
                missing[index] = {"version": ["Send the version read to change this child."]}
            elif item["version"] != child.lock_version:
                stale[index] = {"version": [f"The child is now at version {child.lock_version}."]}
        for status_code, found in ((400, hidden), (428, missing), (412, stale)):
            if found:
                raise errors.Refused(status_code, {"children": found})

    def write(self) -> dict:
        new = [item for item in self.items if item["reference"] not in self.held]
        made = {child.reference: child for child in children_create_many(rows=new, by=None)}
        results, counts = [], {"created": 0, "updated": 0, "unchanged": 0}
        for index, item in enumerate(self.items):
            if item["reference"] in made:
                child, result = made[item["reference"]], "created"
            else:
                try:
                    child, result = self.update_one(item)
                except DjangoValidationError as error:  # the model's own rules
                    raise ValidationError({"children": {index: error.message_dict}}) from None
            counts[result] += 1
            results.append(
                {
                    "reference": child.reference,
                    "id": child.pk,
                    "result": result,
                    "version": child.lock_version,
                }
            )
        return {**counts, "children": results}
