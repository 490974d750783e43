"""Issue 14 rules 3, 4, 10, 12 and 14: the deadlines the councils' protocols set, enforced.

Each test is named for the rule and the seed section it comes from (PROTOCOLS.md, "Decisions").
"""

import datetime as dt
import re

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.urls import reverse

from cases import schedule
from cases.models import ReviewRule, RuleUnit
from escalations import rules, services
from escalations.models import Concern, FormalLimit, Outcome, Stage
from prp import presets
from prp.models import ProtocolCategory, RoleCode
from tests.builders import draft_concern, fresh, live_task, outcome_recorded, raised_concern
from tests.factories import UserFactory
from tests.raising import raise_through_check

FRIDAY_1_DEC_2023 = dt.datetime(2023, 12, 1, 10, 0)


def at(day: dt.date):
    return time_machine.travel(dt.datetime.combine(day, dt.time(10, 0)), tick=False)


def escalate(concern, iro, manager, on: dt.date, **extra):
    with at(on):
        outcome_recorded(
            concern, iro, Outcome.ESCALATE_NEXT, delegate_to=manager, outcome_on=on, **extra
        )
    return fresh(concern)


def text(response) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", response.content.decode()).split())


def dashboard_figure(client, person, label: str, day: dt.date) -> tuple[str, int]:
    """The dashboard's figure for `label` and how many concerns the list behind it shows."""
    client.force_login(person)
    with at(day):
        page = client.get(reverse("dashboards:dashboard")).content.decode()
        row = re.search(
            rf"<dt[^>]*>{re.escape(label)}</dt>\s*<dd[^>]*><a[^>]*href=\"([^\"]+)\"[^>]*>(\d+)",
            page,
        )
        assert row, f"the dashboard shows {label}"
        listed = client.get(row.group(1).replace("&amp;", "&")).content.decode()
    return row.group(2), len(set(re.findall(r"PRP-\d{6}", listed)))


def error_summary(response) -> str:
    page = response.content.decode()
    block = re.search(r'<div class="govuk-error-summary".*?</ul>', page, re.S)
    assert block, "the page shows the GOV.UK error summary"
    return " ".join(re.sub(r"<[^>]+>", " ", block.group(0)).split())


# Rule 3: the formal stages together never exceed 20 working days --------------------------------


@pytest.mark.usefixtures("gloucestershire")
def test_gloucestershire_4_2_formal_stages_never_due_after_20_working_days(
    child, iro, team_manager, head_of_service, assistant_director
):
    # Formal 1 opens on Friday 1 December 2023; the 20 working days end on Wednesday 3 January
    # 2024 (Christmas Day, Boxing Day and New Year's Day are bank holidays).
    with time_machine.travel(FRIDAY_1_DEC_2023, tick=False):
        concern = raised_concern(iro, child, team_manager)
    assert rules.formal_limit_on(concern, dt.date(2023, 12, 1)) == dt.date(2024, 1, 3)
    concern = escalate(concern, iro, head_of_service, dt.date(2023, 12, 8))
    # A late reply: Formal 2 ends on 22 December, so Formal 3's 5 days run to 3 January.
    concern = escalate(concern, iro, assistant_director, dt.date(2023, 12, 22))
    assert live_task(concern).due_on == dt.date(2024, 1, 3)
    # Formal 4 opens on 29 December: its own 5 days would end on 8 January, 25 working days
    # after the formal start. It is due on the limit's last day instead.
    director = UserFactory(roles=[RoleCode.DIRECTOR])
    concern = escalate(concern, iro, director, dt.date(2023, 12, 29))
    assert Stage.objects.get(concern=concern, level=4).due_on == dt.date(2024, 1, 3)
    assert live_task(concern).due_on == dt.date(2024, 1, 3)
    assert concern.formal_limit == FormalLimit.WITHIN


@pytest.mark.usefixtures("gloucestershire")
def test_gloucestershire_4_2_past_the_limit_a_stage_gets_its_own_days_and_is_marked_over(
    client, child, iro, team_manager, head_of_service, service_manager
):
    with time_machine.travel(FRIDAY_1_DEC_2023, tick=False):
        concern = raised_concern(iro, child, team_manager)
    # Formal 1 took until 4 January 2024: the 20 working days are used up.
    concern = escalate(concern, iro, head_of_service, dt.date(2024, 1, 4))
    assert live_task(concern).due_on == dt.date(2024, 1, 11)
    assert concern.formal_limit == FormalLimit.OVER
    client.force_login(iro)
    with at(dt.date(2024, 1, 4)):
        page = text(client.get(reverse("escalations:concern_detail", args=[concern.pk])))
        clinic = text(client.get(reverse("escalations:weekly_clinic")))
    assert "Over 20 working days" in page
    assert "Over 20 working days" in clinic
    figure = dashboard_figure(
        client, service_manager, "Over 20 working days on formal stages", dt.date(2024, 1, 4)
    )
    assert figure == ("1", 1)


@pytest.mark.usefixtures("protocols")
def test_cumbria_seed_002_stage_5_agreed_beyond_20_working_days_needs_a_reason(
    client, protocols, child, iro, team_manager, service_manager
):
    presets.activate(protocols["cumbria"])
    with time_machine.travel(FRIDAY_1_DEC_2023, tick=False):
        concern = raised_concern(iro, child, team_manager, level=2)
    director = UserFactory(roles=[RoleCode.DIRECTOR_CHILDRENS_SERVICES])
    # 12 January 2024 is 27 working days after the formal start (1 December 2023).
    late = dt.date(2024, 1, 12)
    extra = {"target_level": 5, "delegate_to": director, "agreed_due_on": late}
    with at(dt.date(2023, 12, 8)), pytest.raises(ValidationError) as refused:
        outcome_recorded(
            concern, iro, Outcome.ESCALATE_TO, outcome_on=dt.date(2023, 12, 8), **extra
        )
    assert refused.value.message_dict["due_reason"] == [
        "Enter why the date is later than 3 January 2024 (20 working days from the formal start)"
    ]
    reason = "The Director is away until 8 January; agreed with the IRO Service Manager"
    with at(dt.date(2023, 12, 8)):
        outcome_recorded(
            concern,
            iro,
            Outcome.ESCALATE_TO,
            outcome_on=dt.date(2023, 12, 8),
            due_reason=reason,
            **extra,
        )
    concern = fresh(concern)
    stage = Stage.objects.get(concern=concern, level=5)
    assert (stage.due_on, stage.due_reason) == (late, reason)
    assert concern.formal_limit == FormalLimit.AGREED
    client.force_login(iro)
    with at(dt.date(2023, 12, 8)):
        page = text(client.get(reverse("escalations:concern_detail", args=[concern.pk])))
        clinic = text(client.get(reverse("escalations:weekly_clinic")))
    assert "Beyond 20 working days, agreed" in page
    assert reason in page
    assert "Beyond 20 working days, agreed" in clinic
    figure = dashboard_figure(
        client, service_manager, "Beyond 20 working days, agreed", dt.date(2023, 12, 8)
    )
    assert figure == ("1", 1)


# Rule 4: the informal stage must not create drift ---------------------------------------------


@pytest.mark.usefixtures("gloucestershire")
def test_gloucestershire_4_1_informal_date_past_5_days_needs_a_reason_and_is_flagged(
    client, child, iro, team_manager
):
    with time_machine.travel(FRIDAY_1_DEC_2023, tick=False):
        concern = draft_concern(iro, child, level=0)
        with pytest.raises(ValidationError) as refused:
            services.concern_raise(
                concern=concern,
                by=iro,
                lock_version=concern.lock_version,
                delegate_to=team_manager,
                agreed_due_on=dt.date(2023, 12, 12),
            )
        assert refused.value.message_dict["due_reason"] == [
            "Enter why the date is later than 8 December 2023 "
            "(the usual time for the informal stage)"
        ]
        stage = services.concern_raise(
            concern=concern,
            by=iro,
            lock_version=concern.lock_version,
            delegate_to=team_manager,
            agreed_due_on=dt.date(2023, 12, 12),
            due_reason="The team manager is on leave",
        )
        assert stage.due_on == dt.date(2023, 12, 12)
        client.force_login(iro)
        clinic = text(client.get(reverse("escalations:weekly_clinic")))
    assert "Later than the informal guideline, agreed" in clinic


@pytest.mark.usefixtures("gloucestershire")
def test_gloucestershire_4_1_informal_date_past_20_working_days_is_refused(
    client, child, iro, team_manager
):
    with time_machine.travel(FRIDAY_1_DEC_2023, tick=False):
        concern = draft_concern(iro, child, level=0)
        client.force_login(iro)
        url = reverse("escalations:concern_raise", args=[concern.pk])
        # 147 working days out, as the audit found accepted.
        response = client.post(
            url,
            {
                "lock_version": concern.lock_version,
                "how": "delegate",
                "delegate_to": team_manager.pk,
                "agreed_due_on_0": "1",
                "agreed_due_on_1": "7",
                "agreed_due_on_2": "2024",
                "due_reason": "Waiting for a court date",
            },
        )
    assert response.status_code == 200
    assert "The informal response date must be no later than 3 January 2024" in error_summary(
        response
    )
    assert fresh(concern).is_draft


# Rule 10: Buckinghamshire and Cumbria --------------------------------------------------------


def test_buckinghamshire_seed_003_every_stage_date_is_agreed_with_a_suggestion(protocols):
    bucks = protocols["buckinghamshire"]
    stages = {stage.level: stage for stage in bucks.stages.all()}
    assert all(stage.is_agreed for stage in stages.values())
    assert [stages[level].guideline_days for level in range(5)] == [5] * 5
    assert stages[3].label == "Stage 3: Service Director"
    assert stages[3].delegate_role_child_in_care_id == RoleCode.SERVICE_DIRECTOR
    assert stages[4].label == "Stage 4: Executive Director"
    assert stages[4].delegate_role_child_in_care_id == RoleCode.EXECUTIVE_DIRECTOR
    assert bucks.resolution_records_impact
    assert bucks.informal_guideline_days is None  # a suggestion, not a rule


@pytest.mark.usefixtures("protocols")
def test_buckinghamshire_seed_003_resolving_records_the_impact_for_the_child(
    protocols, child, iro, team_manager
):
    presets.activate(protocols["buckinghamshire"])
    with time_machine.travel(FRIDAY_1_DEC_2023, tick=False):
        concern = raised_concern(iro, child, team_manager, level=1, agreed=dt.date(2023, 12, 8))
        with pytest.raises(ValidationError) as refused:
            outcome_recorded(concern, iro, Outcome.RESOLVED)
        assert "impact_for_child" in refused.value.message_dict
        stage = outcome_recorded(
            concern, iro, Outcome.RESOLVED, impact_for_child="A permanence plan"
        )
    assert stage.impact_for_child == "A permanence plan"


def test_cumbria_seed_002_stage_5_date_is_agreed_with_no_invented_default(protocols):
    cumbria = protocols["cumbria"]
    stage_5 = cumbria.stages.get(level=5)
    assert stage_5.is_agreed and stage_5.guideline_days is None
    assert rules.suggested_agreed_date(stage_5, dt.date(2023, 12, 1)) is None
    informal = cumbria.stages.get(level=0)
    assert informal.response_days == 3 and cumbria.informal_guideline_days == 3


def test_seed_002_and_003_categories_no_seed_gives_are_marked_as_suggestions(client, protocols):
    assert ProtocolCategory.objects.exists()
    for key, marked in [
        ("gloucestershire", False),
        ("cumbria", True),
        ("buckinghamshire", True),
        ("blackpool", False),
    ]:
        flags = set(protocols[key].categories.values_list("is_suggestion", flat=True))
        assert flags == {marked}, key
    admin = UserFactory(roles=[RoleCode.ADMINISTRATOR], is_staff=True, is_superuser=True)
    client.force_login(admin)
    page = client.get(reverse("admin:prp_protocol_change", args=[protocols["cumbria"].pk]))
    assert 'name="categories-0-is_suggestion"' in page.content.decode()


# Rule 12: the date of concern -----------------------------------------------------------------


@pytest.mark.usefixtures("gloucestershire")
def test_liquidlogic_form_date_of_concern_the_deadline_counts_from_it(
    client, child, iro, team_manager
):
    # The form's worked example: dated Friday 1 December 2023 at Formal 1, the team manager's
    # response is due Friday 8 December 2023, even when it is raised on 6 December.
    with at(dt.date(2023, 12, 6)):
        concern = draft_concern(iro, child, level=1)
        client.force_login(iro)
        response = raise_through_check(
            client,
            reverse("escalations:concern_raise", args=[concern.pk]),
            {
                "lock_version": concern.lock_version,
                "delegate_to": team_manager.pk,
                "date_of_concern_0": "1",
                "date_of_concern_1": "12",
                "date_of_concern_2": "2023",
            },
        )
        assert response.status_code == 302
        page = text(client.get(reverse("escalations:concern_detail", args=[concern.pk])))
    concern = fresh(concern)
    assert concern.date_of_concern == dt.date(2023, 12, 1)
    assert live_task(concern).due_on == dt.date(2023, 12, 8)
    assert "Date of concern 1 December 2023. The deadlines count from this date." in page


@pytest.mark.usefixtures("gloucestershire")
@pytest.mark.parametrize(
    ("day", "message"),
    [
        ("7", "The date of concern must be today or in the past"),
        ("21", "The date of concern must be no earlier than 22 November 2023"),
    ],
)
def test_liquidlogic_form_date_of_concern_not_in_future_nor_over_10_working_days_back(
    client, child, iro, team_manager, day, message
):
    with at(dt.date(2023, 12, 6)):
        concern = draft_concern(iro, child, level=1)
        client.force_login(iro)
        month = "12" if day == "7" else "11"
        response = client.post(
            reverse("escalations:concern_raise", args=[concern.pk]),
            {
                "lock_version": concern.lock_version,
                "delegate_to": team_manager.pk,
                "date_of_concern_0": day,
                "date_of_concern_1": month,
                "date_of_concern_2": "2023",
            },
        )
    assert response.status_code == 200
    assert message in error_summary(response)
    assert fresh(concern).is_draft


# Rule 14: Blackpool's review intervals in days --------------------------------------------------


def test_blackpool_seed_004_activating_blackpool_counts_91_and_183_days(client, protocols):
    presets.activate(protocols["blackpool"])
    rules_now = {r.code: (r.amount, r.unit) for r in ReviewRule.objects.all()}
    assert rules_now[ReviewRule.Code.CIC_SECOND] == (91, RuleUnit.CALENDAR_DAYS)
    assert rules_now[ReviewRule.Code.CIC_LATER] == (183, RuleUnit.CALENDAR_DAYS)
    # From 1 February 2025, 91 days is Saturday 3 May (brought forward to Friday 2 May), where
    # 3 calendar months would be 1 May; from 1 March 2025, 183 days is Sunday 31 August (so
    # Friday 29 August), where 6 months would be Monday 1 September.
    second, later = rules_now[ReviewRule.Code.CIC_SECOND], rules_now[ReviewRule.Code.CIC_LATER]
    assert schedule.deadline(dt.date(2025, 2, 1), second) == dt.date(2025, 5, 2)
    assert schedule.deadline(dt.date(2025, 2, 1), (3, RuleUnit.MONTHS)) == dt.date(2025, 5, 1)
    assert schedule.deadline(dt.date(2025, 3, 1), later) == dt.date(2025, 8, 29)
    assert schedule.deadline(dt.date(2025, 3, 1), (6, RuleUnit.MONTHS)) == dt.date(2025, 9, 1)
    admin = UserFactory(roles=[RoleCode.ADMINISTRATOR], is_staff=True, is_superuser=True)
    client.force_login(admin)
    page = text(client.get(reverse("admin:cases_reviewrule_changelist")))
    assert "Blackpool protocol (calendar days)" in page

    presets.activate(protocols["gloucestershire"])
    rules_now = {r.code: (r.amount, r.unit) for r in ReviewRule.objects.all()}
    assert rules_now[ReviewRule.Code.CIC_SECOND] == (3, RuleUnit.MONTHS)
    assert rules_now[ReviewRule.Code.CIC_LATER] == (6, RuleUnit.MONTHS)
    page = text(client.get(reverse("admin:cases_reviewrule_changelist")))
    assert "Gloucestershire protocol (calendar months)" in page


@pytest.mark.usefixtures("protocols")
def test_cumbria_seed_002_informal_write_up_due_within_3_days_of_the_review(
    client, protocols, child, iro, team_manager
):
    presets.activate(protocols["cumbria"])
    client.force_login(iro)
    # The review that prompted it was on Monday 4 March 2024: the IRO writes up by 7 March.
    with at(dt.date(2024, 3, 6)):
        response = client.post(
            reverse("escalations:concern_start") + f"?child={child.pk}",
            {
                "children": [child.pk],
                "title": "Plan drifting",
                "start_level": 0,
                "date_of_concern_0": "4",
                "date_of_concern_1": "3",
                "date_of_concern_2": "2024",
            },
        )
        assert response.status_code == 302
        concern = Concern.objects.get(raised_by=iro)
        draft_page = text(client.get(reverse("escalations:concern_detail", args=[concern.pk])))
    assert "Write up and raise the informal challenge by 7 March 2024" in draft_page
    assert "Overdue" not in draft_page
    with at(dt.date(2024, 3, 8)):
        late_page = text(client.get(reverse("escalations:concern_detail", args=[concern.pk])))
    assert "Overdue" in late_page
    # Raised on 8 March, the informal stage counts from the review: 3 working days, 7 March.
    with at(dt.date(2024, 3, 8)):
        concern = fresh(concern)
        services.sub_concern_add(
            concern=concern,
            by=iro,
            category=concern.protocol.categories.first(),
            description="No permanence plan",
            impact_on_child="Uncertainty",
        )
        concern = fresh(concern)
        stage = services.concern_raise(
            concern=concern, by=iro, lock_version=concern.lock_version, delegate_to=team_manager
        )
    assert (stage.opened_on, stage.due_on) == (dt.date(2024, 3, 4), dt.date(2024, 3, 7))


@pytest.mark.usefixtures("gloucestershire")
def test_gloucestershire_4_2_a_reopened_response_meets_the_20_working_days_too(
    client, child, iro, team_manager
):
    with time_machine.travel(FRIDAY_1_DEC_2023, tick=False):
        concern = raised_concern(iro, child, team_manager)
        task = live_task(concern)
        services.task_respond(
            task=task,
            by=team_manager,
            lock_version=task.lock_version,
            response_option=None,
            response="We will hold a meeting",
        )
    task = fresh(task)
    with at(dt.date(2023, 12, 8)):
        client.force_login(iro)
        url = reverse("escalations:task_reactivate", args=[task.pk])
        # 10 January 2024 is after the formal limit's last day, 3 January.
        data = {
            "lock_version": task.lock_version,
            "due_on_0": "10",
            "due_on_1": "1",
            "due_on_2": "2024",
        }
        response = client.post(url, data)
        assert "Enter why the date is later than 3 January 2024" in error_summary(response)
        data["due_reason"] = "The manager needs the court's decision first"
        assert client.post(url, data).status_code == 302
    concern = fresh(concern)
    assert live_task(concern).due_on == dt.date(2024, 1, 10)
    assert concern.formal_limit == FormalLimit.AGREED
