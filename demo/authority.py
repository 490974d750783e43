"""The demo authority: a made-up "Demo County Council" to try the product with.

`manage.py seed_demo` loads it once and `manage.py demo_info` lists who to sign in as. Everything
is invented, and built the same way every time (one seeded random generator, fixed dates), so
walkthroughs, screenshots and tests can rely on who is where.
"""

from __future__ import annotations

import datetime as dt
import random
import re
from dataclasses import dataclass
from typing import TextIO

from django.contrib.auth.hashers import make_password
from django.db import transaction

from cases.models import Allocation, Child, ChildStatus, LegalStatus, SiblingGroup
from cases.services import child_allocate
from prp.models import ClosureDay, OrgUnit, Post, RoleCode, Team, User

DEMO_PASSWORD = "demo-password-2026"
DEMO_DOMAIN = "demo.example.org"
ADMIN_EMAIL = f"admin@{DEMO_DOMAIN}"
# Ages and allocation dates are worked out from this day, not from today, so the data is the
# same whenever it is loaded.
REFERENCE_DATE = dt.date(2026, 11, 1)
SEED = 2026

CLOSURE_DAYS = [
    (dt.date(2026, 12, 29), "Christmas closure"),
    (dt.date(2026, 12, 30), "Christmas closure"),
    (dt.date(2026, 12, 31), "Christmas closure"),
]


@dataclass(frozen=True)
class DemoPerson:
    key: str
    role_description: str
    email: str
    full_name: str


# One person to sign in as for each role. Everyone in the demo shares DEMO_PASSWORD.
DEMO_PEOPLE = [
    DemoPerson("iro", "Independent Reviewing Officer", f"iro@{DEMO_DOMAIN}", "Priya Sharma"),
    DemoPerson("cp_chair", "Child Protection Chair", f"cp.chair@{DEMO_DOMAIN}", "Gareth Evans"),
    DemoPerson(
        "fgc",
        "Family Group Conference Coordinator",
        f"fgc.coordinator@{DEMO_DOMAIN}",
        "Abena Mensah",
    ),
    DemoPerson(
        "reviewing_tm",
        "IRO Team Manager",
        f"reviewing.team.manager@{DEMO_DOMAIN}",
        "Helen Marsh",
    ),
    DemoPerson(
        "reviewing_sm",
        "Reviewing Service Manager",
        f"service.manager@{DEMO_DOMAIN}",
        "Imran Hussain",
    ),
    DemoPerson(
        "reviewing_hos",
        "Head of Reviewing Service",
        f"reviewing.head.of.service@{DEMO_DOMAIN}",
        "Margaret Doyle",
    ),
    DemoPerson("sw", "Social Worker", f"social.worker@{DEMO_DOMAIN}", "Chloe Bennett"),
    DemoPerson("tm", "Team Manager", f"team.manager@{DEMO_DOMAIN}", "Daniel Okafor"),
    DemoPerson(
        "gm",
        "Group Manager (also Service Manager)",
        f"group.manager@{DEMO_DOMAIN}",
        "Rachel Whitfield",
    ),
    DemoPerson(
        "hos",
        "Head of Service (also Senior Manager)",
        f"head.of.service@{DEMO_DOMAIN}",
        "Sanjay Mistry",
    ),
    DemoPerson("ad", "Assistant Director", f"assistant.director@{DEMO_DOMAIN}", "Fiona Campbell"),
    DemoPerson(
        "director", "Director of Safeguarding and Care", f"director@{DEMO_DOMAIN}", "Marcus Reid"
    ),
    DemoPerson("dcs", "Director of Children's Services", f"dcs@{DEMO_DOMAIN}", "Elaine Kowalski"),
    DemoPerson(
        "performance",
        "Performance and Quality Officer",
        f"performance@{DEMO_DOMAIN}",
        "Tom Nguyen",
    ),
    DemoPerson("admin", "Administrator", ADMIN_EMAIL, "Sam Ashworth"),
]
DEMO_SIGN_INS = [(p.role_description, p.email) for p in DEMO_PEOPLE]
_DEMO = {p.key: p for p in DEMO_PEOPLE}


@dataclass(frozen=True)
class NamePool:
    """First names and family names that go together, so made-up people read naturally."""

    weight: int
    staff_first_names: tuple[str, ...]
    child_first_names: tuple[str, ...]
    surnames: tuple[str, ...]


# Surnames here are shared by brothers and sisters, so none is specific to boys or girls.
NAME_POOLS = [
    NamePool(
        58,
        (
            "Andrew", "Bethan", "Catherine", "Ciaran", "Deborah", "Emma", "Euan", "Graham",
            "James", "Joanne", "Kerry", "Lauren", "Louise", "Mark", "Matthew", "Michelle",
            "Nicola", "Paul", "Rebecca", "Rhys", "Ruth", "Sarah", "Simon", "Siobhan", "Stephen",
            "Vanessa", "Yvonne", "Zoe",
        ),
        (
            "Alfie", "Amelia", "Archie", "Callum", "Charlie", "Chloe", "Daisy", "Dylan", "Ella",
            "Ellie", "Emily", "Ethan", "Evie", "Finley", "Freddie", "Freya", "Grace", "Harley",
            "Harvey", "Isla", "Jack", "Jacob", "Jayden", "Jessica", "Kai", "Keira", "Leah",
            "Leo", "Lewis", "Lily", "Logan", "Maisie", "Mason", "Mia", "Millie", "Niamh", "Noah",
            "Oliver", "Oscar", "Poppy", "Reggie", "Riley", "Ruby", "Sienna", "Summer", "Theo",
            "Tyler",
        ),
        (
            "Atkinson", "Bailey", "Brennan", "Brown", "Byrne", "Cooper", "Davies", "Doherty",
            "Edwards", "Fletcher", "Gallagher", "Green", "Hall", "Harris", "Hughes", "Jackson",
            "Jones", "Kelly", "Lewis", "Lloyd", "Martin", "McDonald", "Morgan", "Murphy",
            "O'Brien", "Parker", "Price", "Roberts", "Robinson", "Smith", "Stewart", "Taylor",
            "Thomas", "Thompson", "Walker", "Ward", "Williams", "Wilson", "Wood", "Wright",
            "Young",
        ),
    ),
    NamePool(
        10,
        ("Bilal", "Farah", "Nadia", "Naveed", "Shabnam", "Tariq"),
        (
            "Aaliyah", "Ayaan", "Hamza", "Ibrahim", "Maryam", "Mohammed", "Yusuf", "Zainab",
            "Zara",
        ),
        ("Ahmed", "Ali", "Chaudhry", "Iqbal", "Khan", "Malik", "Rahman"),
    ),
    NamePool(
        7,
        ("Anjali", "Harpreet", "Rajesh", "Sunita", "Vikram"),
        ("Anaya", "Arjun", "Diya", "Rohan", "Simran"),
        ("Gill", "Patel", "Sandhu", "Shah"),
    ),
    NamePool(
        13,
        ("Abimbola", "Amara", "Chidi", "Delroy", "Kemi", "Kwame", "Marcia", "Tunde"),
        ("Ada", "Amari", "Darius", "Kofi", "Malachi", "Nia", "Nyla", "Tayo", "Tiwa", "Zion"),
        ("Adeyemi", "Boateng", "Francis", "Okoro", "Osei", "Owusu", "Richards", "Williams-Grant"),
    ),
    NamePool(
        5,
        ("Agnieszka", "Dominika", "Marek", "Tomasz"),
        ("Antoni", "Jakub", "Kacper", "Lena", "Oliwia", "Zofia"),
        ("Kaczmarek", "Krawczyk", "Mazur", "Nowak", "Wozniak"),
    ),
    NamePool(
        3,
        ("Jun", "Mei", "Wei"),
        ("Hao", "Jia", "Mei-Ling", "Ryan"),
        ("Chen", "Li", "Wong", "Zhang"),
    ),
    NamePool(
        4,
        ("Emre", "Khalid", "Leyla"),
        ("Deniz", "Elif", "Omar", "Yasmin"),
        ("Aziz", "Demir", "Hassan", "Yilmaz"),
    ),
]  # fmt: skip


OPERATIONAL_TEAMS = {
    # key: (team name, service key, number of social workers)
    "north": ("Children in Care Team North", "cic", 3),
    "south": ("Children in Care Team South", "cic", 2),
    "east": ("Child Protection Team East", "cp", 3),
    "west": ("Child Protection Team West", "cp", 2),
}


@dataclass(frozen=True)
class Family:
    """Children the service works with together: one child, or brothers and sisters."""

    status: str
    legal_status: str
    size: int
    team: str
    # "new_worker": the social worker changed part way; "came_into_care": the family was on a
    # child protection plan in `from_team` before coming into care.
    history: str | None = None
    from_team: str | None = None
    restricted: bool = False


CIC, CP, CIN, LEAVER = (
    ChildStatus.CHILD_IN_CARE,
    ChildStatus.CHILD_PROTECTION,
    ChildStatus.CHILD_IN_NEED,
    ChildStatus.CARE_LEAVER,
)
L = LegalStatus
FAMILIES = [
    # Children in care: 20.
    Family(CIC, L.CARE_ORDER, 3, "north", history="new_worker"),
    Family(CIC, L.PLACEMENT_ORDER, 2, "south"),
    Family(CIC, L.INTERIM_CARE_ORDER, 2, "north", history="came_into_care", from_team="east"),
    Family(CIC, L.CARE_ORDER, 1, "north", restricted=True),
    Family(CIC, L.CARE_ORDER, 1, "south", history="new_worker"),
    Family(CIC, L.CARE_ORDER, 1, "north"),
    Family(CIC, L.CARE_ORDER, 1, "south"),
    Family(CIC, L.CARE_ORDER, 1, "north", history="came_into_care", from_team="west"),
    Family(CIC, L.SECTION_20, 1, "south"),
    Family(CIC, L.SECTION_20, 1, "north"),
    Family(CIC, L.SECTION_20, 1, "south", history="new_worker"),
    Family(CIC, L.SECTION_20, 1, "north"),
    Family(CIC, L.INTERIM_CARE_ORDER, 1, "south", history="came_into_care", from_team="east"),
    Family(CIC, L.INTERIM_CARE_ORDER, 1, "north"),
    Family(CIC, L.PLACEMENT_ORDER, 1, "south"),
    Family(CIC, L.PLACEMENT_ORDER, 1, "north"),
    # Child protection plans: 13.
    Family(CP, L.NONE, 3, "east", history="new_worker"),
    Family(CP, L.PRE_PROCEEDINGS, 2, "west"),
    Family(CP, L.NONE, 2, "west"),
    Family(CP, L.NONE, 2, "east"),
    Family(CP, L.NONE, 1, "east", restricted=True),
    Family(CP, L.NONE, 1, "west", history="new_worker"),
    Family(CP, L.PRE_PROCEEDINGS, 1, "east"),
    Family(CP, L.PRE_PROCEEDINGS, 1, "west"),
    # Children in need: 3.
    Family(CIN, L.NONE, 2, "east"),
    Family(CIN, L.NONE, 1, "west"),
    # Care leavers: 4.
    Family(LEAVER, L.LEAVING_CARE, 1, "south"),
    Family(LEAVER, L.LEAVING_CARE, 1, "north", history="new_worker"),
    Family(LEAVER, L.LEAVING_CARE, 1, "south"),
    Family(LEAVER, L.LEAVING_CARE, 1, "north"),
]

AGE_RANGES = {
    L.PLACEMENT_ORDER: (0, 7),
    L.INTERIM_CARE_ORDER: (0, 15),
    L.CARE_ORDER: (2, 17),
    L.SECTION_20: (9, 17),
    L.PRE_PROCEEDINGS: (0, 14),
    L.NONE: (0, 15),
    L.LEAVING_CARE: (18, 20),
}


def demo_is_loaded() -> bool:
    return User.objects.filter(email=ADMIN_EMAIL).exists()


def load_demo_authority(stdout: TextIO | None = None) -> bool:
    """Load the demo authority in one transaction. False (and no change) if it is already there."""

    def say(message: str) -> None:
        if stdout is not None:
            stdout.write(message + "\n")

    with transaction.atomic():
        if demo_is_loaded():
            say("Demo data already loaded")
            return False
        builder = _Builder(random.Random(SEED))
        builder.build()
    say(
        f"Loaded {builder.summary()}.\n"
        f"Sign in with any demo email and the password {DEMO_PASSWORD} "
        "(manage.py demo_info lists them)."
    )
    return True


class _Builder:
    def __init__(self, rng: random.Random):
        self.rng = rng
        self.password_hash = make_password(DEMO_PASSWORD)  # hashed once: it is the same for all
        # Nobody shares a first name or a surname, so every name in the demo is easy to tell apart.
        self.used_first_names = {p.full_name.split()[0] for p in DEMO_PEOPLE}
        self.used_surnames = {p.full_name.split()[-1] for p in DEMO_PEOPLE}
        self.emails = {p.email for p in DEMO_PEOPLE}
        self.people: dict[str, User] = {}
        self.teams: dict[str, Team] = {}
        self.social_workers: dict[str, list[User]] = {}
        self.next_worker: dict[str, int] = {}
        self.counts = {"people": 0, "children": 0, "sibling groups": 0, "allocations": 0}

    def build(self) -> None:
        self.build_hierarchy()
        self.build_children()
        for day, reason in CLOSURE_DAYS:
            ClosureDay.objects.get_or_create(date=day, defaults={"reason": reason})

    def summary(self) -> str:
        return (
            f"Demo County Council: {self.counts['people']} people in {len(self.teams)} teams, "
            f"{self.counts['children']} children ({self.counts['sibling groups']} sibling "
            f"groups), {self.counts['allocations']} allocations and "
            f"{len(CLOSURE_DAYS)} closure days"
        )

    # People and the hierarchy -------------------------------------------------------------

    def person(
        self,
        *,
        job_title: str,
        roles: list[str],
        demo: str | None = None,
        team: Team | None = None,
        line_manager: User | None = None,
        **extra,
    ) -> User:
        if demo is not None:
            full_name, email = _DEMO[demo].full_name, _DEMO[demo].email
        else:
            full_name = self.new_name()
            email = self.new_email(full_name)
        user = User(
            email=email,
            full_name=full_name,
            job_title=job_title,
            team=team,
            line_manager=line_manager,
            password=self.password_hash,
            **extra,
        )
        user.full_clean()
        user.save()
        user.roles.set(roles)
        self.counts["people"] += 1
        if demo is not None:
            self.people[demo] = user
        return user

    def pick(self, options: tuple[str, ...], used: set[str]) -> str | None:
        free = [name for name in options if name not in used]
        if not free:
            return None
        name = self.rng.choice(free)
        used.add(name)
        return name

    def name_pool(self) -> NamePool:
        return self.rng.choices(NAME_POOLS, weights=[pool.weight for pool in NAME_POOLS])[0]

    def surname(self) -> tuple[NamePool, str]:
        while True:
            pool = self.name_pool()
            surname = self.pick(pool.surnames, self.used_surnames)
            if surname is not None:
                return pool, surname

    def first_name(self, pool: NamePool, *, child: bool) -> str:
        names = pool.child_first_names if child else pool.staff_first_names
        name = self.pick(names, self.used_first_names)
        if name is None:  # this pool has run out: borrow from the largest
            return self.first_name(NAME_POOLS[0], child=child)
        return name

    def new_name(self) -> str:
        pool, surname = self.surname()
        return f"{self.first_name(pool, child=False)} {surname}"

    def new_email(self, full_name: str) -> str:
        base = ".".join(re.sub(r"[^a-z]", "", part.lower()) for part in full_name.split())
        email, n = f"{base}@{DEMO_DOMAIN}", 1
        while email in self.emails:
            n += 1
            email = f"{base}{n}@{DEMO_DOMAIN}"
        self.emails.add(email)
        return email

    def team(self, key: str, name: str, kind: str, unit: OrgUnit) -> Team:
        team = Team(name=name, kind=kind, unit=unit)
        team.full_clean()
        team.save()
        self.teams[key] = team
        return team

    def manage(self, team: Team, manager: User) -> None:
        team.manager = manager
        team.save(update_fields=["manager"])

    def build_hierarchy(self) -> None:
        R = RoleCode
        directorate = OrgUnit.objects.create(
            name="Children's Services", kind=OrgUnit.Kind.DIRECTORATE
        )
        dcs = self.person(
            demo="dcs",
            job_title="Director of Children's Services",
            roles=[R.DIRECTOR_CHILDRENS_SERVICES],
        )
        director = self.person(
            demo="director",
            job_title="Director of Safeguarding and Care",
            roles=[R.DIRECTOR],
            line_manager=dcs,
        )
        ad = self.person(
            demo="ad",
            job_title="Assistant Director, Children's Social Care",
            roles=[R.ASSISTANT_DIRECTOR],
            line_manager=director,
        )
        Post.objects.create(unit=directorate, role_id=R.DIRECTOR_CHILDRENS_SERVICES, holder=dcs)
        Post.objects.create(unit=directorate, role_id=R.DIRECTOR, holder=director)
        Post.objects.create(unit=directorate, role_id=R.ASSISTANT_DIRECTOR, holder=ad)

        # Operational services. Each has a Head of Service and a Group Manager; as in many
        # councils the Group Manager is also the "Service Manager" and the Head of Service the
        # "Senior Manager" that some protocols name, so every preset finds someone.
        services = {
            "cic": ("Children in Care", "hos", "gm"),
            "cp": ("Safeguarding and Child Protection", None, None),
        }
        group_managers = {}
        for key, (name, hos_demo, gm_demo) in services.items():
            unit = OrgUnit.objects.create(name=name, kind=OrgUnit.Kind.SERVICE, parent=directorate)
            hos = self.person(
                demo=hos_demo,
                job_title=f"Head of Service, {name}",
                roles=[R.HEAD_OF_SERVICE, R.SENIOR_MANAGER],
                line_manager=ad,
            )
            gm = self.person(
                demo=gm_demo,
                job_title=f"Group Manager, {name}",
                roles=[R.GROUP_MANAGER, R.SERVICE_MANAGER],
                line_manager=hos,
            )
            for role, holder in [
                (R.HEAD_OF_SERVICE, hos),
                (R.SENIOR_MANAGER, hos),
                (R.GROUP_MANAGER, gm),
                (R.SERVICE_MANAGER, gm),
            ]:
                Post.objects.create(unit=unit, role_id=role, holder=holder)
            group_managers[key] = (unit, gm)

        for key, (name, service, sw_count) in OPERATIONAL_TEAMS.items():
            unit, gm = group_managers[service]
            team = self.team(key, name, Team.Kind.OPERATIONAL, unit)
            tm = self.person(
                demo="tm" if key == "north" else None,
                job_title=f"Team Manager, {name}",
                roles=[R.TEAM_MANAGER],
                team=team,
                line_manager=gm,
            )
            self.manage(team, tm)
            workers = []
            for i in range(sw_count):
                workers.append(
                    self.person(
                        demo="sw" if key == "north" and i == 0 else None,
                        job_title="Senior Social Worker" if i == sw_count - 1 else "Social Worker",
                        roles=[R.SOCIAL_WORKER],
                        team=team,
                        line_manager=tm,
                    )
                )
            self.social_workers[key] = workers
            self.next_worker[key] = 0

        # The reviewing service: IROs and Child Protection Chairs, independent of the teams
        # whose plans they review.
        reviewing = OrgUnit.objects.create(
            name="Reviewing Service",
            kind=OrgUnit.Kind.SERVICE,
            parent=directorate,
            is_reviewing_service=True,
        )
        reviewing_hos = self.person(
            demo="reviewing_hos",
            job_title="Head of the Reviewing Service",
            roles=[R.REVIEWING_HEAD_OF_SERVICE],
            line_manager=ad,
        )
        reviewing_sm = self.person(
            demo="reviewing_sm",
            job_title="Reviewing Service Manager",
            roles=[R.REVIEWING_SERVICE_MANAGER],
            line_manager=reviewing_hos,
        )
        Post.objects.create(
            unit=reviewing, role_id=R.REVIEWING_HEAD_OF_SERVICE, holder=reviewing_hos
        )
        Post.objects.create(
            unit=reviewing, role_id=R.REVIEWING_SERVICE_MANAGER, holder=reviewing_sm
        )
        iro_team = self.team("iro", "IRO Team", Team.Kind.REVIEWING, reviewing)
        iro_tm = self.person(
            demo="reviewing_tm",
            job_title="Team Manager, Independent Reviewing Officers",
            roles=[R.REVIEWING_TEAM_MANAGER],
            team=iro_team,
            line_manager=reviewing_sm,
        )
        self.manage(iro_team, iro_tm)
        chairs_team = self.team(
            "chairs", "Child Protection Chairs Team", Team.Kind.REVIEWING, reviewing
        )
        chairs_tm = self.person(
            job_title="Team Manager, Child Protection Chairs",
            roles=[R.REVIEWING_TEAM_MANAGER],
            team=chairs_team,
            line_manager=reviewing_sm,
        )
        self.manage(chairs_team, chairs_tm)
        self.iros = [
            self.person(
                demo="iro" if i == 0 else None,
                job_title="Independent Reviewing Officer",
                roles=[R.IRO],
                team=iro_team,
                line_manager=iro_tm,
            )
            for i in range(4)
        ]
        self.chairs = [
            self.person(
                demo="cp_chair" if i == 0 else None,
                job_title="Child Protection Chair",
                roles=[R.CP_CHAIR],
                team=chairs_team,
                line_manager=chairs_tm,
            )
            for i in range(3)
        ]
        self.person(
            demo="fgc",
            job_title="Family Group Conference Coordinator",
            roles=[R.FGC_COORDINATOR],
            team=chairs_team,
            line_manager=chairs_tm,
        )
        self.next_iro = self.next_chair = 0

        self.person(
            demo="performance",
            job_title="Performance and Quality Officer",
            roles=[R.PERFORMANCE],
            line_manager=ad,
        )
        self.person(
            demo="admin",
            job_title="System Administrator",
            roles=[R.ADMINISTRATOR],
            is_staff=True,
            is_superuser=True,
        )

    # Children -------------------------------------------------------------------------------

    def pick_worker(self, team_key: str) -> User:
        workers = self.social_workers[team_key]
        worker = workers[self.next_worker[team_key] % len(workers)]
        self.next_worker[team_key] += 1
        return worker

    def pick_reviewer(self, status: str) -> User:
        if status == CP:
            reviewer = self.chairs[self.next_chair % len(self.chairs)]
            self.next_chair += 1
        else:
            reviewer = self.iros[self.next_iro % len(self.iros)]
            self.next_iro += 1
        return reviewer

    def build_children(self) -> None:
        rng = self.rng
        references = rng.sample(range(100000, 1000000), sum(f.size for f in FAMILIES))
        for family in FAMILIES:
            pool, surname = self.surname()
            group = None
            if family.size > 1:
                group = SiblingGroup.objects.create(name=f"{surname} family")
                self.counts["sibling groups"] += 1
            children = []
            for born in self.birth_dates(family):
                child = Child(
                    first_name=self.first_name(pool, child=True),
                    last_name=surname,
                    date_of_birth=born,
                    reference=f"LCS{references.pop()}",
                    status=family.status,
                    legal_status=family.legal_status,
                    restricted=family.restricted,
                    sibling_group=group,
                )
                child.full_clean()
                child.save()
                children.append(child)
                self.counts["children"] += 1
            self.allocate(family, children)

    def birth_dates(self, family: Family) -> list[dt.date]:
        """Eldest first, brothers and sisters one to three years apart."""
        lo, hi = AGE_RANGES[family.legal_status]
        age = self.rng.randint(min(hi, max(lo, 3 * (family.size - 1))), hi)
        dates = []
        for _ in range(family.size):
            birthday = REFERENCE_DATE.replace(year=REFERENCE_DATE.year - age)
            born = birthday - dt.timedelta(days=self.rng.randint(20, 360))
            dates.append(born)
            age -= self.rng.randint(1, 3)
        return dates

    def allocate(self, family: Family, children: list[Child]) -> None:
        rng = self.rng
        youngest = max(c.date_of_birth for c in children)
        start = max(
            REFERENCE_DATE - dt.timedelta(days=rng.randint(60, 720)),
            youngest + dt.timedelta(days=3),
        )
        span = (REFERENCE_DATE - start).days
        change = start + dt.timedelta(days=int(span * rng.uniform(0.3, 0.7)))
        team = self.teams[family.team]
        worker = self.pick_worker(family.team)
        reviewer = self.pick_reviewer(family.status) if family.status != CIN else None
        if family.restricted:
            # The demo IRO, CP Chair and social worker get the restricted children, so the
            # walkthrough can show a record only named people see.
            reviewer = self.people["iro"] if family.status == CIC else self.people["cp_chair"]
            if self.people["sw"] in self.social_workers[family.team]:
                worker = self.people["sw"]

        plan: list[tuple[dt.date, Team, User, User | None]] = []
        if family.history == "came_into_care":
            # On a child protection plan in another team, then came into care.
            before = family.from_team
            plan.append((start, self.teams[before], self.pick_worker(before), self.chairs[-1]))
            plan.append((change, team, worker, reviewer))
        elif family.history == "new_worker":
            previous = self.pick_worker(family.team)
            plan.append((start, team, previous, reviewer))
            plan.append((change, team, worker, reviewer))
        else:
            plan.append((start, team, worker, reviewer))

        for child in children:
            current: dict[str, object] = {}
            for day, to_team, to_worker, to_reviewer in plan:
                for kind, holder in [
                    (Allocation.Kind.TEAM, to_team),
                    (Allocation.Kind.SOCIAL_WORKER, to_worker),
                    (Allocation.Kind.REVIEWING_OFFICER, to_reviewer),
                ]:
                    if holder is None or current.get(kind) == holder:
                        continue
                    self.allocate_one(child, kind, holder, day, to_team)
                    current[kind] = holder
            if family.restricted:
                child.named_users.set([worker, reviewer, team.manager])

    def allocate_one(self, child: Child, kind: str, holder, day: dt.date, team: Team) -> None:
        if kind == Allocation.Kind.TEAM:
            recorded_by, extra = team.manager, {"team": holder}
        elif kind == Allocation.Kind.SOCIAL_WORKER:
            recorded_by, extra = team.manager, {"worker": holder}
        else:
            recorded_by, extra = holder.line_manager, {"worker": holder}
        child_allocate(child=child, kind=kind, start_date=day, recorded_by=recorded_by, **extra)
        self.counts["allocations"] += 1
