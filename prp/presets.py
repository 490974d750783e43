"""The four councils' resolution ladders, shipped as ready presets (see shared/PROTOCOLS.md).

Each preset is plain data. `install_presets()` creates any that are missing (it never changes a
protocol already in the database, so live deadlines never move) and makes one active if none is.
"""

from __future__ import annotations

from django.db import transaction

from . import models as prp_models
from .models import Protocol, ProtocolCategory, ResponseOption, RoleCode

R = RoleCode
REVIEWERS = [R.IRO, R.CP_CHAIR]


def _stage(level, label, *, to, days=None, guideline=None, raised_by=REVIEWERS, copy=(), **extra):
    """`to` is one role for every child, or a (child protection, child in care) pair."""
    cp, cic = to if isinstance(to, tuple) else (to, to)
    return {
        "level": level,
        "label": label,
        "cp": cp,
        "cic": cic,
        "days": days,
        "guideline": guideline,
        "raised_by": list(raised_by),
        "copy": list(copy),
        **extra,
    }


GLOUCESTERSHIRE = {
    "authority": "Gloucestershire",
    "name": "Progress Resolution Pathway",
    "description": "IRO and CP Chair Progress Resolution Pathway (July 2024).",
    "categories": ["Safeguarding", "Drift and delay", "Process"],
    "responses": [],
    "stages": [
        _stage(
            0,
            "Informal",
            to=R.TEAM_MANAGER,
            guideline=5,
            delegation_optional=True,
            guidance="Agree a response date with the team manager (usually 5 working days). "
            "It must not create drift. You may record the team manager's agreed answer yourself.",
        ),
        _stage(1, "Formal stage 1", to=R.TEAM_MANAGER, days=5),
        _stage(
            2,
            "Formal stage 2",
            to=(R.GROUP_MANAGER, R.HEAD_OF_SERVICE),
            days=5,
            copy=[R.DIRECTOR],
        ),
        _stage(
            3,
            "Formal stage 3",
            to=R.ASSISTANT_DIRECTOR,
            days=5,
            guidance="The Assistant Director may ask a Head of Service, Service Manager or "
            "Group Manager to respond, but stays accountable.",
        ),
        _stage(4, "Formal stage 4", to=R.DIRECTOR, days=5),
    ],
}

CUMBRIA = {
    "authority": "Cumbria",
    "name": "Outcome Resolution",
    "description": "IRO Outcome Resolution (formerly the dispute resolution process).",
    "categories": ["Care planning", "Placement", "Safeguarding", "Drift and delay", "Process"],
    "responses": [
        "Agree and able to implement",
        "Do not agree and will not implement",
        "Do not have the remit to implement",
    ],
    "stages": [
        _stage(
            0,
            "Stage 1: informal challenge",
            to=R.TEAM_MANAGER,
            days=3,
            guidance="Write to the social worker and team manager within 3 days. "
            "The team manager responds within 3 working days.",
        ),
        _stage(2, "Stage 2", to=R.SERVICE_MANAGER, days=4, copy=[R.REVIEWING_TEAM_MANAGER]),
        _stage(
            3,
            "Stage 3",
            to=R.SENIOR_MANAGER,
            days=4,
            copy=[R.REVIEWING_TEAM_MANAGER, R.REVIEWING_SERVICE_MANAGER],
        ),
        _stage(
            4,
            "Stage 4",
            to=R.ASSISTANT_DIRECTOR,
            days=4,
            copy=[
                R.REVIEWING_TEAM_MANAGER,
                R.REVIEWING_SERVICE_MANAGER,
                R.REVIEWING_HEAD_OF_SERVICE,
            ],
        ),
        _stage(
            5,
            "Stage 5",
            to=R.DIRECTOR_CHILDRENS_SERVICES,
            guideline=4,
            copy=[R.REVIEWING_SERVICE_MANAGER, R.REVIEWING_HEAD_OF_SERVICE],
            guidance="Consider notifying the Chief Executive. Consider CAFCASS at the end, "
            "or at any point if urgent.",
        ),
    ],
}

BUCKINGHAMSHIRE = {
    "authority": "Buckinghamshire",
    "name": "Resolution Process",
    "description": "Resolution Process form: sections delegated in turn, resolution by the raiser.",
    "categories": [
        "Care planning",
        "Safeguarding",
        "Placement",
        "Health and education",
        "Contact and family time",
        "Process and recording",
    ],
    "responses": [],
    "stages": [
        _stage(
            0,
            "Informal",
            to=R.SOCIAL_WORKER,
            guideline=5,
            raised_by=[*REVIEWERS, R.FGC_COORDINATOR],
        ),
        _stage(1, "Stage 1", to=R.TEAM_MANAGER, days=5, raised_by=[*REVIEWERS, R.FGC_COORDINATOR]),
        _stage(
            2, "Stage 2", to=R.HEAD_OF_SERVICE, days=5, raised_by=[*REVIEWERS, R.FGC_COORDINATOR]
        ),
        _stage(3, "Stage 3", to=R.DIRECTOR, days=5, raised_by=[*REVIEWERS, R.FGC_COORDINATOR]),
        _stage(
            4,
            "Stage 4",
            to=R.DIRECTOR_CHILDRENS_SERVICES,
            days=5,
            raised_by=[*REVIEWERS, R.FGC_COORDINATOR],
        ),
        _stage(
            5,
            "Stage 5: CAFCASS",
            to=None,
            guideline=10,
            raised_by=[*REVIEWERS, R.FGC_COORDINATOR],
            external_body="CAFCASS",
            guidance="Refer to CAFCASS. Record CAFCASS's response on its behalf.",
        ),
    ],
}

BLACKPOOL = {
    "authority": "Blackpool",
    "name": "Issues Resolution",
    "description": "Issues Resolution procedure, with a weekly clinic and monthly themes.",
    # Seed 004: "signed off when the formal outcome has been resolved; the IRO/CP Chair will
    # monitor ... completion of the actions"; and the 24-hour contact on an immediate concern.
    "sign_off_after_actions": True,
    "immediate_safeguarding": True,
    "categories": [
        "Statutory requirements not met",
        "Local authority procedures not adhered to",
        "IRO recommendations or CP plans not progressing",
        "Placement considerations",
        "Drift in care planning and delay in decision making",
        "Other unmet needs",
    ],
    "responses": [],
    "stages": [
        _stage(0, "Informal", to=R.SOCIAL_WORKER, guideline=5),
        _stage(1, "Formal stage 1", to=R.TEAM_MANAGER, days=5),
        _stage(
            2,
            "Formal stage 2",
            to=R.SERVICE_MANAGER,
            days=5,
            raised_by=[R.REVIEWING_TEAM_MANAGER],
        ),
        _stage(
            3,
            "Formal stage 3",
            to=R.HEAD_OF_SERVICE,
            days=5,
            raised_by=[R.REVIEWING_SERVICE_MANAGER],
        ),
        _stage(
            4,
            "Formal stage 4",
            to=R.ASSISTANT_DIRECTOR,
            days=5,
            raised_by=[R.REVIEWING_HEAD_OF_SERVICE],
        ),
    ],
}

PRESETS = {
    "gloucestershire": GLOUCESTERSHIRE,
    "cumbria": CUMBRIA,
    "buckinghamshire": BUCKINGHAMSHIRE,
    "blackpool": BLACKPOOL,
}
DEFAULT_PRESET = "gloucestershire"
# Settings of a whole protocol a preset may turn on (off unless it says so).
PROTOCOL_SETTINGS = ("sign_off_after_actions", "immediate_safeguarding")


class _Models:
    """The model classes to write with: the real ones, or a migration's historical ones."""

    def __init__(self, apps=None):
        def get(name):
            return apps.get_model("prp", name) if apps else getattr(prp_models, name)

        for name in ("Protocol", "ProtocolCategory", "ProtocolStage", "ResponseOption", "Role"):
            setattr(self, name, get(name))


def _settings(model, data: dict) -> dict:
    """The preset's protocol settings the model has (an older migration's model has fewer)."""
    names = {field.name for field in model._meta.get_fields()}
    return {name: data.get(name, False) for name in PROTOCOL_SETTINGS if name in names}


@transaction.atomic
def install_preset(key: str, apps=None) -> Protocol:
    """Create the preset's protocol (version 1) unless it is already there."""
    m = _Models(apps)
    Protocol, ProtocolCategory, ProtocolStage, ResponseOption = (
        m.Protocol,
        m.ProtocolCategory,
        m.ProtocolStage,
        m.ResponseOption,
    )

    def _role(code):
        return m.Role.objects.get_or_create(code=code)[0] if code else None

    def _roles(codes):
        return [_role(code) for code in codes]

    data = PRESETS[key]
    existing = Protocol.objects.filter(
        authority=data["authority"], name=data["name"], version=1
    ).first()
    if existing is not None:
        return existing
    protocol = Protocol.objects.create(
        authority=data["authority"],
        name=data["name"],
        description=data["description"],
        **_settings(Protocol, data),
    )
    for position, name in enumerate(data["categories"]):
        ProtocolCategory.objects.create(protocol=protocol, name=name, position=position)
    for position, label in enumerate(data["responses"]):
        ResponseOption.objects.create(protocol=protocol, label=label, position=position)
    for spec in data["stages"]:
        stage = ProtocolStage.objects.create(
            protocol=protocol,
            level=spec["level"],
            label=spec["label"],
            delegate_role_child_protection=_role(spec["cp"]),
            delegate_role_child_in_care=_role(spec["cic"]),
            delegate_role_other=_role(spec["cic"]),
            response_days=spec["days"],
            guideline_days=spec["guideline"],
            external_body=spec.get("external_body", ""),
            delegation_optional=spec.get("delegation_optional", False),
            guidance=spec.get("guidance", ""),
        )
        stage.raised_by.set(_roles(spec["raised_by"]))
        stage.copy_to.set(_roles(spec["copy"]))
    return protocol


@transaction.atomic
def install_presets(active: str | None = None, apps=None) -> dict[str, Protocol]:
    """Install every preset; make `active` (or the default) active if nothing is yet."""
    installed = {key: install_preset(key, apps) for key in PRESETS}
    model = _Models(apps).Protocol
    if active is not None:
        activate(installed[active], model)
    elif not model.objects.filter(is_active=True).exists():
        activate(installed[DEFAULT_PRESET], model)
    return installed


@transaction.atomic
def activate(protocol: Protocol, model=Protocol) -> Protocol:
    """Make `protocol` the one new concerns use. Open concerns keep theirs."""
    model.objects.filter(is_active=True).exclude(pk=protocol.pk).update(is_active=False)
    model.objects.filter(pk=protocol.pk).update(is_active=True)
    protocol.is_active = True
    return protocol


@transaction.atomic
def copy_as_new_version(protocol: Protocol) -> Protocol:
    """A new, inactive version to edit; the original stays as concerns opened under it knew it."""
    latest = (
        Protocol.objects.filter(authority=protocol.authority, name=protocol.name)
        .order_by("-version")
        .first()
    )
    copy = Protocol.objects.create(
        authority=protocol.authority,
        name=protocol.name,
        version=latest.version + 1,
        description=protocol.description,
        formal_limit_days=protocol.formal_limit_days,
        **{name: getattr(protocol, name) for name in PROTOCOL_SETTINGS},
    )
    for category in protocol.categories.all():
        ProtocolCategory.objects.create(
            protocol=copy, name=category.name, position=category.position
        )
    for option in protocol.response_options.all():
        ResponseOption.objects.create(protocol=copy, label=option.label, position=option.position)
    for stage in protocol.stages.prefetch_related("raised_by", "copy_to"):
        raised_by, copy_to = list(stage.raised_by.all()), list(stage.copy_to.all())
        stage.pk = None
        stage.protocol = copy
        stage._state.adding = True
        stage._prefetched_objects_cache = {}  # else set() compares with the original's roles
        stage.save()
        stage.raised_by.set(raised_by)
        stage.copy_to.set(copy_to)
    return copy
