"""Who gets the scheduled packs: a setting administrators change here (README, "Packs that
build and send themselves"), and the periods each pack was sent for (read only)."""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db.models import Q

from prp.admin_locking import VersionedAdminMixin
from prp.models import Role, RoleCode

from . import sending
from .models import PackRecipients, PackSending


class PackRecipientsForm(forms.ModelForm):
    class Meta:
        model = PackRecipients
        fields = ("roles", "people")

    def clean(self):
        data = super().clean()
        pack = sending.PACKS[self.instance.pack]
        roles = data.get("roles") or Role.objects.none()
        refused = sorted(
            RoleCode(role.code).label for role in roles if role.code not in pack.roles_allowed
        )
        if refused:
            self.add_error(
                "roles",
                ValidationError(
                    f"People with these roles may not see the {pack.label().lower()}: "
                    f"{', '.join(refused)}. Take them off the list."
                ),
            )
        people = data.get("people") or []
        barred = [person.full_name or person.email for person in people if not pack.may_see(person)]
        if barred:
            self.add_error(
                "people",
                ValidationError(
                    f"These people may not see the {pack.label().lower()}: "
                    f"{', '.join(barred)}. Take them off the list."
                ),
            )
        return data


@admin.register(PackRecipients)
class PackRecipientsAdmin(VersionedAdminMixin, admin.ModelAdmin):
    form = PackRecipientsForm
    list_display = ("__str__", "role_names", "people_count")
    filter_horizontal = ("roles", "people")
    readonly_fields = ("pack",)
    fields = ("pack", "roles", "people")

    @admin.display(description="Roles")
    def role_names(self, obj):
        return ", ".join(RoleCode(role.code).label for role in obj.roles.all()) or "None"

    @admin.display(description="Named people")
    def people_count(self, obj):
        return obj.people.count()

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("roles")

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if db_field.name == "people":
            # Only people who could ever be allowed: active, with a role that sees figures.
            allowed = {code for pack in sending.PACKS.values() for code in pack.roles_allowed}
            kwargs["queryset"] = (
                db_field.related_model.objects.filter(is_active=True)
                .filter(Q(roles__code__in=allowed) | Q(is_superuser=True))
                .distinct()
                .order_by("full_name")
            )
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    def has_add_permission(self, request):
        return False  # one row per pack, made by a migration

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(PackSending)
class PackSendingAdmin(admin.ModelAdmin):
    list_display = ("pack", "period_start", "started_at", "finished_at", "recipients")
    list_filter = ("pack",)
    readonly_fields = tuple(field.name for field in PackSending._meta.fields)

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False
