"""Administrators register the council's systems here. A key is shown once: in the message
after the client is saved, and after each rotation."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages

from prp.models import Role
from prp.services import NEVER_FROM_A_DIRECTORY

from .models import ApiClient, ScimGroup, ScimPerson, Scope
from .services import api_client_create, api_client_revoke, api_client_rotate, scim_group_map_role


class ApiClientForm(forms.ModelForm):
    scopes = forms.MultipleChoiceField(
        choices=Scope.choices, widget=forms.CheckboxSelectMultiple, required=False
    )

    class Meta:
        model = ApiClient
        fields = ["name", "owner", "scopes", "sees_restricted", "expires_at"]


def _show_key(request, client: ApiClient, key: str) -> None:
    messages.warning(
        request,
        f"The key for {client.name} is {key} — copy it now: it will not be shown again.",
    )


@admin.register(ApiClient)
class ApiClientAdmin(admin.ModelAdmin):
    form = ApiClientForm
    list_display = ["name", "owner", "expires_at", "revoked_at", "last_used_at"]
    readonly_fields = ["key_prefix", "created_at", "last_used_at", "revoked_at"]
    actions = ["rotate_keys", "revoke_keys"]

    def has_delete_permission(self, request, obj=None):
        return False  # revoke instead: the audit trail names the client

    def save_model(self, request, obj, form, change):
        if change:
            obj.save()
            return
        client, key = api_client_create(
            name=obj.name,
            owner=obj.owner,
            scopes=form.cleaned_data["scopes"],
            expires_at=obj.expires_at,
            sees_restricted=obj.sees_restricted,
        )
        obj.pk, obj.key_prefix = client.pk, client.key_prefix
        _show_key(request, client, key)

    @admin.action(description="Rotate the key of the selected clients")
    def rotate_keys(self, request, queryset):
        for client in queryset:
            _show_key(request, client, api_client_rotate(client=client))

    @admin.action(description="Revoke the key of the selected clients")
    def revoke_keys(self, request, queryset):
        for client in queryset:
            api_client_revoke(client=client)
        messages.success(request, f"Revoked {queryset.count()} keys.")


class ScimGroupForm(forms.ModelForm):
    role = forms.ModelChoiceField(
        queryset=Role.objects.exclude(code__in=NEVER_FROM_A_DIRECTORY),
        required=False,
        help_text="The role this group's members have here. Empty: none. The administrator's "
        "role is never given by a group.",
    )

    class Meta:
        model = ScimGroup
        fields = ["role"]


@admin.register(ScimGroup)
class ScimGroupAdmin(admin.ModelAdmin):
    """Groups come from the directory; the one thing decided here is the role each gives."""

    form = ScimGroupForm
    list_display = ["display_name", "role", "created_at"]
    readonly_fields = ["display_name", "external_id", "member_names", "created_at"]
    fields = ["display_name", "external_id", "role", "member_names", "created_at"]

    def has_add_permission(self, request):
        return False  # made by the directory

    def has_delete_permission(self, request, obj=None):
        return False  # the directory deletes its groups

    @admin.display(description="members")
    def member_names(self, group):
        return ", ".join(str(person) for person in group.members.all()) or "None"

    def save_model(self, request, obj, form, change):
        role = form.cleaned_data["role"]
        scim_group_map_role(group=obj, role_code=role.code if role else None)


@admin.register(ScimPerson)
class ScimPersonAdmin(admin.ModelAdmin):
    """What the directory says about the people it provisioned: read only."""

    list_display = ["user", "external_id", "department", "provisioned_by"]
    readonly_fields = [
        "user",
        "external_id",
        "given_name",
        "family_name",
        "department",
        "manager",
        "provisioned_by",
        "created_at",
    ]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
