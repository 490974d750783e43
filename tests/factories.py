"""factory-boy factories for every model."""

import datetime as dt

import factory
from factory.django import DjangoModelFactory

from cases.models import Allocation, Child, ChildStatus, LegalStatus, SiblingGroup
from escalations.models import Concern, ConcernState, Stage, Task, TaskState
from prp.models import (
    ClosureDay,
    JobHeartbeat,
    OrgUnit,
    Post,
    Protocol,
    ProtocolStage,
    Role,
    Team,
    User,
)
from qapr.models import Qapr, QaprState, Variant

DEFAULT_PASSWORD = "a-long-test-password"


class RoleFactory(DjangoModelFactory):
    class Meta:
        model = Role
        django_get_or_create = ("code",)

    code = "iro"


class OrgUnitFactory(DjangoModelFactory):
    class Meta:
        model = OrgUnit

    name = factory.Sequence(lambda n: f"Service {n}")
    kind = OrgUnit.Kind.SERVICE


class TeamFactory(DjangoModelFactory):
    class Meta:
        model = Team

    name = factory.Sequence(lambda n: f"Team {n}")
    unit = factory.SubFactory(OrgUnitFactory)
    kind = Team.Kind.OPERATIONAL


class UserFactory(DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"person{n}@example.org")
    full_name = factory.Sequence(lambda n: f"Person {n}")
    job_title = "Practitioner"
    password = factory.PostGenerationMethodCall("set_password", DEFAULT_PASSWORD)

    @factory.post_generation
    def roles(self, create, extracted, **kwargs):
        """UserFactory(roles=["iro", "cp_chair"]) gives the person those roles."""
        if create and extracted:
            self.roles.set([RoleFactory(code=code) for code in extracted])

    @classmethod
    def _after_postgeneration(cls, instance, create, results=None):
        if create:
            instance.save()


class PostFactory(DjangoModelFactory):
    class Meta:
        model = Post

    unit = factory.SubFactory(OrgUnitFactory)
    role = factory.SubFactory(RoleFactory, code="head_of_service")
    holder = factory.SubFactory(UserFactory)


class ClosureDayFactory(DjangoModelFactory):
    class Meta:
        model = ClosureDay

    date = dt.date(2026, 12, 29)
    reason = "Christmas closure"


class JobHeartbeatFactory(DjangoModelFactory):
    class Meta:
        model = JobHeartbeat

    name = "heartbeat"
    last_success_at = factory.LazyFunction(lambda: dt.datetime.now(dt.UTC))


class SiblingGroupFactory(DjangoModelFactory):
    class Meta:
        model = SiblingGroup

    name = factory.Sequence(lambda n: f"Family {n}")


class ChildFactory(DjangoModelFactory):
    class Meta:
        model = Child

    first_name = factory.Iterator(["Amara", "Leo", "Maya", "Noah", "Zara", "Oliver", "Isla"])
    last_name = factory.Sequence(lambda n: f"Surname{n}")
    date_of_birth = dt.date(2015, 3, 14)
    reference = factory.Sequence(lambda n: f"LCS{n:06d}")
    status = ChildStatus.CHILD_IN_CARE
    legal_status = LegalStatus.CARE_ORDER


class AllocationFactory(DjangoModelFactory):
    """An allocation row on its own; use cases.services.child_allocate to keep the child in step."""

    class Meta:
        model = Allocation

    child = factory.SubFactory(ChildFactory)
    kind = Allocation.Kind.SOCIAL_WORKER
    worker = factory.SubFactory(UserFactory)
    start_date = dt.date(2025, 1, 6)


# The pathway's rows as the services would have left them, for reports and figures that need
# a past the clock cannot reach. Tests of behaviour build through tests.builders instead.


def _active_protocol_stage(level: int) -> ProtocolStage:
    return ProtocolStage.objects.get(protocol__is_active=True, level=level)


class ConcernFactory(DjangoModelFactory):
    """A concern row with no children; add ConcernChild rows for the children it is about."""

    class Meta:
        model = Concern

    protocol = factory.LazyFunction(lambda: Protocol.objects.get(is_active=True))
    raised_by = factory.SubFactory(UserFactory)
    title = "The plan is drifting"
    state = ConcernState.FORMAL
    start_level = 1


class StageFactory(DjangoModelFactory):
    class Meta:
        model = Stage

    concern = factory.SubFactory(ConcernFactory)
    level = 1
    protocol_stage = factory.LazyAttribute(lambda o: _active_protocol_stage(o.level))
    raised_by = factory.LazyAttribute(lambda o: o.concern.raised_by)
    opened_on = dt.date(2025, 1, 6)


class TaskFactory(DjangoModelFactory):
    class Meta:
        model = Task

    stage = factory.SubFactory(StageFactory)
    assignee = factory.SubFactory(UserFactory)
    delegated_by = factory.LazyAttribute(lambda o: o.stage.raised_by)
    due_on = dt.date(2025, 1, 13)
    state = TaskState.ACTIVE


class QaprFactory(DjangoModelFactory):
    class Meta:
        model = Qapr

    child = factory.SubFactory(ChildFactory)
    author = factory.SubFactory(UserFactory)
    variant = Variant.CHILD_IN_CARE
    state = QaprState.DRAFT
