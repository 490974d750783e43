"""SCIM 2.0 (RFC 7643, 7644) for the council's directory: `/scim/v2/Users`, `/Groups` and the
discovery endpoints. Built on Django REST framework rather than django-scim2 (README, "The
API", says why). Authenticated as the rest of the API is, by an API client's key, with the
`people:write` scope for every call (reading who works here is part of provisioning, not a
scope of its own); every call is written in the audit trail against the client. Outside the
OpenAPI schema: SCIM describes itself at `/scim/v2/Schemas`."""

from __future__ import annotations

from django.db import IntegrityError
from django.shortcuts import get_object_or_404
from django.urls import reverse
from rest_framework import parsers, renderers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from prp.email_address import normalise_email
from prp.models import User

from .. import audit
from ..authentication import ApiKeyAuthentication
from ..models import ApiClient, ScimGroup, Scope
from ..permissions import HasScope
from ..services import (
    AdministeredHere,
    Uniqueness,
    scim_group_create,
    scim_group_delete,
    scim_group_update,
    scim_person_create,
    scim_person_delete,
    scim_person_update,
)
from ..throttling import ClientRateThrottle
from . import discovery, filters, groups, users
from .errors import MEDIA_TYPE, ScimError, scim_handler

LIST = "urn:ietf:params:scim:api:messages:2.0:ListResponse"
PAGE_LIMIT = 200
TAKEN = "Someone here already has this userName (email address)."
ADMINISTERED = (
    "This account can administer the service: it is changed in the admin, by a person. A "
    "directory may only end it."
)


class ScimParser(parsers.JSONParser):
    media_type = MEDIA_TYPE


class ScimRenderer(renderers.JSONRenderer):
    media_type = MEDIA_TYPE


class ScimView(APIView):
    authentication_classes = [ApiKeyAuthentication]
    permission_classes = [HasScope]
    throttle_classes = [ClientRateThrottle]
    parser_classes = [ScimParser, parsers.JSONParser]
    renderer_classes = [ScimRenderer, renderers.JSONRenderer]
    required_scopes = {"read": Scope.PEOPLE_WRITE, "write": Scope.PEOPLE_WRITE}
    schema = None  # not in the OpenAPI schema: SCIM has its own (/scim/v2/Schemas)

    @classmethod
    def as_view(cls, *args, **kwargs):
        view = super().as_view(*args, **kwargs)
        # A key, not a session: the sign-in and two-factor middleware have nothing to check.
        view.login_required = False
        view.two_factor_exempt = True
        return view

    def get_exception_handler(self):
        return scim_handler

    @property
    def client(self) -> ApiClient:
        return self.request.auth

    def finalize_response(self, request, response, *args, **kwargs):
        if isinstance(request.auth, ApiClient):
            audit.record_call(request, request.auth, response.status_code)
        return super().finalize_response(request, response, *args, **kwargs)

    def start_index_and_count(self) -> tuple[int, int]:
        try:
            start = max(int(self.request.query_params.get("startIndex", 1)), 1)
            count = min(max(int(self.request.query_params.get("count", 100)), 0), PAGE_LIMIT)
        except ValueError:
            raise users.invalid_value("startIndex and count are whole numbers.") from None
        return start, count

    def listed(self, resources: list[dict], total: int, start: int) -> Response:
        return Response(
            {
                "schemas": [LIST],
                "totalResults": total,
                "startIndex": start,
                "itemsPerPage": len(resources),
                "Resources": resources,
            }
        )


def _people():
    return User.objects.select_related("scim").order_by("pk")


class UsersView(ScimView):
    def location(self, person: User) -> str:
        return self.request.build_absolute_uri(reverse("scim:user", args=[person.pk]))

    def get(self, request):
        people = _people()
        if text := request.query_params.get("filter"):
            found = filters.parse(text, users.FILTERS)
            if "id" in found and not str(found["id"]).isdigit():
                return self.listed([], 0, 1)
            if "userName" in found:
                found["email"] = normalise_email(str(found.pop("userName")))
            if "externalId" in found:
                found["scim__external_id"] = found.pop("externalId")
            people = people.filter(**found)
        start, count = self.start_index_and_count()
        total = people.count()
        page = people[start - 1 : start - 1 + count]
        return self.listed([users.resource(p, self.location(p)) for p in page], total, start)

    def post(self, request):
        state = users.from_resource(request.data, users.blank())
        account, directory = users.account_fields(state), users.directory_fields(state)
        try:
            with audit.changes_by(request, self.client):
                person = scim_person_create(
                    client=self.client, account=account, directory=directory
                )
        except (Uniqueness, IntegrityError):
            raise ScimError(409, TAKEN, "uniqueness") from None
        body = users.resource(person, self.location(person))
        return Response(
            body, status=status.HTTP_201_CREATED, headers={"Location": body["meta"]["location"]}
        )


class UserView(ScimView):
    def person(self, pk: int) -> User:
        return get_object_or_404(_people(), pk=pk)

    def answer(self, person: User) -> Response:
        location = self.request.build_absolute_uri(reverse("scim:user", args=[person.pk]))
        return Response(users.resource(person, location))

    def get(self, request, pk: int):
        return self.answer(self.person(pk))

    def put(self, request, pk: int):
        person = self.person(pk)
        sent = users.blank() | {"active": person.is_active}
        return self.change(person, users.from_resource(request.data, sent))

    def patch(self, request, pk: int):
        person = self.person(pk)
        return self.change(person, users.from_patch(request.data, users.state_of(person)))

    def change(self, person: User, state: dict) -> Response:
        account, directory = users.account_fields(state), users.directory_fields(state)
        try:
            with audit.changes_by(self.request, self.client):
                person = scim_person_update(
                    client=self.client, person=person, account=account, directory=directory
                )
        except (Uniqueness, IntegrityError):
            raise ScimError(409, TAKEN, "uniqueness") from None
        except AdministeredHere:
            raise ScimError(403, ADMINISTERED) from None
        return self.answer(User.objects.select_related("scim").get(pk=person.pk))

    def delete(self, request, pk: int):
        person = self.person(pk)
        with audit.changes_by(request, self.client):
            scim_person_delete(person=person)
        return Response(status=status.HTTP_204_NO_CONTENT)


GROUP_TAKEN = "A group with this displayName is here already."


def _groups():
    return ScimGroup.objects.prefetch_related("members").order_by("pk")


class GroupsMixin:
    def location(self, group: ScimGroup) -> str:
        return self.request.build_absolute_uri(reverse("scim:group", args=[group.pk]))

    def shown(self, group: ScimGroup) -> dict:
        # Entra ID asks for groups without their members (excludedAttributes=members).
        left_out = self.request.query_params.get("excludedAttributes", "").lower()
        with_members = "members" not in {part.strip() for part in left_out.split(",")}
        return groups.resource(group, self.location(group), with_members=with_members)


class GroupsView(GroupsMixin, ScimView):
    def get(self, request):
        found_groups = _groups()
        if text := request.query_params.get("filter"):
            found = filters.parse(text, groups.FILTERS)
            if "id" in found and not str(found["id"]).isdigit():
                return self.listed([], 0, 1)
            names = {"displayName": "display_name__iexact", "externalId": "external_id"}
            found_groups = found_groups.filter(**{names.get(k, k): v for k, v in found.items()})
        start, count = self.start_index_and_count()
        total = found_groups.count()
        page = found_groups[start - 1 : start - 1 + count]
        return self.listed([self.shown(group) for group in page], total, start)

    def post(self, request):
        wanted = groups.fields(groups.from_resource(request.data, groups.blank()))
        try:
            with audit.changes_by(request, self.client):
                group = scim_group_create(**wanted)
        except (Uniqueness, IntegrityError):
            raise ScimError(409, GROUP_TAKEN, "uniqueness") from None
        body = self.shown(_groups().get(pk=group.pk))
        return Response(
            body, status=status.HTTP_201_CREATED, headers={"Location": body["meta"]["location"]}
        )


class GroupView(GroupsMixin, ScimView):
    def group(self, pk: int) -> ScimGroup:
        return get_object_or_404(_groups(), pk=pk)

    def get(self, request, pk: int):
        return Response(self.shown(self.group(pk)))

    def put(self, request, pk: int):
        return self.change(self.group(pk), groups.from_resource(request.data, groups.blank()))

    def patch(self, request, pk: int):
        group = self.group(pk)
        self.change(group, groups.from_patch(request.data, groups.state_of(group)))
        # Answered as Entra ID expects of a group's PATCH: 204, nothing to read back.
        return Response(status=status.HTTP_204_NO_CONTENT)

    def change(self, group: ScimGroup, state: dict) -> Response:
        wanted = groups.fields(state)
        try:
            with audit.changes_by(self.request, self.client):
                group = scim_group_update(group=group, **wanted)
        except (Uniqueness, IntegrityError):
            raise ScimError(409, GROUP_TAKEN, "uniqueness") from None
        return Response(self.shown(_groups().get(pk=group.pk)))

    def delete(self, request, pk: int):
        group = self.group(pk)
        with audit.changes_by(request, self.client):
            scim_group_delete(group=group)
        return Response(status=status.HTTP_204_NO_CONTENT)


class ServiceProviderConfigView(ScimView):
    def get(self, request):
        return Response(discovery.service_provider_config(request))


class ResourceTypesView(ScimView):
    def get(self, request, name: str | None = None):
        types = discovery.resource_types(request)
        if name is None:
            return self.listed(types, len(types), 1)
        for found in types:
            if found["id"] == name:
                return Response(found)
        raise ScimError(404, "No resource type with this name.")


class SchemasView(ScimView):
    def get(self, request, urn: str | None = None):
        schemas = discovery.schemas(request)
        if urn is None:
            return self.listed(schemas, len(schemas), 1)
        for found in schemas:
            if found["id"] == urn:
                return Response(found)
        raise ScimError(404, "No schema with this id.")
