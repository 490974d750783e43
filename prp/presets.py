"""The four councils' resolution ladders, shipped as ready presets (see shared/PROTOCOLS.md).

Each preset is plain data. `install_presets()` creates any that are missing (it never changes a
protocol already in the database, so live deadlines never move) and makes one active if none is.
"""

from __future__ import annotations

from django.apps import apps as django_apps
from django.db import transaction

from . import models as prp_models
from .audit import update_recorded
from .models import Protocol, RoleCode

R = RoleCode
REVIEWERS = [R.IRO, R.CP_CHAIR]

# Review timescales each preset brings (cases.ReviewRule codes): Blackpool counts "3 months
# (91 days)" and "6 months (183 days)" in days (seed 004); the others calendar months.
CALENDAR_MONTHS = {"cic_second": [3, "months"], "cic_later": [6, "months"]}
BLACKPOOL_DAYS = {"cic_second": [91, "calendar_days"], "cic_later": [183, "calendar_days"]}


def _stage(
    level,
    label,
    *,
    to,
    days=None,
    guideline=None,
    raised_by=REVIEWERS,
    copy=(),
    pass_to=(),
    **extra,
):
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
        "pass_to": list(pass_to),
        **extra,
    }


GLOUCESTERSHIRE = {
    "authority": "Gloucestershire",
    "name": "Progress Resolution Pathway",
    "description": "IRO and CP Chair Progress Resolution Pathway (July 2024).",
    "informal_guideline_days": 5,
    "review_rules": CALENDAR_MONTHS,
    "categories": ["Safeguarding", "Drift and delay", "Process"],
    "responses": [],
    # Seed 000 §4.2: a referral to CAFCASS is made in consultation with the IRO Service Manager,
    # telling the Head of the Independent Reviewing Service, the relevant Assistant Director, the
    # Director of Safeguarding and Care and the Director of Children's Services.
    "cafcass_consult": R.REVIEWING_SERVICE_MANAGER,
    "cafcass_told": [
        R.REVIEWING_HEAD_OF_SERVICE,
        R.ASSISTANT_DIRECTOR,
        R.DIRECTOR,
        R.DIRECTOR_CHILDRENS_SERVICES,
    ],
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
        _stage(2, "Formal stage 2", to=(R.GROUP_MANAGER, R.HEAD_OF_SERVICE), days=5),
        # The prose beside the chart (see PROTOCOLS.md "Decisions"): the Assistant Director's
        # stage copies the Director of Safeguarding and Care, and the AD may pass the task on.
        _stage(
            3,
            "Formal stage 3",
            to=R.ASSISTANT_DIRECTOR,
            days=5,
            copy=[R.DIRECTOR],
            pass_to=[R.HEAD_OF_SERVICE, R.SERVICE_MANAGER, R.GROUP_MANAGER],
            guidance="The Assistant Director may ask a Head of Service, Service Manager or "
            "Group Manager to respond, but stays accountable.",
        ),
        _stage(
            4,
            "Formal stage 4",
            to=R.DIRECTOR,
            days=5,
            copy=[R.DIRECTOR_CHILDRENS_SERVICES],
        ),
    ],
}

CUMBRIA = {
    "authority": "Cumbria",
    "name": "Outcome Resolution",
    "description": "IRO Outcome Resolution (formerly the dispute resolution process).",
    "informal_guideline_days": 3,
    # Seed 002: "IRO completes informal resolution form within 3 days" of the review.
    "write_up_days": 3,
    "review_rules": CALENDAR_MONTHS,
    # Seed 002 names no categories: these are suggestions for the council to replace.
    "suggested_categories": True,
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
            guidance="Write to the social worker and team manager within 3 days of the review "
            "that prompted it (give the review's date as the date of concern). "
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
            copy=[R.REVIEWING_SERVICE_MANAGER, R.REVIEWING_HEAD_OF_SERVICE],
            guidance="Seed 002 sets no time for Stage 5: agree the date with the Director. "
            "Consider notifying the Chief Executive. Consider CAFCASS at the end, "
            "or at any point if urgent.",
        ),
    ],
}

BUCKS_RAISERS = [*REVIEWERS, R.FGC_COORDINATOR]
BUCKS_AGREED = "Buckinghamshire sets no timescale: agree the date with {who} and record it."

BUCKINGHAMSHIRE = {
    "authority": "Buckinghamshire",
    "name": "Resolution Process",
    "description": "Resolution Process form: sections delegated in turn, resolution by the raiser. "
    "The council sets no timescales: the raiser agrees and records every stage's date.",
    "review_rules": CALENDAR_MONTHS,
    "resolution_records_impact": True,
    # Seed 003 names no categories: these are suggestions for the council to replace.
    "suggested_categories": True,
    "categories": [
        "Care planning",
        "Safeguarding",
        "Placement",
        "Health and education",
        "Contact and family time",
        "Process and recording",
    ],
    "responses": [],
    # Every date is agreed by the raiser; the 5 working days offered are a suggestion only.
    "stages": [
        _stage(
            0,
            "Informal",
            to=R.SOCIAL_WORKER,
            guideline=5,
            raised_by=BUCKS_RAISERS,
            guidance=BUCKS_AGREED.format(who="the social worker"),
        ),
        _stage(
            1,
            "Stage 1",
            to=R.TEAM_MANAGER,
            guideline=5,
            raised_by=BUCKS_RAISERS,
            guidance=BUCKS_AGREED.format(who="the team manager"),
        ),
        _stage(
            2,
            "Stage 2",
            to=R.HEAD_OF_SERVICE,
            guideline=5,
            raised_by=BUCKS_RAISERS,
            guidance=BUCKS_AGREED.format(who="the Head of Service"),
        ),
        _stage(
            3,
            "Stage 3: Service Director",
            to=R.SERVICE_DIRECTOR,
            guideline=5,
            raised_by=BUCKS_RAISERS,
            guidance=BUCKS_AGREED.format(who="the Service Director"),
        ),
        _stage(
            4,
            "Stage 4: Executive Director",
            to=R.EXECUTIVE_DIRECTOR,
            guideline=5,
            raised_by=BUCKS_RAISERS,
            guidance=BUCKS_AGREED.format(who="the Executive Director"),
        ),
        _stage(
            5,
            "Stage 5: CAFCASS",
            to=None,
            raised_by=BUCKS_RAISERS,
            external_body="CAFCASS",
            guidance="Refer to CAFCASS. Record CAFCASS's response on its behalf, and the date "
            "agreed with CAFCASS.",
        ),
    ],
}

BLACKPOOL = {
    "authority": "Blackpool",
    "name": "Issues Resolution",
    "description": "Issues Resolution procedure, with a weekly clinic and monthly themes.",
    "review_rules": BLACKPOOL_DAYS,
    "categories": [
        "Statutory requirements not met",
        "Local authority procedures not adhered to",
        "IRO recommendations or CP plans not progressing",
        "Placement considerations",
        "Drift in care planning and delay in decision making",
        "Other unmet needs",
    ],
    "responses": [],
    # Seed 004: the IRO refers to CAFCASS "in consultation with SQR Service manager".
    "cafcass_consult": R.REVIEWING_SERVICE_MANAGER,
    "stages": [
        _stage(
            0,
            "Informal",
            to=R.SOCIAL_WORKER,
            guidance="Agree the timescale with the social worker.",
        ),
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
            # Seed 004: "If matter is not resolved and relates to a Child in our Care, Head of
            # Service SQR Service to inform IRO. IRO to seek Independent Legal Advice and
            # consider notification to CAFCASS".
            unresolved_tells_reviewer=True,
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


class _Models:
    """The model classes to write with: the real ones, or a migration's historical ones."""

    def __init__(self, apps=None):
        def get(name):
            return apps.get_model("prp", name) if apps else getattr(prp_models, name)

        for name in ("Protocol", "ProtocolCategory", "ProtocolStage", "ResponseOption", "Role"):
            setattr(self, name, get(name))


PROTOCOL_SETTINGS = (
    "informal_guideline_days",
    "write_up_days",
    "informal_limit_days",
    "resolution_records_impact",
    "review_rules",
)


def _has_field(model, name: str) -> bool:
    # A migration's historical model may predate a field: write only what it has.
    return any(field.name == name for field in model._meta.get_fields())


def _settings(model, data) -> dict:
    return {
        name: data[name] for name in PROTOCOL_SETTINGS if name in data and _has_field(model, name)
    }


@transaction.atomic
def install_preset(key: str, apps=None) -> Protocol:
    """Create the preset's protocol (version 1) unless it is already there."""
    m = _Models(apps)
    data = PRESETS[key]
    existing = m.Protocol.objects.filter(
        authority=data["authority"], name=data["name"], version=1
    ).first()
    if existing is not None:
        return existing
    protocol = m.Protocol.objects.create(
        authority=data["authority"],
        name=data["name"],
        description=data["description"],
        **_settings(m.Protocol, data),
    )
    _fill(protocol, data, m)
    return protocol


def _fill(protocol, data, m: _Models) -> None:
    """The preset's categories, answers and stages, on a protocol that has none yet."""

    def _role(code):
        return m.Role.objects.get_or_create(code=code)[0] if code else None

    suggestion = {"is_suggestion": True} if data.get("suggested_categories") else {}
    if not _has_field(m.ProtocolCategory, "is_suggestion"):
        suggestion = {}
    # Migration prp 0004 installs with the models of its day, before the told rules existed;
    # the data migration that added them (escalations 0012) brings those rows up to date.
    told_rules = _has_field(m.ProtocolStage, "may_pass_to")
    if told_rules:
        _put_told_rules(protocol, data, _role)
    for position, name in enumerate(data["categories"]):
        m.ProtocolCategory.objects.update_or_create(
            protocol=protocol, name=name, defaults={"position": position, **suggestion}
        )
    for position, label in enumerate(data["responses"]):
        m.ResponseOption.objects.create(protocol=protocol, label=label, position=position)
    for spec in data["stages"]:
        stage = m.ProtocolStage.objects.create(
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
        stage.raised_by.set([_role(code) for code in spec["raised_by"]])
        stage.copy_to.set([_role(code) for code in spec["copy"]])
        if told_rules:
            _put_stage_told_rules(stage, spec, _role)


def _put_told_rules(protocol, data: dict, role) -> None:
    """Who is consulted about and told of a CAFCASS referral (seed 000 §4.2)."""
    protocol.cafcass_consult_role = role(data.get("cafcass_consult"))
    protocol.save(update_fields=["cafcass_consult_role"])
    protocol.cafcass_told_roles.set([role(code) for code in data.get("cafcass_told", [])])


def _put_stage_told_rules(stage, spec: dict, role) -> None:
    """Who a stage copies, who its task may be passed to, and whether an unresolved end tells
    the child's IRO."""
    stage.copy_to.set([role(code) for code in spec["copy"]])
    stage.may_pass_to.set([role(code) for code in spec["pass_to"]])
    stage.unresolved_tells_reviewer = spec.get("unresolved_tells_reviewer", False)
    stage.save(update_fields=["unresolved_tells_reviewer"])


@transaction.atomic
def upgrade_told_rules(apps=None) -> None:
    """Bring installed presets up to the told rules of PROTOCOLS.md "Decisions" (issue 14 rules
    6 to 9): who is copied, consulted and told, and who a task may be passed to.

    The latest version is changed in place when no concern uses it. One in use is never changed
    (its concerns keep what they opened under): a new version gets the rules, and becomes
    active if the old one was."""
    apps = apps or django_apps  # the live registry: prp never imports escalations
    m = _Models(apps)
    concern_model = apps.get_model("escalations", "Concern")

    def _role(code):
        return m.Role.objects.get_or_create(code=code)[0] if code else None

    for data in PRESETS.values():
        latest = (
            m.Protocol.objects.filter(authority=data["authority"], name=data["name"])
            .order_by("-version")
            .first()
        )
        if latest is None:
            continue
        if concern_model.objects.filter(protocol=latest).exists():
            was_active = latest.is_active
            latest = _copy_version(latest, m)
            if was_active:
                activate(latest, m.Protocol)
        _put_told_rules(latest, data, _role)
        specs = {spec["level"]: spec for spec in data["stages"]}
        for stage in m.ProtocolStage.objects.filter(protocol=latest):
            if stage.level in specs:
                _put_stage_told_rules(stage, specs[stage.level], _role)


@transaction.atomic
def bring_preset_up_to_date(key: str, apps, in_use) -> None:
    """For a migration: make the preset's latest version match this module.

    A version no concern uses is rewritten in place; one in use is never changed (its concerns
    keep it), so the preset's data becomes a new version, active if the old one was.
    `in_use(protocol)` says whether concerns use a version.
    """
    m = _Models(apps)
    data = PRESETS[key]
    versions = m.Protocol.objects.filter(authority=data["authority"], name=data["name"])
    latest = versions.order_by("-version").first()
    if latest is None:
        install_preset(key, apps)
        return
    if latest.version != 1:
        return  # the council has made its own version: never overwrite it
    fields = {"description": data["description"], **_settings(m.Protocol, data)}
    if not in_use(latest):
        # Good practice notes may use its categories: keep those rows, renumbered.
        keep = list(m.ProtocolCategory.objects.filter(protocol=latest, name__in=data["categories"]))
        m.ProtocolCategory.objects.filter(protocol=latest).exclude(
            pk__in=[c.pk for c in keep]
        ).delete()
        for model in (m.ProtocolStage, m.ResponseOption):
            model.objects.filter(protocol=latest).delete()
        versions.filter(pk=latest.pk).update(**fields)
        _fill(latest, data, m)
        return
    copy = m.Protocol.objects.create(
        authority=data["authority"],
        name=data["name"],
        version=latest.version + 1,
        formal_limit_days=latest.formal_limit_days,
        **fields,
    )
    _fill(copy, data, m)
    if latest.is_active:
        activate(copy, m.Protocol)


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
    """Make `protocol` the one new concerns use. Open concerns keep theirs. Apps above the core
    act on it through `on_activate` (e.g. cases applies the protocol's review timescales)."""
    # Through the audit trail: which ladder new concerns follow is configuration people answer
    # for. (In a migration, `model` is the historical model, which is not audited.)
    update_recorded(model.objects.filter(is_active=True).exclude(pk=protocol.pk), is_active=False)
    update_recorded(model.objects.filter(pk=protocol.pk), is_active=True)
    protocol.is_active = True
    if model is Protocol:  # not from a migration's historical models
        for receiver in on_activate:
            receiver(protocol)
    return protocol


# Filled in by higher apps' AppConfig.ready(): each is called with a protocol made active.
on_activate: list = []


@transaction.atomic
def copy_as_new_version(protocol: Protocol) -> Protocol:
    """A new, inactive version to edit; the original stays as concerns opened under it knew it."""
    return _copy_version(protocol, _Models())


def _copy_version(protocol, m: _Models):
    """Copy a protocol version with everything on it, as a new inactive version."""
    latest = (
        m.Protocol.objects.filter(authority=protocol.authority, name=protocol.name)
        .order_by("-version")
        .first()
    )
    copy = m.Protocol.objects.create(
        authority=protocol.authority,
        name=protocol.name,
        version=latest.version + 1,
        description=protocol.description,
        formal_limit_days=protocol.formal_limit_days,
        cafcass_consult_role_id=protocol.cafcass_consult_role_id,
        **{name: getattr(protocol, name) for name in PROTOCOL_SETTINGS},
    )
    copy.cafcass_told_roles.set(list(protocol.cafcass_told_roles.all()))
    for category in m.ProtocolCategory.objects.filter(protocol=protocol):
        m.ProtocolCategory.objects.create(
            protocol=copy,
            name=category.name,
            position=category.position,
            is_suggestion=category.is_suggestion,
        )
    for option in m.ResponseOption.objects.filter(protocol=protocol):
        m.ResponseOption.objects.create(protocol=copy, label=option.label, position=option.position)
    for stage in m.ProtocolStage.objects.filter(protocol=protocol).prefetch_related(
        "raised_by", "copy_to", "may_pass_to"
    ):
        roles = {
            name: list(getattr(stage, name).all())
            for name in ("raised_by", "copy_to", "may_pass_to")
        }
        stage.pk = None
        stage.protocol = copy
        stage._state.adding = True
        stage._prefetched_objects_cache = {}  # else set() compares with the original's roles
        stage.save()
        for name, chosen in roles.items():
            getattr(stage, name).set(chosen)
    return copy
