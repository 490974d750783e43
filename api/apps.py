from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "api"
    verbose_name = "API for the council's systems"

    def ready(self):
        # Imported here: models and what uses them load only once the app registry is ready.
        from auditlog.registry import auditlog

        from .models import ApiClient, ScimGroup, ScimPerson

        # Who registered which system with which scopes, rotations and revocations; never the
        # key's hash, nor the last use (each call is written down on its own).
        fields = ["name", "owner", "scopes", "sees_restricted", "expires_at", "revoked_at"]
        auditlog.register(ApiClient, include_fields=[*fields, "key_prefix"])
        # What the directory says about a person, and its groups with their members and role.
        auditlog.register(ScimPerson, exclude_fields=["created_at"])
        auditlog.register(ScimGroup, exclude_fields=["created_at"], m2m_fields={"members"})
