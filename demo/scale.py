"""A national-scale dataset, for measuring the dashboards: `manage.py seed_scale`.

Everything is made in memory and written with bulk inserts in batches: no service is called and
no query is run for a single row. The denormalised fields the dashboards read (a concern's team,
child status, opening and closing dates, closing stage and formal working days; a stage's
working days taken; a child's review and QAPR dates and QAPR window counts) are filled as the
services would fill them, from the same pure rules: `prp.workdays` for working days,
`cases.schedule.schedule_for` for the next review and `cases.windows.compliance_for` for QAPRs.

Rows get their ids from the generator (one past the largest id already there), so rows that
point at each other are linked without reading anything back; PostgreSQL's sequences are moved
on at the end. For 100,000 children (the default national scale) it makes about 2,000 people,
500,000 concerns, 1,000,000 tasks and 200,000 QAPRs; every count scales with the children.
Dates run over the last two years up to today (children's care episodes up to three years).
"""

from __future__ import annotations

import datetime as dt
import math
import random
import re
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field

from auditlog.context import disable_auditlog
from django.contrib.auth.hashers import make_password
from django.core.management.color import no_style
from django.db import connection, transaction
from django.db.models import Max
from django.utils import timezone

from cases import schedule
from cases.models import (
    Allocation,
    Child,
    ChildStatus,
    KeyDate,
    LegalStatus,
    Review,
    ReviewRule,
    ReviewStep,
)
from cases.windows import compliance_for
from escalations import rules as pathway
from escalations.models import (
    Concern,
    ConcernChild,
    ConcernState,
    GoodPracticeNote,
    Outcome,
    Stage,
    SubConcern,
    Task,
    TaskState,
)
from escalations.restricted import refresh_about_restricted
from prp import workdays
from prp.models import OrgUnit, Post, ProtocolStage, RoleCode, Team, User
from qapr.models import (
    CELEBRATED_GRADES,
    Grade,
    Qapr,
    QaprState,
    Recommendation,
    RiDecision,
    SaferAnswer,
    SectionRating,
    Variant,
)

from . import clock
from .authority import NAME_POOLS

R = RoleCode
SCALE_PASSWORD = "scale-password-2026"
SCALE_DOMAIN = "scale.example.org"
DEFAULT_CHILDREN = 100_000
CHILDREN_PER_CHUNK = 2_000
HISTORY_DAYS = 730  # concerns, notes: the last two years
EPISODE_DAYS = 1095  # care episodes and protection plans: up to three years back

# The mix of children, by status (and the share of the teams that work with them).
STATUS_MIX = [
    (ChildStatus.CHILD_IN_CARE, 0.45),
    (ChildStatus.CHILD_PROTECTION, 0.30),
    (ChildStatus.CHILD_IN_NEED, 0.20),
    (ChildStatus.CARE_LEAVER, 0.05),
]
# Concerns each child has over two years, on average, by status (about 5 a child overall).
CONCERNS_PER_CHILD = {
    ChildStatus.CHILD_IN_CARE: 5.6,
    ChildStatus.CHILD_PROTECTION: 5.0,
    ChildStatus.CHILD_IN_NEED: 1.4,
    ChildStatus.CARE_LEAVER: 1.8,
}


@dataclass(frozen=True)
class Specialism:
    key: str
    directorate: str
    service: str
    team: str
    statuses: tuple[str, ...]
    share: float


SPECIALISMS = [
    Specialism(
        "cic",
        "Children in Care and Care Leavers",
        "Children in Care Service",
        "Children in Care Team",
        (ChildStatus.CHILD_IN_CARE, ChildStatus.CARE_LEAVER),
        0.5,
    ),
    Specialism(
        "cp",
        "Safeguarding and Child Protection",
        "Child Protection Service",
        "Child Protection Team",
        (ChildStatus.CHILD_PROTECTION,),
        0.3,
    ),
    Specialism(
        "cin",
        "Early Help and Family Support",
        "Family Support Service",
        "Family Support Team",
        (ChildStatus.CHILD_IN_NEED,),
        0.2,
    ),
]
TEAM_SIZE = 10
TEAMS_PER_GROUP = 4
GROUPS_PER_SERVICE = 3
# Reviewing officers, repeated: 11 IROs, 8 CP Chairs and 1 FGC coordinator in 20.
REVIEWER_PATTERN = [
    R.IRO,
    R.CP_CHAIR,
    R.IRO,
    R.CP_CHAIR,
    R.IRO,
    R.IRO,
    R.CP_CHAIR,
    R.IRO,
    R.CP_CHAIR,
    R.IRO,
    R.IRO,
    R.CP_CHAIR,
    R.IRO,
    R.CP_CHAIR,
    R.IRO,
    R.IRO,
    R.CP_CHAIR,
    R.IRO,
    R.CP_CHAIR,
    R.FGC_COORDINATOR,
]

GRADE_MIX = [
    (Grade.OUTSTANDING, 0.10),
    (Grade.GOOD, 0.45),
    (Grade.REQUIRES_IMPROVEMENT, 0.35),
    (Grade.INADEQUATE, 0.10),
]
RATING_FOR_GRADE = {
    Grade.OUTSTANDING: [SectionRating.STRONG] * 3 + [SectionRating.ADEQUATE],
    Grade.GOOD: [SectionRating.STRONG, SectionRating.ADEQUATE, SectionRating.ADEQUATE],
    Grade.REQUIRES_IMPROVEMENT: [SectionRating.ADEQUATE, SectionRating.SOME_CONCERNS],
    Grade.INADEQUATE: [SectionRating.SOME_CONCERNS, SectionRating.SERIOUS_CONCERNS],
}

TITLES = [
    "Care plan not progressing",
    "Delay in permanence planning",
    "Family time arrangements not in place",
    "Health assessment overdue",
    "Pathway plan not updated",
    "Safety plan not being followed",
    "Review decisions not carried out",
    "Personal education plan out of date",
    "Life story work not started",
    "Brothers and sisters not seeing each other",
    "Placement stability at risk",
    "Child's views not sought before decisions",
    "Core group not meeting",
    "Referral for emotional health support not made",
    "Statutory visits not taking place",
    "Assessment not completed in time",
]
DESCRIPTIONS = [
    "The actions agreed at the last review have not been completed and no new date is set.",
    "The plan has not changed in six months although the child's circumstances have.",
    "Visits have not happened at the frequency the plan requires.",
    "There is no up-to-date assessment to support the plan.",
    "The agreed referral has not been made and nobody has said why.",
    "The plan relies on support that the family has said it cannot give.",
]
IMPACTS = [
    "The child is waiting longer for a permanent home.",
    "The child does not know who will look after them next year.",
    "The child's health needs may be missed.",
    "The child is missing school and falling behind.",
    "The child has not seen their brother for four months and is upset.",
    "Risks to the child are not being reviewed as agreed.",
]
VIEWS = [
    "",
    "",
    "I want to know where I will be living.",
    "I want to see my mum more.",
    "Nobody tells me what is happening.",
]
RESPONSES = [
    "Agreed: the team will complete this by the date set.",
    "The social worker has been asked to arrange this this week.",
    "Delay caused by staff absence; a new worker is allocated.",
    "We do not agree: the plan remains right for the child, reasons attached.",
]
GOOD_PRACTICE = [
    "Thoughtful direct work that helped the child say what they wanted.",
    "Excellent planning that brought the family time forward.",
    "A clear, child-centred plan that everyone understood.",
    "Quick action that kept the child safe over the weekend.",
]


def _pick(rng: random.Random, mix):
    values, weights = zip(*mix, strict=True)
    return rng.choices(values, weights)[0]


def _set_state(obj, value: str) -> None:
    """Rows made here run no transitions: their protected state is set as the data says."""
    obj.__dict__.pop("state", None)
    obj.state = value


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "", text.lower())


@dataclass(frozen=True)
class Sizes:
    """How many of each thing, from the number of children."""

    children: int
    users: int
    reviewers: int
    social_workers: int
    performance: int
    administrators: int

    @classmethod
    def for_children(cls, children: int) -> Sizes:
        users = max(60, round(children / 50))
        return cls(
            children=children,
            users=users,
            reviewers=max(4, round(users * 0.15)),
            social_workers=max(6, round(users * 0.70)),
            performance=max(1, round(users * 0.005)),
            administrators=max(1, round(users * 0.001)),
        )


class Ids:
    """The next free id of each table, found once at the start."""

    def __init__(self, models):
        self._next = {}
        for model in models:
            top = model.objects.aggregate(top=Max("pk"))["top"] or 0
            self._next[model] = top + 1

    def take(self, model) -> int:
        value = self._next[model]
        self._next[model] = value + 1
        return value


ID_MODELS = [
    OrgUnit,
    Team,
    User,
    Post,
    Child,
    Allocation,
    KeyDate,
    Review,
    ReviewStep,
    Concern,
    ConcernChild,
    SubConcern,
    Stage,
    Task,
    GoodPracticeNote,
    Qapr,
    Recommendation,
]


@dataclass
class Org:
    """The hierarchy in memory, to pick people without queries."""

    unit_parent: dict[int, int | None] = field(default_factory=dict)
    posts: dict[tuple[int, str], int] = field(default_factory=dict)
    team_unit: dict[int, int] = field(default_factory=dict)
    team_manager: dict[int, int] = field(default_factory=dict)
    team_specialism: dict[int, str] = field(default_factory=dict)
    teams_by_specialism: dict[str, list[int]] = field(default_factory=lambda: defaultdict(list))
    workers_by_team: dict[int, list[int]] = field(default_factory=lambda: defaultdict(list))
    user_team: dict[int, int | None] = field(default_factory=dict)
    user_manager: dict[int, int | None] = field(default_factory=dict)
    iros: list[int] = field(default_factory=list)
    cp_chairs: list[int] = field(default_factory=list)
    reviewing_service_manager: int | None = None

    def holder(self, team_id: int | None, role: str) -> int | None:
        """Who holds `role` for a team: its manager, or the nearest post above it."""
        if team_id is None:
            return None
        if role in (R.TEAM_MANAGER, R.REVIEWING_TEAM_MANAGER):
            return self.team_manager.get(team_id)
        unit = self.team_unit[team_id]
        while unit is not None:
            person = self.posts.get((unit, role))
            if person is not None:
                return person
            unit = self.unit_parent[unit]
        return None


class Timings:
    def __init__(self):
        self.rows: dict[str, int] = defaultdict(int)
        self.seconds: dict[str, float] = defaultdict(float)

    def add(self, label: str, rows: int, seconds: float) -> None:
        self.rows[label] += rows
        self.seconds[label] += seconds


class ScaleGenerator:
    def __init__(
        self,
        *,
        children: int = DEFAULT_CHILDREN,
        seed: int = 2026,
        batch_size: int = 5000,
        today: dt.date | None = None,
        say: Callable[[str], None] = print,
    ):
        self.sizes = Sizes.for_children(children)
        self.rng = random.Random(seed)
        self.batch_size = batch_size
        self.today = today or timezone.localdate()
        self.say = say
        self.timings = Timings()
        self._aware: dict[tuple[dt.date, int], dt.datetime] = {}
        self._rows: dict = defaultdict(list)
        self._team_children: dict[int, list[int]] = defaultdict(list)
        self.protocol = pathway.active_protocol()
        if self.protocol is None:
            raise ValueError("There is no active protocol: activate one in the admin first.")
        self.stages = list(ProtocolStage.objects.filter(protocol=self.protocol).order_by("level"))
        self.by_level = {s.level: s for s in self.stages}
        self.levels = [s.level for s in self.stages]
        self.categories = list(self.protocol.categories.values_list("id", flat=True))
        self.response_options = list(self.protocol.response_options.values_list("id", flat=True))
        self.rules = schedule.load_rules()
        self.ids = Ids(ID_MODELS)
        self.org = Org()
        self.password = make_password(SCALE_PASSWORD)

    # Helpers ---------------------------------------------------------------------------------

    def at(self, day: dt.date, hour: int = 10, minute: int = 0) -> dt.datetime:
        key = (day, hour)
        base = self._aware.get(key)
        if base is None:
            base = clock.at(day, hour)
            self._aware[key] = base
        return base + dt.timedelta(minutes=minute) if minute else base

    def day_between(self, start: dt.date, end: dt.date) -> dt.date:
        """A working day from start to end (both included, end at most today)."""
        span = max((end - start).days, 0)
        day = workdays.next_working_day(start + dt.timedelta(days=self.rng.randint(0, span)))
        if day > end:
            day = end if workdays.is_working_day(end) else workdays.add_working_days(end, -1)
        return day

    def add(self, obj) -> None:
        self._rows[type(obj)].append(obj)

    def add_through(self, through, **values) -> None:
        self._rows[through].append(through(**values))

    def flush(self, order) -> None:
        """Write what was made, table by table, in `order`."""
        for model in order:
            objs = self._rows.pop(model, [])
            if not objs:
                continue
            started = time.perf_counter()
            model.objects.bulk_create(objs, batch_size=self.batch_size)
            self.timings.add(model._meta.label, len(objs), time.perf_counter() - started)
        if self._rows:
            raise RuntimeError(f"Rows left unwritten: {list(self._rows)}")

    # The run ---------------------------------------------------------------------------------

    def run(self) -> Timings:
        started = time.perf_counter()
        with transaction.atomic():
            self.build_org()
            self.flush([OrgUnit, User, User.roles.through, Team, Post])
        self.say(
            f"People and teams: {self.timings.rows['prp.User']:,} people in "
            f"{self.timings.rows['prp.Team']:,} teams ({time.perf_counter() - started:.1f} s)"
        )
        order = [
            Child,
            Child.named_users.through,
            Allocation,
            KeyDate,
            Review,
            ReviewStep,
            Concern,
            ConcernChild,
            SubConcern,
            Stage,
            Task,
            GoodPracticeNote,
            GoodPracticeNote.copied_to.through,
            Qapr,
            Recommendation,
        ]
        done = 0
        while done < self.sizes.children:
            count = min(CHILDREN_PER_CHUNK, self.sizes.children - done)
            with transaction.atomic():
                for index in range(done, done + count):
                    self.make_child(index)
                self.flush(order)
            done += count
            self.say(
                f"Children {done:,} of {self.sizes.children:,}: "
                f"{self.timings.rows['escalations.Concern']:,} concerns, "
                f"{self.timings.rows['escalations.Task']:,} tasks, "
                f"{self.timings.rows['qapr.Qapr']:,} QAPRs "
                f"({time.perf_counter() - started:.1f} s)"
            )
        self.reset_sequences()
        self.flag_restricted()
        self.analyse()
        self.timings.add("(all, including making the rows)", 0, time.perf_counter() - started)
        return self.timings

    def flag_restricted(self) -> None:
        # Bulk inserts skip the signals that keep the flag, so it is set in one pass here.
        started = time.perf_counter()
        with disable_auditlog():  # a bulk load: no person made these rows (README, Audit)
            changed = refresh_about_restricted()
        self.timings.add(
            "(concerns about restricted children flagged)", changed, time.perf_counter() - started
        )

    def reset_sequences(self) -> None:
        statements = connection.ops.sequence_reset_sql(no_style(), ID_MODELS)
        if statements:
            started = time.perf_counter()
            with connection.cursor() as cursor:
                for sql in statements:
                    cursor.execute(sql)
            self.timings.add("(sequences moved on)", 0, time.perf_counter() - started)

    def analyse(self) -> None:
        started = time.perf_counter()
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
        self.timings.add("(ANALYZE)", 0, time.perf_counter() - started)

    # People and teams --------------------------------------------------------------------------

    def person(self, role: str, *, team: int | None, manager: int | None, title: str = "") -> int:
        uid = self.ids.take(User)
        pool = self.rng.choices(NAME_POOLS, [p.weight for p in NAME_POOLS])[0]
        first = self.rng.choice(pool.staff_first_names)
        last = self.rng.choice(pool.surnames)
        self.add(
            User(
                id=uid,
                email=f"{_slug(first)}.{_slug(last)}.{uid}@{SCALE_DOMAIN}",
                full_name=f"{first} {last}",
                job_title=title or RoleCode(role).label,
                team_id=team,
                line_manager_id=manager,
                password=self.password,
                is_active=True,
                date_joined=self.at(self.today - dt.timedelta(days=EPISODE_DAYS), 9),
            )
        )
        self.add_through(User.roles.through, user_id=uid, role_id=role)
        self.org.user_team[uid] = team
        self.org.user_manager[uid] = manager
        return uid

    def unit(self, name: str, kind: str, parent: int | None, *, reviewing=False) -> int:
        uid = self.ids.take(OrgUnit)
        self.add(
            OrgUnit(id=uid, name=name, kind=kind, parent_id=parent, is_reviewing_service=reviewing)
        )
        self.org.unit_parent[uid] = parent
        return uid

    def post(self, unit: int, role: str, holder: int) -> None:
        self.add(Post(id=self.ids.take(Post), unit_id=unit, role_id=role, holder_id=holder))
        self.org.posts[(unit, role)] = holder

    def team(self, kind: str, label: str, unit: int, manager: int | None) -> int:
        tid = self.ids.take(Team)
        self.add(Team(id=tid, name=f"{label} {tid}", kind=kind, unit_id=unit, manager_id=manager))
        self.org.team_unit[tid] = unit
        if manager is not None:
            self.org.team_manager[tid] = manager
        return tid

    def build_org(self) -> None:
        sizes, org = self.sizes, self.org
        top = self.unit("Children's Services", OrgUnit.Kind.DIRECTORATE, None)
        dcs = self.person(R.DIRECTOR_CHILDRENS_SERVICES, team=None, manager=None)
        director = self.person(R.DIRECTOR, team=None, manager=dcs)
        self.post(top, R.DIRECTOR_CHILDRENS_SERVICES, dcs)
        self.post(top, R.DIRECTOR, director)

        for spec in SPECIALISMS:
            workers = sizes.social_workers * spec.share
            teams = max(1, round(workers / TEAM_SIZE))
            per_team = max(2, round(workers / teams))
            groups = math.ceil(teams / TEAMS_PER_GROUP)
            services = math.ceil(groups / GROUPS_PER_SERVICE)
            area = self.unit(spec.directorate, OrgUnit.Kind.DIRECTORATE, top)
            ad = self.person(R.ASSISTANT_DIRECTOR, team=None, manager=director)
            self.post(area, R.ASSISTANT_DIRECTOR, ad)
            made_groups = 0
            made_teams = 0
            for s in range(services):
                service = self.unit(f"{spec.service} {s + 1}", OrgUnit.Kind.SERVICE, area)
                hos = self.person(R.HEAD_OF_SERVICE, team=None, manager=ad)
                sm = self.person(R.SERVICE_MANAGER, team=None, manager=hos)
                senior = self.person(R.SENIOR_MANAGER, team=None, manager=hos)
                self.post(service, R.HEAD_OF_SERVICE, hos)
                self.post(service, R.SERVICE_MANAGER, sm)
                self.post(service, R.SENIOR_MANAGER, senior)
                for _ in range(min(GROUPS_PER_SERVICE, groups - made_groups)):
                    made_groups += 1
                    group = self.unit(
                        f"{spec.service} {s + 1} group {made_groups}", OrgUnit.Kind.GROUP, service
                    )
                    gm = self.person(R.GROUP_MANAGER, team=None, manager=sm)
                    self.post(group, R.GROUP_MANAGER, gm)
                    for _ in range(min(TEAMS_PER_GROUP, teams - made_teams)):
                        made_teams += 1
                        tid = self.team(Team.Kind.OPERATIONAL, spec.team, group, None)
                        tm = self.person(R.TEAM_MANAGER, team=tid, manager=gm)
                        self._rows[Team][-1].manager_id = tm
                        org.team_manager[tid] = tm
                        org.team_specialism[tid] = spec.key
                        org.teams_by_specialism[spec.key].append(tid)
                        for _ in range(per_team):
                            sw = self.person(R.SOCIAL_WORKER, team=tid, manager=tm)
                            org.workers_by_team[tid].append(sw)

        reviewing = self.unit(
            "Independent Reviewing Service", OrgUnit.Kind.SERVICE, top, reviewing=True
        )
        rhos = self.person(R.REVIEWING_HEAD_OF_SERVICE, team=None, manager=director)
        rsm = self.person(R.REVIEWING_SERVICE_MANAGER, team=None, manager=rhos)
        self.post(reviewing, R.REVIEWING_HEAD_OF_SERVICE, rhos)
        self.post(reviewing, R.REVIEWING_SERVICE_MANAGER, rsm)
        org.reviewing_service_manager = rsm
        teams = max(1, math.ceil(sizes.reviewers / TEAM_SIZE))
        made = 0
        for t in range(teams):
            tid = self.team(Team.Kind.REVIEWING, "Independent Reviewing Team", reviewing, None)
            tm = self.person(R.REVIEWING_TEAM_MANAGER, team=tid, manager=rsm)
            self._rows[Team][-1].manager_id = tm
            org.team_manager[tid] = tm
            for _ in range(math.ceil((sizes.reviewers - made) / (teams - t))):
                role = REVIEWER_PATTERN[made % len(REVIEWER_PATTERN)]
                reviewer = self.person(role, team=tid, manager=tm)
                made += 1
                if role == R.IRO:
                    org.iros.append(reviewer)
                elif role == R.CP_CHAIR:
                    org.cp_chairs.append(reviewer)
        for _ in range(sizes.performance):
            self.person(R.PERFORMANCE, team=None, manager=rhos)
        for _ in range(sizes.administrators):
            self.person(R.ADMINISTRATOR, team=None, manager=rhos)

    # Children and everything about them ------------------------------------------------------

    def make_child(self, index: int) -> None:
        rng, org, today = self.rng, self.org, self.today
        status = _pick(rng, STATUS_MIX)
        spec = next(s for s in SPECIALISMS if status in s.statuses)
        team = rng.choice(org.teams_by_specialism[spec.key])
        social_worker = rng.choice(org.workers_by_team[team])
        if status == ChildStatus.CHILD_PROTECTION:
            reviewer = rng.choice(org.cp_chairs)
        elif status == ChildStatus.CHILD_IN_NEED:
            reviewer = None
        else:
            reviewer = rng.choice(org.iros)
        pool = rng.choices(NAME_POOLS, [p.weight for p in NAME_POOLS])[0]
        age_days = rng.randint(18 * 365, 21 * 365) if status == ChildStatus.CARE_LEAVER else None
        if age_days is None:
            age_days = rng.randint(30, 17 * 365 + 300)
        start = today - dt.timedelta(days=rng.randint(3, EPISODE_DAYS))
        born = today - dt.timedelta(days=age_days)
        start = max(start, born + dt.timedelta(days=1))
        cid = self.ids.take(Child)
        child = Child(
            id=cid,
            first_name=rng.choice(pool.child_first_names),
            last_name=rng.choice(pool.surnames),
            date_of_birth=born,
            reference=f"SCALE-{cid:07d}",
            status=status,
            legal_status=self.legal_status(status),
            # One child in a hundred, evenly spread, so even a small run has some.
            restricted=index % 100 == 37,
            team_id=team,
            social_worker_id=social_worker,
            reviewing_officer_id=reviewer,
            created_at=self.at(start, 9),
        )
        self.add(child)
        if child.restricted:
            self.add_through(
                Child.named_users.through, child_id=cid, user_id=org.team_manager[team]
            )
        for kind, worker, team_id in [
            (Allocation.Kind.TEAM, None, team),
            (Allocation.Kind.SOCIAL_WORKER, social_worker, None),
            (Allocation.Kind.REVIEWING_OFFICER, reviewer, None),
        ]:
            if kind == Allocation.Kind.TEAM or worker is not None:
                self.add(
                    Allocation(
                        id=self.ids.take(Allocation),
                        child_id=cid,
                        kind=kind,
                        worker_id=worker,
                        team_id=team_id,
                        start_date=start,
                        recorded_at=self.at(start, 11),
                    )
                )
        self._team_children[team].append(cid)
        qaprs = self.make_reviews(child, start)
        concerns = self.make_concerns(child)
        self.make_qaprs(child, qaprs, concerns)
        self.make_notes(child)

    def legal_status(self, status: str) -> str:
        options = {
            ChildStatus.CHILD_IN_CARE: [
                LegalStatus.CARE_ORDER,
                LegalStatus.CARE_ORDER,
                LegalStatus.INTERIM_CARE_ORDER,
                LegalStatus.SECTION_20,
                LegalStatus.PLACEMENT_ORDER,
            ],
            ChildStatus.CHILD_PROTECTION: [LegalStatus.NONE, LegalStatus.PRE_PROCEEDINGS],
            ChildStatus.CARE_LEAVER: [LegalStatus.LEAVING_CARE],
        }.get(status, [LegalStatus.NONE])
        return self.rng.choice(options)

    # Reviews, key dates and the schedule -------------------------------------------------------

    def make_reviews(self, child: Child, start: dt.date) -> list[tuple]:
        """Key dates and reviews for a child in care or on a protection plan; the schedule and
        QAPR fields set on the child. Returns the QAPRs to make: (completed_on or None, window
        start, window end)."""
        rng, today, Code = self.rng, self.today, ReviewRule.Code
        if child.status == ChildStatus.CHILD_IN_CARE:
            start_kind = KeyDate.Kind.CAME_INTO_CARE
            kinds = [Review.Kind.CIC_REVIEW] * 2
            rules = [Code.CIC_FIRST, Code.CIC_SECOND, Code.CIC_LATER]
        elif child.status == ChildStatus.CHILD_PROTECTION:
            start_kind = KeyDate.Kind.STRATEGY_DISCUSSION
            kinds = [Review.Kind.CP_INITIAL, Review.Kind.CP_REVIEW]
            rules = [Code.CP_INITIAL, Code.CP_FIRST_REVIEW, Code.CP_LATER]
        else:
            return []
        start = workdays.next_working_day(start)
        if start > today:
            start = workdays.add_working_days(today, -1)
        key_dates = [self.key_date(child, start_kind, start)]
        reviews: list[Review] = []
        due = schedule.deadline(start, self.rules[rules[0]])
        last = start
        while True:
            if rng.random() < 0.9:
                held = due - dt.timedelta(days=rng.randint(0, 12))
            else:
                held = due + dt.timedelta(days=rng.randint(1, 40))
            held = schedule.on_or_before_working_day(max(held, last + dt.timedelta(days=7)))
            if held >= today or rng.random() < 0.02:
                break
            kind = kinds[0] if not reviews else kinds[1]
            reviews.append(self.review(child, kind, held))
            last = held
            due = schedule.deadline(held, self.rules[rules[min(len(reviews), 2)]])
        if child.status == ChildStatus.CHILD_IN_CARE and rng.random() < 0.1:
            moved = self.day_between(start, today)
            key_dates.append(self.key_date(child, KeyDate.Kind.CARER_CHANGE, moved))
        plan = schedule.schedule_for(
            child.status, key_dates=key_dates, reviews=reviews, early=[], rules=self.rules,
            today=today,
        )  # fmt: skip
        child.review_due_on = plan.next_due.on if plan.next_due else None
        child.review_due_reason = plan.next_due.reason[:300] if plan.next_due else plan.missing
        # QAPRs: one in most windows between reviews, more for a protection plan's first year.
        held = [r.held_on for r in plan.held]
        first = 1 if child.status == ChildStatus.CHILD_IN_CARE else 0
        wanted: list[tuple] = []
        for i in range(first, len(held)):
            window_start = held[i]
            is_open = i == len(held) - 1
            window_end = child.review_due_on if is_open else held[i + 1]
            latest = min(window_end or today, today - dt.timedelta(days=1))
            if latest <= window_start + dt.timedelta(days=5):
                if is_open and rng.random() < 0.2:
                    wanted.append((None, window_start, window_end))
                continue
            chance = 0.55 if is_open else 0.85
            count = 1
            if child.status == ChildStatus.CHILD_PROTECTION and (latest - window_start).days > 120:
                count = 2 if rng.random() < 0.6 else 1
            for _ in range(count):
                if rng.random() < chance:
                    done = self.day_between(window_start + dt.timedelta(days=5), latest)
                    wanted.append((done, window_start, window_end))
                elif is_open and rng.random() < 0.4:
                    wanted.append((None, window_start, window_end))
        completed = [w[0] for w in wanted if w[0] is not None]
        compliance = compliance_for(
            child.status,
            review_dates=held,
            next_review_due=child.review_due_on,
            completed=completed,
            rules=self.rules,
            today=today,
        )
        child.qapr_due_on = compliance.due_on
        child.qapr_windows_due = compliance.windows_due(today)
        child.qapr_windows_done = compliance.windows_done()
        return wanted

    def key_date(self, child: Child, kind: str, on: dt.date) -> KeyDate:
        key_date = KeyDate(
            id=self.ids.take(KeyDate),
            child_id=child.id,
            kind=kind,
            on=on,
            recorded_by_id=child.social_worker_id,
            recorded_at=self.at(on, 16),
        )
        self.add(key_date)
        return key_date

    def review(self, child: Child, kind: str, held: dt.date) -> Review:
        rng, today, Code = self.rng, self.today, ReviewRule.Code
        chair = child.reviewing_officer_id
        review = Review(
            id=self.ids.take(Review),
            child_id=child.id,
            kind=kind,
            held_on=held,
            chair_id=chair,
            recorded_by_id=chair,
            recorded_at=self.at(held, 17),
        )
        self.add(review)
        manager = self.org.team_manager[child.team_id]
        circulated = None
        for kind_, rule, assignee in [
            (ReviewStep.Kind.DECISIONS_CIRCULATED, Code.DECISIONS_CIRCULATED, chair),
            (ReviewStep.Kind.FULL_RECORD, Code.FULL_RECORD, chair),
            (ReviewStep.Kind.DECISIONS_CONSIDERED, Code.DECISIONS_CONSIDERED, manager),
            (ReviewStep.Kind.CARE_PLAN_UPDATED, Code.CARE_PLAN_UPDATED, child.social_worker_id),
        ]:
            if kind_ == ReviewStep.Kind.DECISIONS_CONSIDERED:
                due = schedule.deadline(circulated, self.rules[rule]) if circulated else None
                begin = circulated
            else:
                due = schedule.deadline(held, self.rules[rule])
                begin = held
            step = ReviewStep(
                id=self.ids.take(ReviewStep),
                review_id=review.id,
                kind=kind_,
                assignee_id=assignee,
                due_on=due,
            )
            if begin is not None and rng.random() > 0.03:
                allowed = workdays.working_days_between(begin, due)
                took = (
                    rng.randint(0, allowed) if rng.random() < 0.85 else allowed + rng.randint(1, 15)
                )
                done = workdays.add_working_days(begin, took) if took else begin
                if done < today:
                    step.done_on = done
                    step.done_by_id = assignee
                    step.outcome = ReviewStep.Outcome.DONE
                    if kind_ == ReviewStep.Kind.DECISIONS_CONSIDERED:
                        step.outcome = _pick(
                            rng,
                            [
                                (ReviewStep.Outcome.AGREED, 0.88),
                                (ReviewStep.Outcome.NOT_AGREED, 0.04),
                                (ReviewStep.Outcome.AGREED_BY_SILENCE, 0.08),
                            ],
                        )
                        silent_on = workdays.add_working_days(due, 1)
                        if step.outcome == ReviewStep.Outcome.AGREED_BY_SILENCE:
                            # Taken as agreed by the night run after the deadline passed.
                            if silent_on < today:
                                step.done_on, step.done_by_id = silent_on, None
                            else:
                                step.outcome = ReviewStep.Outcome.AGREED
                        elif step.outcome == ReviewStep.Outcome.NOT_AGREED:
                            step.note = "The contact decision is not agreed: see the case notes."
            if kind_ == ReviewStep.Kind.DECISIONS_CIRCULATED:
                circulated = step.done_on
            self.add(step)
        return review

    # QAPRs and good practice -----------------------------------------------------------------

    def make_qaprs(self, child: Child, wanted: list[tuple], concerns: list[Concern]) -> None:
        rng = self.rng
        author = child.reviewing_officer_id
        variant = (
            Variant.CHILD_PROTECTION
            if child.status == ChildStatus.CHILD_PROTECTION
            else Variant.CHILD_IN_CARE
        )
        for completed, window_start, window_end in wanted:
            qid = self.ids.take(Qapr)
            begun = completed - dt.timedelta(days=rng.randint(1, 10)) if completed else None
            qapr = Qapr(
                id=qid,
                child_id=child.id,
                author_id=author,
                variant=variant,
                window_start=window_start,
                window_end=window_end,
                created_at=self.at(begun or window_start + dt.timedelta(days=1), 9),
                participation_rationale="Seen alone at school; views recorded.",
                views_child=rng.random() < 0.8,
                views_parents=rng.random() < 0.6,
                views_carers=rng.random() < 0.7,
                views_network=rng.random() < 0.5,
            )
            if completed is None:
                self.add(qapr)
                continue
            grade = _pick(rng, GRADE_MIX)
            ratings = RATING_FOR_GRADE[grade]
            _set_state(qapr, QaprState.FINALISED)
            qapr.participation_rating = rng.choice(ratings)
            qapr.progress_rating = rng.choice(ratings)
            qapr.progress_rationale = "Progress against the plan checked with the social worker."
            qapr.records_rating = rng.choice(ratings)
            qapr.records_rationale = "Records up to date apart from the last visit."
            qapr.safer = (
                SaferAnswer.YES
                if grade in CELEBRATED_GRADES
                else rng.choice([SaferAnswer.PARTLY, SaferAnswer.NO])
            )
            qapr.safer_rationale = "Risks reviewed at the last core group."
            qapr.social_worker_invited_on = completed - dt.timedelta(days=14)
            qapr.views_summary = "The child is settled and wants to stay where they are."
            qapr.grade = grade
            qapr.grade_rationale = "Graded against the QAPR guidance."
            qapr.impact_on_child = rng.choice(IMPACTS)
            qapr.completed_on = completed
            qapr.finalised_by_id = author
            qapr.finalised_at = self.at(completed, 15)
            if grade in CELEBRATED_GRADES:
                category = rng.choice(self.categories)
                qapr.good_practice_text = rng.choice(GOOD_PRACTICE)
                qapr.good_practice_category_id = category
                qapr.good_practice_note_id = self.note(
                    GoodPracticeNote.Direction.TO_PRACTITIONER,
                    author=author,
                    recipient=child.social_worker_id,
                    child=child,
                    category=category,
                    on=completed,
                    text=qapr.good_practice_text,
                )
            else:
                if grade == Grade.REQUIRES_IMPROVEMENT:
                    qapr.ri_decision = _pick(
                        rng,
                        [
                            (RiDecision.NONE, 0.5),
                            (RiDecision.INFORMAL, 0.35),
                            (RiDecision.FORMAL, 0.15),
                        ],
                    )
                    if qapr.ri_decision == RiDecision.NONE:
                        qapr.ri_decision_reason = "The team has a plan in place already."
                if grade == Grade.INADEQUATE or qapr.ri_decision in (
                    RiDecision.INFORMAL,
                    RiDecision.FORMAL,
                ):
                    formal = grade == Grade.INADEQUATE or qapr.ri_decision == RiDecision.FORMAL
                    concern = self.concern(child, opened=completed, formal=formal)
                    concerns.append(concern)
                    qapr.concern_id = concern.id
                self.add(
                    Recommendation(
                        id=self.ids.take(Recommendation),
                        qapr_id=qid,
                        text="Update the plan with dates for each action.",
                        owner_id=child.social_worker_id,
                        due_on=workdays.add_working_days(completed, 20),
                        created_at=self.at(completed, 15),
                        **self.recommendation_done(completed),
                    )
                )
            self.add(qapr)

    def recommendation_done(self, completed: dt.date) -> dict:
        took = self.rng.randint(2, 30)
        done = workdays.add_working_days(completed, took)
        if done >= self.today or self.rng.random() < 0.05:
            return {}
        return {"done_on": done, "done_note": "Done."}

    def note(self, direction, *, author, recipient, child, category, on, text) -> int:
        nid = self.ids.take(GoodPracticeNote)
        self.add(
            GoodPracticeNote(
                id=nid,
                direction=direction,
                author_id=author,
                recipient_id=recipient,
                child_id=child.id if child else None,
                category_id=category,
                note=text,
                impact_on_child=self.rng.choice(IMPACTS),
                team_id=self.org.user_team.get(recipient),
                created_at=self.at(on, 15, self.rng.randint(0, 59)),
            )
        )
        manager = self.org.user_manager.get(recipient)
        if manager is not None and manager != author:
            self.add_through(
                GoodPracticeNote.copied_to.through, goodpracticenote_id=nid, user_id=manager
            )
        return nid

    def make_notes(self, child: Child) -> None:
        """Good practice outside QAPRs: a manager thanking the reviewing officer, or the reviewing
        officer thanking the social worker after a meeting."""
        rng, today = self.rng, self.today
        if child.reviewing_officer_id is None:
            return
        start = today - dt.timedelta(days=HISTORY_DAYS)
        if rng.random() < 0.12:
            self.note(
                GoodPracticeNote.Direction.TO_REVIEWER,
                author=self.org.team_manager[child.team_id],
                recipient=child.reviewing_officer_id,
                child=child,
                category=rng.choice(self.categories),
                on=self.day_between(start, today),
                text="A clear, well-run review that kept the child at the centre.",
            )
        if rng.random() < 0.12:
            self.note(
                GoodPracticeNote.Direction.TO_PRACTITIONER,
                author=child.reviewing_officer_id,
                recipient=child.social_worker_id,
                child=child,
                category=rng.choice(self.categories),
                on=self.day_between(start, today),
                text=rng.choice(GOOD_PRACTICE),
            )

    # Concerns ----------------------------------------------------------------------------------

    def make_concerns(self, child: Child) -> list[Concern]:
        rng = self.rng
        mean = CONCERNS_PER_CHILD[child.status]
        count = int(rng.uniform(0, 2 * mean) + 0.5)
        start = self.today - dt.timedelta(days=HISTORY_DAYS)
        return [
            self.concern(child, opened=self.day_between(start, self.today)) for _ in range(count)
        ]

    def concern(self, child: Child, *, opened: dt.date, formal: bool = False) -> Concern:
        rng, org, today = self.rng, self.org, self.today
        raiser = child.reviewing_officer_id or rng.choice(org.cp_chairs)
        concern_id = self.ids.take(Concern)
        concern = Concern(
            id=concern_id,
            protocol_id=self.protocol.id,
            raised_by_id=raiser,
            title=rng.choice(TITLES),
            created_at=self.at(
                opened - dt.timedelta(days=rng.randint(0, 3)), 9, rng.randint(0, 59)
            ),
        )
        self.add(
            ConcernChild(
                id=self.ids.take(ConcernChild), concern_id=concern_id, child_id=child.id,
                is_primary=True,
            )
        )  # fmt: skip
        if rng.random() < 0.05:
            sibling = self._recent_child_in_team(child)
            if sibling is not None:
                self.add(
                    ConcernChild(
                        id=self.ids.take(ConcernChild), concern_id=concern_id, child_id=sibling,
                        is_primary=False,
                    )
                )  # fmt: skip
        favourite = self.categories[(child.team_id or 0) % len(self.categories)]
        for n in range(1 + (rng.random() < 0.25) + (rng.random() < 0.05)):
            category = favourite if rng.random() < 0.3 else rng.choice(self.categories)
            self.add(
                SubConcern(
                    id=self.ids.take(SubConcern),
                    concern_id=concern_id,
                    category_id=category,
                    description=rng.choice(DESCRIPTIONS),
                    impact_on_child=rng.choice(IMPACTS),
                    child_views=rng.choice(VIEWS),
                    created_at=concern.created_at + dt.timedelta(minutes=n),
                )
            )
        if not formal and opened > today - dt.timedelta(days=20) and rng.random() < 0.04:
            # A draft not raised yet.
            _set_state(concern, ConcernState.DRAFT)
            concern.start_level = self.levels[0]
            self.add(concern)
            return concern
        formal_levels = [lvl for lvl in self.levels if lvl > 0] or self.levels
        level = formal_levels[0] if (formal or rng.random() < 0.15) else self.levels[0]
        concern.start_level = level
        concern.opened_on = opened
        concern.team_id = child.team_id
        concern.child_status = child.status
        self.climb(concern, child, level, opened)
        self.add(concern)
        return concern

    def _recent_child_in_team(self, child: Child) -> int | None:
        others = [c for c in self._team_children[child.team_id][-20:] if c != child.id]
        return self.rng.choice(others) if others else None

    def climb(self, concern: Concern, child: Child, level: int, day: dt.date) -> None:
        """The stages the concern climbed from `level`, opened on `day`, up to today."""
        rng, today = self.rng, self.today
        child_type = pathway.child_type_for(child)
        stages: list[Stage] = []
        stuck = rng.random() < 0.04  # someone will not answer in time
        while True:
            ps = self.by_level[level]
            days = ps.response_days or ps.guideline_days or 5
            stage = Stage(
                id=self.ids.take(Stage),
                concern_id=concern.id,
                protocol_stage_id=ps.id,
                level=level,
                raised_by_id=concern.raised_by_id,
                opened_on=day,
                due_on=workdays.add_working_days(day, days),
            )
            stages.append(stage)
            roll = rng.random()
            if stuck:
                answer = days + rng.randint(5, 60)
            elif roll < 0.8:
                answer = rng.randint(1, days)
            else:
                answer = days + rng.randint(1, 10)
            answered = workdays.add_working_days(day, answer)
            decided = workdays.add_working_days(answered, rng.choice([0, 0, 1, 1, 2, 3]))
            if not stuck and rng.random() < 0.04:
                # Settled before the answer came: the outcome retracts the live task.
                decided, answered = workdays.add_working_days(day, rng.randint(1, days)), None
            self.tasks(concern, child_type, child, stage, ps, answered, decided)
            if decided > today:
                _set_state(concern, ConcernState.INFORMAL if level == 0 else ConcernState.FORMAL)
                break
            self.decide(concern, stage, decided)
            if stage.outcome in (Outcome.ESCALATE_NEXT, Outcome.ESCALATE_TO):
                level = self._next_level(level, stage.outcome)
                day = decided
                continue
            break
        for stage in stages:
            self.add(stage)
        concern.current_stage_id = stages[-1].id
        if concern.state not in (ConcernState.INFORMAL, ConcernState.FORMAL):
            concern.closed_level = max(s.level for s in stages)
            concern.formal_working_days = sum(s.working_days_taken for s in stages if s.level > 0)

    def _next_level(self, level: int, outcome: str) -> int:
        later = [lvl for lvl in self.levels if lvl > level]
        if outcome == Outcome.ESCALATE_TO and len(later) > 1:
            return later[1]
        return later[0]

    def decide(self, concern: Concern, stage: Stage, on: dt.date) -> None:
        rng, today = self.rng, self.today
        later = [lvl for lvl in self.levels if lvl > stage.level]
        position = self.levels.index(stage.level)
        escalate = [0.45, 0.4, 0.35, 0.3, 0.25, 0.2][min(position, 5)] if later else 0
        roll = rng.random()
        if roll < escalate:
            outcome = (
                Outcome.ESCALATE_TO
                if len(later) > 1 and rng.random() < 0.05
                else Outcome.ESCALATE_NEXT
            )
        elif roll < escalate + 0.06:
            outcome = Outcome.WITHDRAWN
        elif stage.level > 0 and not later and rng.random() < 0.25:
            outcome = Outcome.REFER_CAFCASS
        else:
            outcome = Outcome.RESOLVED
        formal = stage.level > 0
        stage.outcome = outcome
        stage.outcome_comments = "Outcome agreed with the manager."
        stage.legal_advice_sought = formal and rng.random() < 0.12
        stage.cafcass_considered = formal and rng.random() < 0.06
        stage.outcome_on = on
        stage.outcome_by_id = concern.raised_by_id
        stage.outcome_recorded_at = self.at(on, 16)
        stage.working_days_taken = workdays.working_days_between(stage.opened_on, on)
        if outcome == Outcome.RESOLVED:
            _set_state(concern, ConcernState.RESOLVED)
            concern.closed_on = on
        elif outcome == Outcome.WITHDRAWN:
            _set_state(concern, ConcernState.WITHDRAWN)
            concern.closed_on = on
        elif outcome == Outcome.REFER_CAFCASS:
            stage.cafcass_considered = True
            stage.external_response = "CAFCASS will consider the referral."
            _set_state(concern, ConcernState.REFERRED)
            closes = workdays.add_working_days(on, rng.randint(10, 60))
            if closes < today:
                resolved = rng.random() < 0.8
                _set_state(concern, ConcernState.RESOLVED if resolved else ConcernState.WITHDRAWN)
                concern.closed_on = closes

    def tasks(self, concern, child_type, child, stage, ps, answered, decided) -> None:
        """The task the stage was delegated as, and sometimes one retracted before it."""
        rng, today = self.rng, self.today
        if ps.external_body or (ps.delegation_optional and rng.random() < 0.15):
            return  # nobody to delegate to, or the raiser recorded the agreed answer
        role = ps.delegate_role_id_for(child_type)
        raiser_team = self.org.user_team.get(concern.raised_by_id)
        if role == R.SOCIAL_WORKER:
            assignee = child.social_worker_id
        elif role in pathway.REVIEWING_ROLES:
            assignee = self.org.holder(raiser_team, role)
        else:
            assignee = self.org.holder(child.team_id, role) or self.org.holder(raiser_team, role)
        if assignee is None:
            return
        delegated = self.at(stage.opened_on, 10, rng.randint(0, 59))
        if rng.random() < 0.25:
            wrong = self.org.team_manager[child.team_id]
            if wrong == assignee:
                wrong = child.social_worker_id
            retracted = delegated + dt.timedelta(hours=2)
            self.add(
                Task(
                    id=self.ids.take(Task),
                    stage_id=stage.id,
                    concern_id=concern.id,
                    assignee_id=wrong,
                    delegated_by_id=concern.raised_by_id,
                    delegated_at=delegated,
                    due_on=stage.due_on,
                    state=TaskState.RETRACTED,
                    retract_reason=rng.choice(["wrong_person", "absent"]),
                    retracted_at=retracted,
                    retracted_by_id=concern.raised_by_id,
                )
            )
            delegated = retracted
        task = Task(
            id=self.ids.take(Task),
            stage_id=stage.id,
            concern_id=concern.id,
            assignee_id=assignee,
            delegated_by_id=concern.raised_by_id,
            delegated_at=delegated,
            due_on=stage.due_on,
        )
        if answered is not None and answered <= today:
            _set_state(task, TaskState.RESPONDED)
            task.response = rng.choice(RESPONSES)
            task.actions_agreed = "Actions as set out in the response."
            task.response_option_id = (
                rng.choice(self.response_options) if self.response_options else None
            )
            task.responded_at = self.at(answered, 14, rng.randint(0, 59))
        elif decided <= today:
            # Closed before the answer came: the live task is retracted with the outcome.
            _set_state(task, TaskState.RETRACTED)
            task.retract_reason = "resolved"
            task.retract_note = "Outcome recorded."
            task.retracted_at = self.at(decided, 16)
            task.retracted_by_id = concern.raised_by_id
        self.add(task)


def database_has_children() -> bool:
    return Child.objects.exists()
