"""The world the permission matrix is tried in: nine personas and three sides of objects.

Two operational teams (North and East) in one service, two IRO teams in the reviewing service.

- "own": Amara, in North, allocated to the IRO and the social worker. The IRO raised a concern
  about her, delegated to North's team manager (the delegated manager), and wrote her QAPRs.
- "other": Bea, in East, allocated to the other IRO and East's social worker. Everything about
  her is built exactly as for Amara, with the other IRO in the IRO's place and East's team
  manager (the manager outside the line) in the delegated manager's.
- "restricted": Rory, in North, a restricted record: allocated to the IRO and the social
  worker, and North's team manager is named on it. Built exactly as for Amara.

Nobody else is named on Rory: not the reviewing service manager, not performance staff, not the
administrator. Every side is built through the services, as the pages build it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from cases import services as case_services
from cases.models import Child, PlannedStep, ReviewStep, SignificantChange
from escalations import services as concern_services
from escalations.models import Action, Attachment, Concern, Stage, SubConcern, Task, TaskState
from imports.models import ImportRun
from notifications.models import Kind, Notification
from prp.models import OrgUnit, ProtocolCategory, RoleCode, Team, User
from prp.presets import install_presets
from qapr import services as qapr_services
from qapr.models import Grade, Qapr, Recommendation, SectionRating
from tests.builders import allocate, draft_concern, filled_qapr, finalised_qapr, fresh, raise_draft
from tests.factories import (
    ChildFactory,
    OrgUnitFactory,
    PostFactory,
    RoleFactory,
    TeamFactory,
    UserFactory,
)

# A Wednesday in term time, clear of bank holidays.
NOW = dt.datetime(2025, 11, 12, 10, 0)
TODAY = NOW.date()

PERSONAS = (
    "iro",
    "other_iro",
    "manager",
    "outside_manager",
    "social_worker",
    "service_manager",
    "performance",
    "admin",
    "signed_out",
)
VARIANTS = ("own", "other", "restricted")


@dataclass
class Side:
    """Everything about one child that a URL can point at."""

    child: Child
    draft: Concern  # the raiser's draft, not yet raised
    concern: Concern  # raised at formal stage 1 and delegated
    sub_concern: SubConcern
    action: Action
    attachment: Attachment
    task: Task  # the delegated task, waiting for a response
    stage: Stage  # the stage the task is at
    step: ReviewStep  # circulating the decisions of the last review, the chair's to do
    planned_step: PlannedStep  # sending the invitations to the next review, the IRO's to do
    change: SignificantChange  # waiting for the reviewing officer's decision
    qapr_draft: Qapr
    qapr: Qapr  # finalised (Good), with a recommendation
    recommendation: Recommendation
    notification: Notification  # a message to the side's IRO about the concern
    # A background import the administrator started: about no child, the same on every side.
    import_run: ImportRun | None = None


@dataclass
class World:
    people: dict[str, User]
    sides: dict[str, Side] = field(default_factory=dict)

    def side(self, variant: str) -> Side:
        return self.sides[variant]


def _people() -> dict[str, User]:
    directorate = OrgUnitFactory(name="Children's Services", kind=OrgUnit.Kind.DIRECTORATE)
    operational = OrgUnitFactory(name="Children in Care", parent=directorate)
    reviewing = OrgUnitFactory(
        name="Reviewing Service", parent=directorate, is_reviewing_service=True
    )
    people = {}
    for key, name in (("manager", "Tom Manager"), ("outside_manager", "Olu Outside")):
        people[key] = UserFactory(full_name=name, roles=[RoleCode.TEAM_MANAGER])
    north = TeamFactory(name="North", unit=operational, manager=people["manager"])
    east = TeamFactory(name="East", unit=operational, manager=people["outside_manager"])
    for key, team in (("manager", north), ("outside_manager", east)):
        people[key].team = team
        people[key].save()
    iro_team_1 = TeamFactory(name="IRO Team 1", unit=reviewing, kind=Team.Kind.REVIEWING)
    iro_team_2 = TeamFactory(name="IRO Team 2", unit=reviewing, kind=Team.Kind.REVIEWING)
    people["iro"] = UserFactory(full_name="Ira Reviewer", roles=[RoleCode.IRO], team=iro_team_1)
    people["other_iro"] = UserFactory(
        full_name="Otto Reviewer", roles=[RoleCode.IRO], team=iro_team_2
    )
    people["social_worker"] = UserFactory(
        full_name="Sam Worker",
        roles=[RoleCode.SOCIAL_WORKER],
        team=north,
        line_manager=people["manager"],
    )
    people["east_worker"] = UserFactory(
        full_name="Eve Worker",
        roles=[RoleCode.SOCIAL_WORKER],
        team=east,
        line_manager=people["outside_manager"],
    )
    people["service_manager"] = PostFactory(
        unit=reviewing,
        role=RoleFactory(code=RoleCode.REVIEWING_SERVICE_MANAGER),
        holder=UserFactory(full_name="Sian Service", roles=[RoleCode.REVIEWING_SERVICE_MANAGER]),
    ).holder
    people["performance"] = UserFactory(full_name="Pat Figures", roles=[RoleCode.PERFORMANCE])
    people["admin"] = UserFactory(
        full_name="Ada Admin", roles=[RoleCode.ADMINISTRATOR], is_staff=True
    )
    people["north"], people["east"] = north, east
    return people


def _child(first, last, *, team, social_worker, iro, restricted=False) -> Child:
    child = ChildFactory(first_name=first, last_name=last, restricted=restricted)
    return allocate(
        child,
        team=team,
        social_worker=social_worker,
        reviewing_officer=iro,
        start=dt.date(2025, 1, 6),
    )


def _category() -> ProtocolCategory:
    return ProtocolCategory.objects.filter(protocol__is_active=True).order_by("position").first()


def _draft(iro: User, child: Child, title: str) -> Concern:
    impact = f"{child.first_name} does not know where she will live next year"
    return draft_concern(
        iro, child, title=title, impact_on_child=impact, child_views="", category=_category()
    )


def _raised(iro: User, child: Child, manager: User) -> Concern:
    concern = raise_draft(_draft(iro, child, "The plan is drifting"), iro, manager)
    concern_services.action_add(
        concern=concern,
        by=iro,
        description="Book a permanence planning meeting",
        due_on=TODAY + dt.timedelta(days=14),
        owner_name="Family support worker",
    )
    concern_services.attachment_add(
        concern=fresh(concern),
        by=iro,
        upload=SimpleUploadedFile("minutes.pdf", b"%PDF-1.4 minutes", "application/pdf"),
    )
    return fresh(concern)


def _finalised_qapr(iro: User, child: Child) -> Qapr:
    qapr = filled_qapr(
        iro,
        child,
        participation_rating=SectionRating.ADEQUATE,
        participation_rationale="Views gathered by an advocate.",
        progress_rating=SectionRating.STRONG,
        progress_rationale="A clear permanence plan.",
        records_rating=SectionRating.ADEQUATE,
        records_rationale="Case notes are up to date.",
        social_worker_invited_on=TODAY - dt.timedelta(days=7),
        views_child=True,
        views_summary="Wants to stay with her carers.",
        grade=Grade.GOOD,
        grade_rationale="Stable placement and a clear plan.",
        impact_on_child="Settled at school.",
        good_practice_category=_category(),
        good_practice_text="Thorough, warm work.",
    )
    return finalised_qapr(qapr, iro)


def _side(*, iro, manager, social_worker, child, owner) -> Side:
    review = case_services.review_record(
        child=child, by=iro, kind="cic_review", held_on=TODAY - dt.timedelta(days=2)
    )
    change = case_services.significant_change_record(
        child=child,
        by=social_worker,
        kind=SignificantChange.Kind.PLACEMENT_CHANGE,
        occurred_on=TODAY - dt.timedelta(days=1),
        details="Moved to new carers after a breakdown.",
    )
    draft = _draft(iro, child, "A draft about the plan")
    concern = _raised(iro, child, manager)
    qapr = _finalised_qapr(iro, child)
    # The recommendation's owner is the manager outside the line, who may not see the child:
    # the matrix states what they get. Made directly, because recommendation_add refuses an
    # owner who may not see the child (as happens when someone changes team afterwards).
    recommendation = Recommendation.objects.create(
        qapr=qapr, text="Update the care plan", owner=owner, due_on=TODAY + dt.timedelta(days=10)
    )
    task = Task.objects.get(stage__concern=concern, state=TaskState.ACTIVE)
    notification = Notification.objects.create(
        recipient=iro,
        kind=Kind.RESPONDED,
        key=f"matrix:{concern.pk}",
        subject=f"Response received about {child.full_name}",
        body_text="A response was received.",
        body_html="<p>A response was received.</p>",
        url=reverse("escalations:concern_detail", args=[concern.pk]),
        concern=concern,
    )
    return Side(
        child=child,
        draft=draft,
        concern=concern,
        sub_concern=concern.sub_concerns.get(),
        action=concern.actions.get(),
        attachment=concern.attachments.get(),
        task=task,
        stage=task.stage,
        step=review.steps.get(kind=ReviewStep.Kind.DECISIONS_CIRCULATED),
        planned_step=PlannedStep.objects.get(
            planned__child=child,
            planned__closed_on__isnull=True,
            kind=PlannedStep.Kind.INVITATIONS_SENT,
        ),
        change=change,
        qapr_draft=qapr_services.qapr_start(child=child, by=iro),
        qapr=fresh(qapr),
        recommendation=recommendation,
        notification=notification,
    )


def build_world() -> World:
    install_presets(active="gloucestershire")
    people = _people()
    north, east = people.pop("north"), people.pop("east")
    iro, other_iro = people["iro"], people["other_iro"]
    manager, outside = people["manager"], people["outside_manager"]
    social_worker, east_worker = people["social_worker"], people.pop("east_worker")
    amara = _child("Amara", "Okafor", team=north, social_worker=social_worker, iro=iro)
    bea = _child("Bea", "Eastwood", team=east, social_worker=east_worker, iro=other_iro)
    rory = _child(
        "Rory", "Hidden", team=north, social_worker=social_worker, iro=iro, restricted=True
    )
    rory.named_users.add(manager)
    world = World(people=people)
    world.sides["own"] = _side(
        iro=iro,
        manager=manager,
        social_worker=social_worker,
        child=amara,
        owner=outside,
    )
    world.sides["other"] = _side(
        iro=other_iro,
        manager=outside,
        social_worker=east_worker,
        child=bea,
        owner=manager,
    )
    world.sides["restricted"] = _side(
        iro=iro, manager=manager, social_worker=social_worker, child=rory, owner=outside
    )
    # Another administrator's run is a 404 to them: tests/imports/test_background.py.
    for side in world.sides.values():
        side.import_run = _import_run(people["admin"])
    return world


def _import_run(starter: User) -> ImportRun:
    return ImportRun.objects.create(
        kind="children",
        source=ImportRun.Source.PAGE,
        started_by=starter,
        file_names="children.csv",
        status=ImportRun.Status.RUNNING,
    )


# Who is allocated to or named on the restricted child: they see it as they see their own.
NAMED_ON_RESTRICTED = frozenset({"iro", "social_worker", "manager"})
