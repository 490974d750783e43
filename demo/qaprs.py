"""Demo QAPRs for the demo authority, made through the same services the pages use.

demo.reviews plays each child's history forward in date order and asks here for the QAPRs
that go with it: one in most windows between statutory reviews (three in the first year of a
child protection plan), graded with a believable spread, each finalised the real way (good
practice notes for Good and Outstanding, a recorded decision and recommendations for Requires
improvement, a formal concern for Inadequate), then dated back to the day it was done.

A "story" picks what the current window shows for the demo reviewing officers' families:
- "none_current": nothing yet, so the QAPR is overdue with the review;
- "ri_previous": Requires improvement last time, recommendations still open, a draft started;
- "ri_current": Requires improvement a week or two ago, recommendations due soon;
- "inadequate_current": Inadequate this week, with the formal concern it raised;
- "draft_current": a draft started this week;
- "random": whatever the family's review profile makes likely.
"""

from __future__ import annotations

import datetime as dt
import itertools
import random
from collections.abc import Callable

from django.utils import timezone

from cases.models import Child
from cases.schedule import on_or_before_working_day
from escalations import rules as concern_rules
from escalations import services as concern_services
from escalations.models import Concern, GoodPracticeNote
from prp import workdays
from prp.models import ProtocolCategory
from qapr import services
from qapr.models import Grade, Qapr, Recommendation, RiDecision, SaferAnswer, SectionRating

from .clock import DUE_SOON, IN_HAND, OVERDUE, QAPR, at, dated, shift_concern_back

Event = tuple[dt.date, int, Callable[[], object]]

GRADE_WEIGHTS = {Grade.GOOD: 50, Grade.OUTSTANDING: 12, Grade.REQUIRES_IMPROVEMENT: 38}

# The section ratings that go with each grade (one is picked for each section).
RATINGS = {
    Grade.OUTSTANDING: [SectionRating.STRONG],
    Grade.GOOD: [SectionRating.STRONG, SectionRating.ADEQUATE, SectionRating.ADEQUATE],
    Grade.REQUIRES_IMPROVEMENT: [SectionRating.ADEQUATE, SectionRating.SOME_CONCERNS],
    Grade.INADEQUATE: [SectionRating.SOME_CONCERNS, SectionRating.SERIOUS_CONCERNS],
}
SAFER = {
    Grade.OUTSTANDING: SaferAnswer.YES,
    Grade.GOOD: SaferAnswer.YES,
    Grade.REQUIRES_IMPROVEMENT: SaferAnswer.PARTLY,
    Grade.INADEQUATE: SaferAnswer.NO,
}

S = SectionRating
RATIONALES = {
    ("participation", S.STRONG): [
        "{name} was seen alone and their wishes are written in their own words in the plan.",
        "{name} chairs part of their own review and has a regular advocate they trust.",
    ],
    ("participation", S.ADEQUATE): [
        "{name} was seen and their views are recorded, though mostly through their carers.",
        "{name}'s views were gathered before the review; they did not want to attend.",
    ],
    ("participation", S.SOME_CONCERNS): [
        "{name} has not been seen alone since the last review.",
        "The plan does not say what {name} wants; their advocate has not been offered.",
    ],
    ("participation", S.SERIOUS_CONCERNS): [
        "{name} has not been seen for seven weeks and nobody has recorded their views.",
    ],
    ("progress", S.STRONG): [
        "Permanence is agreed and {name} is settled; school reports steady progress.",
        "The plan is on track and every action from the review has been completed on time.",
    ],
    ("progress", S.ADEQUATE): [
        "Most actions from the review are done. The health assessment is booked.",
        "{name} is settled with their carers; the plan for permanence is progressing.",
    ],
    ("progress", S.SOME_CONCERNS): [
        "Two actions from the review are overdue, including the referral for therapy.",
        "The plan for permanence has not moved on since the last review.",
    ],
    ("progress", S.SERIOUS_CONCERNS): [
        "None of the actions in the plan have been completed and risks at home have grown.",
    ],
    ("records", S.STRONG): [
        "Visits, supervision and the chronology are all up to date and clearly written.",
    ],
    ("records", S.ADEQUATE): [
        "Visits are recorded on time; the chronology needs bringing up to date.",
        "Records are mostly timely; the last supervision note is brief.",
    ],
    ("records", S.SOME_CONCERNS): [
        "The last two visits were recorded more than a week late.",
        "The care plan on file is not the one agreed at the review.",
    ],
    ("records", S.SERIOUS_CONCERNS): [
        "No visit has been recorded for six weeks and the plan on file is out of date.",
    ],
}
# A child on a protection plan lives at home: the words differ where the plan does.
CP_RATIONALES = {
    ("participation", S.ADEQUATE): [
        "{name} was seen at home and at school; their views are recorded in the plan.",
    ],
    ("progress", S.STRONG): [
        "Every action in the protection plan is done and the core group sees real change.",
    ],
    ("progress", S.ADEQUATE): [
        "Most actions in the plan are done; the parenting course starts next month.",
    ],
    ("progress", S.SOME_CONCERNS): [
        "The core group has met only once since the conference and two actions are late.",
    ],
}
SAFER_RATIONALES = {
    SaferAnswer.YES: "Home conditions have improved and the core group sees the change.",
    SaferAnswer.PARTLY: "Some risks have reduced, but supervision at home is still inconsistent.",
    SaferAnswer.NO: "The risks that led to the plan are still there and have grown since.",
}
GRADE_RATIONALES = {
    Grade.OUTSTANDING: "Exceptional, child-centred practice: {name}'s plan is driven by what "
    "they want and everyone knows their part.",
    Grade.GOOD: "A good plan that is being carried out; {name} is known well by the people "
    "working with them.",
    Grade.REQUIRES_IMPROVEMENT: "The plan is right but actions are slipping, and {name}'s "
    "views are not always shaping it.",
    Grade.INADEQUATE: "The plan is not keeping {name} safe: visits have lapsed and the actions "
    "agreed at conference have not happened.",
}
IMPACTS = {
    Grade.OUTSTANDING: "{name} is thriving and says they feel listened to.",
    Grade.GOOD: "{name} is settled and making progress at school.",
    Grade.REQUIRES_IMPROVEMENT: "{name} is unsure what will happen next and has asked twice.",
    Grade.INADEQUATE: "{name} remains at risk of harm at home.",
}
CP_VIEWS = [
    "{name} said things are calmer at home. Their mother feels the plan is helping. The school "
    "reports better attendance.",
    "{name} talked about their new bedroom and their friends. Their father wants the plan to "
    "end. The health visitor sees progress.",
]
VIEWS = [
    "{name} likes their carers and wants to see their brother more often. Carers feel "
    "supported. The social worker shared the latest assessment.",
    "{name} said school is going better. Their mother wants more family time. The school "
    "reported good attendance.",
    "{name} did not want to talk this time; their carer passed on that they are happy. The "
    "health visitor had no concerns.",
]
RI_REASONS = [
    "Discussed with the team manager, who has agreed a plan to catch up on the overdue actions "
    "within four weeks. I will check at the next QAPR.",
    "The social worker was off sick for a month and the actions are now being picked up. A "
    "concern would not add to what is already agreed.",
]
GOOD_PRACTICE = [
    "Thank you for the care you took to help {name} prepare for their review: they came with "
    "their own list of questions.",
    "Your visits to {name} are regular, thoughtful and clearly recorded. The plan is being "
    "carried out exactly as agreed.",
    "You made sure {name} was heard at every meeting this month, and {name} noticed.",
]
RECOMMENDATIONS = [
    "Make sure {name}'s health assessment is completed and the outcome shared with the IRO.",
    "Offer {name} an advocate and record their answer.",
    "Update the care plan so it matches the decisions of the last review.",
    "Start the life story work agreed at the review.",
    "Bring the chronology up to date.",
    "Arrange the therapy referral agreed at the last review.",
]
CP_RECOMMENDATIONS = [
    "Hold the core group meeting that is overdue and share the notes with the CP Chair.",
    "See {name} alone at the next visit and record what they say.",
    "Bring the chronology up to date.",
    "Make the referral to the parenting programme agreed at conference.",
]


def events(
    child: Child,
    *,
    is_cp: bool,
    reviews: list[dt.date],
    story: str,
    profile: str,
    eldest: bool,
    rng: random.Random,
    today: dt.date,
) -> list[Event]:
    """The QAPRs for one child, each an event on the day it was finalised (or started)."""
    first = 0 if is_cp else 1  # a child in care has none between the 1st and 2nd review
    bounds = reviews[first:]
    made: list[Event] = []
    closed = list(itertools.pairwise(bounds))
    for i, (start, end) in enumerate(closed):
        last_closed = i == len(closed) - 1
        if story == "ri_previous" and last_closed:
            grade = Grade.REQUIRES_IMPROVEMENT if eldest else Grade.GOOD
            made += _in_window(child, start, end, grade, is_cp, rng, today, scripted=eldest)
            continue
        if rng.random() < 0.12:
            continue  # missed: nobody did one
        count = 2 if is_cp and i + first == 1 else 1  # three in the first year on a plan
        for part in range(count):
            lo, hi = (start, end) if count == 1 else _half(start, end, part)
            made += _in_window(child, lo, hi, _grade(rng), is_cp, rng, today)
    if not bounds:
        return made
    made += _current(child, bounds[-1], is_cp, story, profile, eldest, rng, today)
    return made


def _half(start: dt.date, end: dt.date, part: int) -> tuple[dt.date, dt.date]:
    middle = start + (end - start) / 2
    return (start, middle) if part == 0 else (middle, end)


def _grade(rng: random.Random) -> str:
    grades, weights = zip(*GRADE_WEIGHTS.items(), strict=True)
    return rng.choices(grades, weights=weights)[0]


def _in_window(child, start, end, grade, is_cp, rng, today, *, scripted=False) -> list[Event]:
    done = on_or_before_working_day(start + (end - start) * rng.uniform(0.45, 0.85))
    if not start < done < end or done >= today:
        return []
    made = _finalised(child, done, grade, is_cp, rng, today, after=start, scripted=scripted)
    return [(done, QAPR, made)]


def _current(child, start, is_cp, story, profile, eldest, rng, today) -> list[Event]:
    """The window open now, from the last review until the next is due."""

    def ago(working_days: int) -> dt.date | None:
        day = workdays.add_working_days(today, -working_days)
        return day if day > start else None

    if story == "none_current":
        return []
    if story in ("ri_previous", "draft_current"):
        day = ago(2 if story == "ri_previous" else 3)
        return [(day, QAPR, _draft(child, day, is_cp, rng))] if eldest and day else []
    if story == "ri_current" and eldest:
        day = ago(rng.randint(6, 9))
        grade = Grade.REQUIRES_IMPROVEMENT
        if day is None:
            return []
        made = _finalised(child, day, grade, is_cp, rng, today, after=start, scripted=True)
        return [(day, QAPR, made)]
    if story == "inadequate_current" and eldest:
        day = ago(4)
        if day is None:
            return []
        made = _finalised(child, day, Grade.INADEQUATE, is_cp, rng, today, after=start)
        return [(day, QAPR, made)]
    chance = {OVERDUE: 0.0, DUE_SOON: 0.5, IN_HAND: 0.35}.get(profile, 0.0)
    if story != "random" or rng.random() >= chance:
        return []
    day = ago(rng.randint(3, 15))
    if day is None or day < start + dt.timedelta(days=14):
        return []
    return [(day, QAPR, _finalised(child, day, _grade(rng), is_cp, rng, today, after=start))]


# Making one QAPR ---------------------------------------------------------------------------------


def _categories() -> list[ProtocolCategory]:
    protocol = concern_rules.active_protocol()
    return list(ProtocolCategory.objects.filter(protocol=protocol).order_by("id"))


def answers(child: Child, grade: str, is_cp: bool, rng: random.Random, invited: dt.date) -> dict:
    name = child.first_name
    young = child.age_on(invited) < 5
    values: dict = {"grade": grade, "social_worker_invited_on": invited}
    for section in ("participation", "progress", "records"):
        rating = rng.choice(RATINGS[grade])
        values[f"{section}_rating"] = rating
        key = (section, rating)
        texts = CP_RATIONALES.get(key, RATIONALES[key]) if is_cp else RATIONALES[key]
        text = rng.choice(texts).format(name=name)
        if section == "participation" and young:
            text = f"{name} is too young to put views into words; how they are at home is recorded."
        values[f"{section}_rationale"] = text
    if is_cp:
        values["safer"] = SAFER[grade]
        values["safer_rationale"] = SAFER_RATIONALES[SAFER[grade]]
    values.update(
        views_child=not young,
        views_parents=rng.random() < 0.7,
        views_carers=not is_cp or rng.random() < 0.3,
        views_network=True,
        views_summary=rng.choice(CP_VIEWS if is_cp else VIEWS).format(name=name),
        grade_rationale=GRADE_RATIONALES[grade].format(name=name),
        impact_on_child=IMPACTS[grade].format(name=name),
    )
    if grade == Grade.REQUIRES_IMPROVEMENT:
        values.update(ri_decision=RiDecision.NONE, ri_decision_reason=rng.choice(RI_REASONS))
    if grade in (Grade.GOOD, Grade.OUTSTANDING):
        values.update(
            good_practice_category=rng.choice(_categories()),
            good_practice_text=rng.choice(GOOD_PRACTICE).format(name=name),
        )
    return values


def _start(child: Child, day: dt.date) -> Qapr:
    with dated(day, 9, 45):
        qapr = services.qapr_start(child=child, by=child.reviewing_officer)
    Qapr.objects.filter(pk=qapr.pk).update(created_at=at(day, 9, 45))
    return Qapr.objects.get(pk=qapr.pk)


def _draft(child: Child, day: dt.date, is_cp: bool, rng: random.Random):
    def make():
        qapr = _start(child, day)
        values = answers(child, Grade.GOOD, is_cp, rng, invited=day)
        partial = {k: values[k] for k in ("participation_rating", "participation_rationale")}
        services.qapr_save(
            qapr=qapr,
            by=child.reviewing_officer,
            lock_version=qapr.lock_version,
            social_worker_invited_on=day,
            views_child=values["views_child"],
            **partial,
        )
        Qapr.objects.filter(pk=qapr.pk).update(updated_at=at(day, 11, 0))

    return make


def _finalised(child, done, grade, is_cp, rng, today, *, after, scripted=False):
    """A QAPR finalised on `done`: started a week or two before (after the review on `after`
    that opened its window), views sought, graded."""

    def make():
        author = child.reviewing_officer
        started = max(workdays.add_working_days(done, -rng.randint(5, 9)), after + dt.timedelta(1))
        invited = min(workdays.add_working_days(started, 1), done)
        qapr = _start(child, started)
        qapr = services.qapr_save(
            qapr=qapr,
            by=author,
            lock_version=qapr.lock_version,
            **answers(child, grade, is_cp, rng, invited=invited),
        )
        with dated(done, 15, 0):
            recommendations = _recommend(qapr, child, grade, done, rng, today, scripted)
            if grade == Grade.INADEQUATE:
                concern = _raise_concern(qapr, author)
            qapr = Qapr.objects.get(pk=qapr.pk)
            qapr = services.qapr_finalise(qapr=qapr, by=author, lock_version=qapr.lock_version)
        finalised = at(done, 15, 0)
        Qapr.objects.filter(pk=qapr.pk).update(
            completed_on=done, finalised_at=finalised, updated_at=finalised
        )
        Recommendation.objects.filter(qapr=qapr).update(created_at=finalised)
        if qapr.good_practice_note_id is not None:
            GoodPracticeNote.objects.filter(pk=qapr.good_practice_note_id).update(
                created_at=finalised
            )
        for recommendation, due_on, done_on in recommendations:
            Recommendation.objects.filter(pk=recommendation.pk).update(due_on=due_on)
            if done_on is not None:
                with dated(done_on, 12, 30):
                    services.recommendation_complete(
                        recommendation=recommendation,
                        by=recommendation.owner,
                        lock_version=recommendation.lock_version,
                        done_on=done_on,
                        note="Done and recorded on the child's file.",
                    )
        if grade == Grade.INADEQUATE:
            shift_concern_back(concern, workdays.working_days_between(done, today))

    return make


def _recommend(qapr, child, grade, done, rng, today, scripted):
    """Recommendations for a Requires improvement grade: (recommendation, due, done on)."""
    if grade != Grade.REQUIRES_IMPROVEMENT:
        return []
    texts = rng.sample(CP_RECOMMENDATIONS if qapr.is_child_protection else RECOMMENDATIONS, 3)
    owners = [child.social_worker, child.team.manager or child.social_worker]
    day = dt.timedelta(days=1)
    if scripted:
        # One done, one overdue, one still to do: the author's tracking list has work on it.
        overdue = max(done + 7 * day, today - rng.randint(8, 14) * day)
        plan = [
            (done + 20 * day, min(done + 12 * day, today - day)),
            (overdue, None) if overdue < today else (today + 5 * day, None),
            (today + rng.randint(10, 25) * day, None),
        ]
    else:
        plan = []
        for _ in range(rng.randint(1, 2)):
            due = done + rng.randint(20, 50) * day
            finished = min(due - rng.randint(0, 10) * day, today - day)
            left_open = due >= today or rng.random() < 0.15
            plan.append((due, None if left_open or finished < done else finished))
    made = []
    for i, (due_on, done_on) in enumerate(plan):
        text = texts[i].format(name=child.first_name)
        # The service takes dates from today on; the demo moves it back afterwards.
        recommendation = services.recommendation_add(
            qapr=qapr, by=qapr.author, text=text, owner=owners[i % 2], due_on=max(due_on, today)
        )
        made.append((recommendation, due_on, done_on))
    return made


def _raise_concern(qapr: Qapr, author) -> Concern:
    """Inadequate needs a formal concern: started from the QAPR, then raised."""
    qapr = Qapr.objects.get(pk=qapr.pk)
    categories = {c.name.lower(): c for c in _categories()}
    category = categories.get("safeguarding") or next(iter(categories.values()))
    concern = services.qapr_start_concern(
        qapr=qapr, by=author, lock_version=qapr.lock_version, level="formal", category=category
    )
    concern = Concern.objects.get(pk=concern.pk)
    stage = concern.protocol.stages.get(level=concern.start_level)
    today = timezone.localdate()
    concern_services.concern_raise(
        concern=concern,
        by=author,
        lock_version=concern.lock_version,
        delegate_to=concern_rules.default_assignee(concern, stage),
        agreed_due_on=concern_rules.suggested_agreed_date(stage, today)
        if stage.is_agreed
        else None,
    )
    return Concern.objects.get(pk=concern.pk)
