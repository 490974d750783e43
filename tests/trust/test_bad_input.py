"""Bad input: random, oversized, malformed and unicode data sent to every form and every query
parameter. Whatever arrives, a page answers with the GOV.UK error summary, a redirect after a
valid submission, or a 400, 403 or 404: never a 500.

How it works:
- TARGETS is the one table of pages that take input: forms (GET shows them, POST submits them),
  buttons (a POST with nothing to fill in) and lists or reports whose query parameters narrow,
  page or download them. test_every_url_is_a_target_or_has_no_input fails when a URL of our
  apps is neither in TARGETS nor in NO_INPUT.
- The fields come from the page itself: the first example of each target reads the rendered
  form (names, choices, current values) and builds a valid submission from it. Hypothesis then
  breaks some fields and keeps the rest, so the forms' checks are tried and so are the services
  behind a form that passes them.
- Every example runs in its own transaction, rolled back after it
  (hypothesis.extra.django.TestCase), on data built once for the class in setUpTestData.

More examples, chosen afresh each run: BAD_INPUT_EXAMPLES=300 BAD_INPUT_RANDOM=1 pytest ...
"""

from __future__ import annotations

import datetime as dt
import io
import json
import os
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from html import unescape
from html.parser import HTMLParser
from types import SimpleNamespace
from urllib.parse import urlencode, urljoin
from zoneinfo import ZoneInfo

import openpyxl
import pypdf
import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase

from cases import services as case_services
from cases.models import KeyDate, PlannedStep, Review, ReviewStep
from escalations import services as concern_services
from escalations.models import Outcome
from notifications.models import Notification
from prp.fields import GovukDateField
from prp.models import OrgUnit, ProtocolCategory, RoleCode, Team
from prp.presets import install_presets
from qapr import services as qapr_services
from tests.builders import allocate, raised_task
from tests.escalations.test_concern_pages import _draft
from tests.factories import (
    ChildFactory,
    OrgUnitFactory,
    PostFactory,
    RoleFactory,
    TeamFactory,
    UserFactory,
)
from tests.qapr.test_qapr_pages import filled, finalised

LONDON = ZoneInfo("Europe/London")
NOW = dt.datetime(2026, 6, 10, 11, 0, tzinfo=LONDON)  # a Wednesday, no bank holiday near
TODAY = NOW.date()

settings.register_profile(
    "bad-input",
    max_examples=int(os.environ.get("BAD_INPUT_EXAMPLES", "25")),
    deadline=None,
    # The same examples every run by default, so CI is repeatable; BAD_INPUT_RANDOM=1 explores.
    derandomize=not os.environ.get("BAD_INPUT_RANDOM"),
    database=None,
    suppress_health_check=[
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
        HealthCheck.large_base_example,
    ],
)
BAD_INPUT = settings.get_profile("bad-input")


# The data every example works on --------------------------------------------------------------


def build_world() -> SimpleNamespace:
    """The personas and one of each record a form acts on, each in the state its form needs."""
    w = SimpleNamespace()
    w.protocol = install_presets(active="gloucestershire")["gloucestershire"]
    directorate = OrgUnitFactory(name="Children's Services", kind=OrgUnit.Kind.DIRECTORATE)
    service = OrgUnitFactory(name="Children in Care", parent=directorate)
    reviewing = OrgUnitFactory(name="Reviewing Service", parent=directorate)
    reviewing.is_reviewing_service = True
    reviewing.save()
    w.team_manager = UserFactory(full_name="Tom Manager", roles=[RoleCode.TEAM_MANAGER])
    team = TeamFactory(name="Children in Care North", unit=service, manager=w.team_manager)
    w.team_manager.team = team
    w.team_manager.save()
    iro_team = TeamFactory(name="IRO Team", unit=reviewing, kind=Team.Kind.REVIEWING)
    w.social_worker = UserFactory(
        full_name="Sam Worker",
        roles=[RoleCode.SOCIAL_WORKER],
        team=team,
        line_manager=w.team_manager,
    )
    w.iro = UserFactory(full_name="Ira Reviewer", roles=[RoleCode.IRO], team=iro_team)
    w.head_of_service = PostFactory(
        unit=service,
        role=RoleFactory(code=RoleCode.HEAD_OF_SERVICE),
        holder=UserFactory(full_name="Hana Head", roles=[RoleCode.HEAD_OF_SERVICE]),
    ).holder
    w.service_manager = UserFactory(
        full_name="Sian Service", roles=[RoleCode.REVIEWING_SERVICE_MANAGER]
    )
    w.outsider = UserFactory(full_name="Olly Outsider")

    def allocated(**kwargs):
        return allocate(
            ChildFactory(**kwargs),
            team=team,
            social_worker=w.social_worker,
            reviewing_officer=w.iro,
        )

    w.child = allocated(first_name="Amara", last_name="Okafor")
    # Stored text people really paste (Word's line break is a vertical tab), for every list and
    # download to show: right-to-left marks, emoji, a formula.
    w.awkward_child = allocated(
        first_name="Zoë\x0b😀 \u202eO'Brien",
        last_name='=HYPERLINK("x")<b>',
        reference="\u200fLCS\x0c-1",
    )
    w.restricted_child = allocated(first_name="Rory", last_name="Hidden", restricted=True)
    _concerns(w)
    _reviews(w)
    _qaprs(w)
    w.notification = Notification.objects.filter(recipient=w.iro).order_by("pk").first()
    w.foreign_ids = sorted(
        {
            w.outsider.pk,
            w.restricted_child.pk,
            w.referred.pk,
            w.qapr_final.pk,
            w.step_circulated.pk,
            *ProtocolCategory.objects.exclude(protocol=w.protocol).values_list("pk", flat=True)[:2],
        }
    )
    return w


def _concerns(w) -> None:
    category = ProtocolCategory.objects.filter(protocol=w.protocol).first()
    w.draft = concern_services.concern_create_draft(
        raised_by=w.iro, children=[w.child], title="Plan drifting", start_level=1
    )
    w.draft_sub = concern_services.sub_concern_add(
        concern=w.draft,
        by=w.iro,
        category=category,
        description="No permanence plan",
        impact_on_child="Uncertainty about where she will live",
    )
    w.attachment = concern_services.attachment_add(
        concern=w.draft,
        by=w.iro,
        upload=SimpleUploadedFile("plan.pdf", b"%PDF-1.4", content_type="application/pdf"),
    )
    w.live_task = raised_task(
        w.iro, [w.child, w.awkward_child], delegate_to=w.team_manager, title="Drift\x0b😀"
    )
    w.live_stage = w.live_task.stage
    w.live = w.live_stage.concern
    w.live_action = concern_services.action_add(
        concern=w.live,
        by=w.iro,
        description="Book a permanence meeting",
        due_on=TODAY + dt.timedelta(days=7),
        owner=w.team_manager,
    )
    answered = raised_task(w.iro, [w.child], delegate_to=w.team_manager)
    w.answered_task = concern_services.task_respond(
        task=answered,
        by=w.team_manager,
        lock_version=answered.lock_version,
        response_option=None,
        response="We will hold a meeting",
    )
    # Formal stage 3 goes to the Assistant Director, who may pass it on and take it back.
    w.assistant_director = UserFactory(
        full_name="Ada Director", roles=[RoleCode.ASSISTANT_DIRECTOR]
    )
    w.passable_task = raised_task(w.iro, [w.child], delegate_to=w.assistant_director, level=3)
    to_pass = raised_task(w.iro, [w.child], delegate_to=w.assistant_director, level=3)
    w.passed_task = concern_services.task_pass_on(
        task=to_pass,
        by=w.assistant_director,
        lock_version=to_pass.lock_version,
        assignee=w.head_of_service,
        note="Please answer this",
    )
    referred = raised_task(w.iro, [w.child], delegate_to=w.team_manager).stage.concern
    referred.refresh_from_db()
    concern_services.stage_record_outcome(
        concern=referred,
        by=w.iro,
        lock_version=referred.lock_version,
        outcome=Outcome.REFER_CAFCASS,
        comments="Referred",
        legal_advice_sought=True,
        cafcass_considered=True,
        outcome_on=TODAY,
        cafcass_consulted=w.service_manager,
        cafcass_consulted_on=TODAY,
    )
    w.referred = referred


def _reviews(w) -> None:
    case_services.key_date_record(
        child=w.child, by=w.iro, kind=KeyDate.Kind.CAME_INTO_CARE, on=dt.date(2025, 1, 6)
    )
    review = case_services.review_record(
        child=w.child, by=w.iro, kind=Review.Kind.CIC_REVIEW, held_on=TODAY - dt.timedelta(days=2)
    )
    w.step_circulated = review.steps.get(kind=ReviewStep.Kind.DECISIONS_CIRCULATED)
    w.step_considered = review.steps.get(kind=ReviewStep.Kind.DECISIONS_CONSIDERED)
    w.planned_visit = PlannedStep.objects.get(
        planned__child=w.child, planned__closed_on__isnull=True, kind=PlannedStep.Kind.IRO_VISIT
    )
    w.change = case_services.significant_change_record(
        child=w.child,
        by=w.social_worker,
        kind=case_services.change_kinds_for(w.child)[0],
        occurred_on=TODAY,
        details="Placement ending",
    )


def _qaprs(w) -> None:
    w.qapr_final = finalised(w.iro, w.child)
    w.recommendation = qapr_services.recommendation_add(
        qapr=w.qapr_final,
        by=w.iro,
        text="Update the care plan",
        owner=w.team_manager,
        due_on=TODAY + dt.timedelta(days=14),
    )
    w.qapr_draft = filled(w.iro, w.child)


# The pages that take input ---------------------------------------------------------------------

FORM, BUTTON, UPLOAD, QUERY, SIGN_IN = "form", "button", "upload", "query", "sign-in"
DOWNLOAD_PARAMS = ("format", "page")
REPORT_PARAMS = ("format", "table")


@dataclass(frozen=True)
class Target:
    """One page to send bad input to.

    `kind`: FORM (read the form on the GET page, then POST), UPLOAD (a form with a file),
    BUTTON (a POST with nothing to fill in), QUERY (a GET whose query parameters are the
    input), SIGN_IN (the sign-in form, signed out). `params` are query parameters a QUERY
    page reads besides those in its filter form.
    """

    label: str
    url_name: str
    persona: str
    args: Callable[[SimpleNamespace], list] = lambda w: []
    kind: str = FORM
    query: Callable[[SimpleNamespace], dict] = lambda w: {}
    params: tuple[str, ...] = ()

    def path(self, w) -> str:
        path = reverse(self.url_name, args=self.args(w))
        query = self.query(w)
        return f"{path}?{urlencode(query)}" if query else path


TARGETS = [
    # Your own account: changing the password, setting up two-factor codes
    Target("password_change", "password_change", "iro"),
    Target("two_factor_set_up", "two_factor_set_up", "iro"),
    Target("session_keep_alive", "session_keep_alive", "iro", kind=BUTTON),
    Target(
        "attachment_remove",
        "escalations:attachment_remove",
        "iro",
        lambda w: [w.draft.pk, w.attachment.pk],
    ),
    # Raising a concern: the draft's sections
    Target(
        "concern_start",
        "escalations:concern_start",
        "iro",
        query=lambda w: {"child": w.child.pk},
    ),
    Target(
        "concern_start_child",
        "escalations:concern_start",
        "iro",
        kind=QUERY,
        query=lambda w: {"child": w.child.pk},
    ),
    Target("concern_edit", "escalations:concern_edit", "iro", lambda w: [w.draft.pk]),
    Target("sub_concern_add", "escalations:sub_concern_add", "iro", lambda w: [w.draft.pk]),
    Target(
        "sub_concern_remove",
        "escalations:sub_concern_remove",
        "iro",
        lambda w: [w.draft.pk, w.draft_sub.pk],
    ),
    Target("discussion_add", "escalations:discussion_add", "iro", lambda w: [w.draft.pk]),
    Target("action_add", "escalations:action_add", "iro", lambda w: [w.draft.pk]),
    Target(
        "action_done",
        "escalations:action_done",
        "iro",
        lambda w: [w.live.pk, w.live_action.pk],
    ),
    Target(
        "action_edit", "escalations:action_edit", "iro", lambda w: [w.live.pk, w.live_action.pk]
    ),
    Target(
        "action_remove",
        "escalations:action_remove",
        "iro",
        lambda w: [w.live.pk, w.live_action.pk],
    ),
    Target(
        "attachment_add", "escalations:attachment_add", "iro", lambda w: [w.draft.pk], kind=UPLOAD
    ),
    Target("concern_raise", "escalations:concern_raise", "iro", lambda w: [w.draft.pk]),
    Target("draft_withdraw", "escalations:draft_withdraw", "iro", lambda w: [w.draft.pk]),
    # The raiser's decisions and the manager's task
    Target("outcome_record", "escalations:outcome_record", "iro", lambda w: [w.live.pk]),
    Target("referral_close", "escalations:referral_close", "iro", lambda w: [w.referred.pk]),
    Target(
        "stage_redelegate",
        "escalations:stage_redelegate",
        "iro",
        lambda w: [w.live.pk, w.live_stage.pk],
    ),
    Target("task_detail", "escalations:task_detail", "team_manager", lambda w: [w.live_task.pk]),
    Target("task_retract", "escalations:task_retract", "iro", lambda w: [w.live_task.pk]),
    Target("task_reactivate", "escalations:task_reactivate", "iro", lambda w: [w.answered_task.pk]),
    Target(
        "task_pass_on",
        "escalations:task_pass_on",
        "assistant_director",
        lambda w: [w.passable_task.pk],
    ),
    Target(
        "task_take_back",
        "escalations:task_take_back",
        "assistant_director",
        lambda w: [w.passed_task.pk],
    ),
    # Notes
    Target("good_practice_new", "escalations:good_practice_new", "iro"),
    Target(
        "good_practice_new_child",
        "escalations:good_practice_new",
        "iro",
        kind=QUERY,
        query=lambda w: {"child": w.child.pk},
    ),
    Target("agency_note_new", "escalations:agency_note_new", "iro", lambda w: [w.child.pk]),
    # Reviews, key dates and significant changes
    Target("review_new", "cases:review_new", "iro", lambda w: [w.child.pk]),
    Target("key_date_new", "cases:key_date_new", "iro", lambda w: [w.child.pk]),
    Target("change_new", "cases:change_new", "social_worker", lambda w: [w.child.pk]),
    Target("change_decide", "cases:change_decide", "iro", lambda w: [w.change.pk]),
    Target(
        "reviewer_allocate", "cases:reviewer_allocate", "service_manager", lambda w: [w.child.pk]
    ),
    Target(
        "step_complete_circulated", "cases:step_complete", "iro", lambda w: [w.step_circulated.pk]
    ),
    Target(
        "step_complete_considered",
        "cases:step_complete",
        "team_manager",
        lambda w: [w.step_considered.pk],
    ),
    Target(
        "planned_step_complete",
        "cases:planned_step_complete",
        "iro",
        lambda w: [w.planned_visit.pk],
    ),
    # QAPRs
    Target("qapr_start", "qapr:qapr_start", "iro", lambda w: [w.child.pk], kind=BUTTON),
    Target("qapr_edit", "qapr:qapr_edit", "iro", lambda w: [w.qapr_draft.pk]),
    Target("qapr_concern", "qapr:qapr_concern", "iro", lambda w: [w.qapr_draft.pk]),
    Target("recommendation_add", "qapr:recommendation_add", "iro", lambda w: [w.qapr_draft.pk]),
    Target(
        "recommendation_done", "qapr:recommendation_done", "iro", lambda w: [w.recommendation.pk]
    ),
    Target("qapr_finalise", "qapr:qapr_finalise", "iro", lambda w: [w.qapr_draft.pk]),
    Target("qapr_reopen", "qapr:qapr_reopen", "service_manager", lambda w: [w.qapr_final.pk]),
    # Notifications and signing in and out
    Target("notification_settings", "notifications:notification_settings", "iro"),
    Target(
        "notification_mark_all_read", "notifications:notification_mark_all_read", "iro", kind=BUTTON
    ),
    Target("login", "login", "", kind=SIGN_IN),
    Target("logout", "logout", "iro", kind=BUTTON),
    # Lists, reports and their downloads
    Target("concern_list", "escalations:concern_list", "iro", kind=QUERY, params=DOWNLOAD_PARAMS),
    Target("weekly_clinic", "escalations:weekly_clinic", "iro", kind=QUERY, params=("format",)),
    # ?format=pdf: the same page as a PDF, with the same filters (its link is on the page).
    Target(
        "child_chronology",
        "cases:child_chronology",
        "iro",
        lambda w: [w.child.pk],
        kind=QUERY,
        params=("format",),
    ),
    Target(
        "task_inbox", "escalations:task_inbox", "team_manager", kind=QUERY, params=DOWNLOAD_PARAMS
    ),
    Target(
        "good_practice_list", "escalations:good_practice_list", "iro", kind=QUERY, params=("page",)
    ),
    Target("child_list", "cases:child_list", "iro", kind=QUERY, params=DOWNLOAD_PARAMS),
    Target(
        "reviews_due", "cases:reviews_due", "iro", kind=QUERY, params=("show", *DOWNLOAD_PARAMS)
    ),
    Target("qapr_due", "qapr:qapr_due", "iro", kind=QUERY, params=("show", *DOWNLOAD_PARAMS)),
    Target(
        "recommendation_list",
        "qapr:recommendation_list",
        "iro",
        kind=QUERY,
        params=DOWNLOAD_PARAMS,
    ),
    Target(
        "notification_list",
        "notifications:notification_list",
        "iro",
        kind=QUERY,
        params=("page",),
    ),
    Target(
        "dashboard",
        "dashboards:dashboard",
        "service_manager",
        kind=QUERY,
        params=REPORT_PARAMS,
    ),
    Target(
        "figure_list",
        "dashboards:figure_list",
        "service_manager",
        kind=QUERY,
        query=lambda w: {"figure": "qaprs", "of": "good"},
        params=("page",),
    ),
    Target("themes", "reports:themes", "service_manager", kind=QUERY, params=REPORT_PARAMS),
    Target(
        "clinic_pack", "reports:clinic_pack", "service_manager", kind=QUERY, params=REPORT_PARAMS
    ),
    Target("annual", "reports:annual", "service_manager", kind=QUERY, params=REPORT_PARAMS),
]


@dataclass(frozen=True)
class NoInput:
    """A page that reads nothing from the request but the record in its address (an <int:>
    path converter, so a bad one never reaches the view)."""

    why: str
    persona: str = "iro"
    args: Callable[[SimpleNamespace], list] = lambda w: []
    # What the page answers without a query string; with junk added it must answer the same.
    answers: tuple[int, ...] = (200, 302, 503)


# test_pages_with_no_input_ignore_the_query checks that they do ignore a query string.
NO_INPUT = {
    "home": NoInput("the start page: links by role"),
    # Administrators only (the IRO gets 403 whatever the query); the files and their bad
    # contents are tried in tests/imports.
    "imports:import_start": NoInput("the upload page", answers=(403,)),
    "imports:import_confirm": NoInput("takes only a POST", answers=(403, 405)),
    "imports:template_download": NoInput("a template", answers=(403,)),
    # The IRO is refused before the run is looked up, so any number stands for one.
    "imports:import_progress": NoInput(
        "a background import's progress", answers=(403,), args=lambda w: [1]
    ),
    "health": NoInput("JSON status for the load balancer", persona=""),
    # GOV.UK Notify's delivery receipts: a JSON POST with a bearer token, nothing else (a GET is
    # 405). Forged and malformed receipts are tried in tests/notifications/test_notify.py.
    "notifications:notify_receipt": NoInput(
        "GOV.UK Notify's receipts: a JSON POST only", persona="", answers=(405,)
    ),
    "accessibility": NoInput("the accessibility statement", persona=""),
    "escalations:concern_detail": NoInput("the concern's page", args=lambda w: [w.live.pk]),
    # The answers it checks were kept from the raise form, which is a target itself.
    "escalations:concern_raise_check": NoInput(
        "checks the answers kept from the raise form", args=lambda w: [w.draft.pk]
    ),
    "escalations:attachment_download": NoInput(
        "sends the stored file", args=lambda w: [w.draft.pk, w.attachment.pk]
    ),
    "cases:child_detail": NoInput("the child's page", args=lambda w: [w.child.pk]),
    "escalations:safeguarding_contact": NoInput(
        "no immediate safeguarding concern here: not found",
        args=lambda w: [w.live.pk],
        answers=(404,),
    ),
    "cases:child_reviews": NoInput("the child's reviews page", args=lambda w: [w.child.pk]),
    "qapr:qapr_detail": NoInput("the QAPR's page", args=lambda w: [w.qapr_final.pk]),
    "notifications:notification_detail": NoInput("one message", args=lambda w: [w.notification.pk]),
    "notifications:notification_open": NoInput(
        "marks read and follows the stored link", args=lambda w: [w.notification.pk]
    ),
    "account": NoInput("your account: links to its settings"),
    "session_status": NoInput("JSON: how long the session has left"),
    "two_factor_backup_codes": NoInput("shows new backup codes, or back to your account"),
    "two_factor_turn_off": NoInput("without a device: back to your account"),
    "two_factor_verify": NoInput("the code step: only after a password, else back"),
    "oidc_authentication_init": NoInput("single sign-on, off here: not found", answers=(404,)),
    "oidc_authentication_callback": NoInput("single sign-on, off here: not found", answers=(404,)),
    # The audit pages are for the reviewing service's managers and administrators.
    "cases:child_audit": NoInput(
        "the child's audit trail", persona="service_manager", args=lambda w: [w.child.pk]
    ),
    "escalations:concern_audit": NoInput(
        "the concern's audit trail", persona="service_manager", args=lambda w: [w.live.pk]
    ),
}


def _our_url_names() -> set[str]:
    """Every named URL of our apps (Django's admin is its own and left out)."""
    names = set()

    def walk(patterns, namespace):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                # The API's bad input is tried against its schema (tests/api, schemathesis);
                # SCIM's, which is outside that schema, in tests/api/test_scim.py.
                if pattern.namespace in ("admin", "api", "scim"):
                    continue
                inner = pattern.namespace or namespace
                prefix = f"{inner}:" if inner else ""
                walk(pattern.url_patterns, prefix[:-1] if prefix else namespace)
            elif isinstance(pattern, URLPattern) and pattern.name in ("api_docs", "api_schema"):
                continue
            elif isinstance(pattern, URLPattern) and pattern.name:
                names.add(f"{namespace}:{pattern.name}" if namespace else pattern.name)

    walk(get_resolver().url_patterns, "")
    return names


def test_every_url_is_a_target_or_has_no_input():
    targeted = {target.url_name for target in TARGETS}
    assert not targeted & set(NO_INPUT), "a URL is both a target and listed as taking no input"
    missing = _our_url_names() - targeted - set(NO_INPUT)
    assert not missing, f"add these URLs to TARGETS or NO_INPUT: {sorted(missing)}"
    unknown = (targeted | set(NO_INPUT)) - _our_url_names()
    assert not unknown, f"these URLs no longer exist: {sorted(unknown)}"
    assert len({target.label for target in TARGETS}) == len(TARGETS), "labels must be unique"


# Reading a form off its page -------------------------------------------------------------------

TEXT, CHOICE, MULTI, HIDDEN, LOCK, DATE, FILE, BUTTON_FIELD = (
    "text",
    "choice",
    "multi",
    "hidden",
    "lock",
    "date",
    "file",
    "button",
)


@dataclass
class Field:
    name: str
    kind: str
    options: list[str] = field(default_factory=list)
    initial: list[str] = field(default_factory=list)

    def valid(self) -> list[str]:
        """What a person filling the form in sensibly would send."""
        if self.kind == DATE:
            if all(self.initial):
                return self.initial
            return [str(TODAY.day), str(TODAY.month), str(TODAY.year)]
        if self.kind in (HIDDEN, LOCK, BUTTON_FIELD):
            return self.initial[:1]
        if self.kind == TEXT:
            return [self.initial[0] if self.initial and self.initial[0] else "Plain words"]
        chosen = [value for value in self.initial if value]
        if chosen:
            return chosen if self.kind == MULTI else chosen[:1]
        return [option for option in self.options if option][:1]


class FormReader(HTMLParser):
    """The fields of the page's own forms (those posting to the page, not the sign-out form)."""

    def __init__(self, path: str, method: str):
        super().__init__(convert_charrefs=True)
        self.path, self.method = path, method
        self.fields: dict[str, Field] = {}
        self.inside = False
        self.select: Field | None = None
        self.textarea: Field | None = None

    def handle_starttag(self, tag, attrs):
        a = {key: value or "" for key, value in attrs}
        if tag == "form":
            action = a.get("action", "")
            same_page = action in ("", self.path) or self.path.startswith(action + "?")
            self.inside = same_page and a.get("method", "get").lower() == self.method
            return
        if not self.inside or not a.get("name"):
            if tag == "option" and self.inside and self.select is not None:
                self._option(a)
            return
        name = a["name"]
        if tag == "input":
            self._input(name, a)
        elif tag == "select":
            self.select = self._field(name, MULTI if "multiple" in a else CHOICE)
        elif tag == "textarea":
            self.textarea = self._field(name, TEXT)
            self.textarea.initial = [""]
        elif tag == "button":
            self._field(name, BUTTON_FIELD).initial.append(a.get("value", ""))

    def _input(self, name, a):
        kind = a.get("type", "text").lower()
        if kind in ("radio", "checkbox"):
            found = self._field(name, CHOICE if kind == "radio" else MULTI)
            found.options.append(a.get("value", "on"))
            if "checked" in a:
                found.initial.append(a.get("value", "on"))
        elif kind == "hidden":
            self._field(name, LOCK if name.endswith("lock_version") else HIDDEN).initial = [
                a.get("value", "")
            ]
        elif kind == "submit":
            self._field(name, BUTTON_FIELD).initial.append(a.get("value", ""))
        elif kind == "file":
            self._field(name, FILE)
        else:
            self._field(name, TEXT).initial = [a.get("value", "")]

    def _option(self, a):
        self.select.options.append(a.get("value", ""))
        if "selected" in a:
            self.select.initial.append(a.get("value", ""))

    def _field(self, name, kind) -> Field:
        return self.fields.setdefault(name, Field(name, kind))

    def handle_data(self, data):
        if self.textarea is not None:
            self.textarea.initial[0] += data

    def handle_endtag(self, tag):
        if tag == "form":
            self.inside = False
        elif tag == "select":
            self.select = None
        elif tag == "textarea" and self.textarea is not None:
            self.textarea.initial[0] = self.textarea.initial[0].removeprefix("\n")
            self.textarea = None


def read_fields(html: str, path: str, method: str) -> list[Field]:
    """The form's fields, with the GOV.UK date inputs (name_0, name_1, name_2) as one field."""
    reader = FormReader(path, method)
    reader.feed(html)
    fields = dict(reader.fields)
    for name in list(fields):
        stem, _, part = name.rpartition("_")
        parts = [f"{stem}_{n}" for n in range(3)]
        if part == "0" and all(p in fields for p in parts):
            initial = [(fields.pop(p).initial or [""])[0] for p in parts]
            fields[stem] = Field(stem, DATE, initial=initial)
    return list(fields.values())


def download_links(html: str, path: str) -> list[str]:
    """Every download link on a page (?format=csv or xlsx, with a table's name on reports)."""
    hrefs = re.findall(r'href="([^"]*[?&](?:amp;)?format=[^"]*)"', html)
    return sorted({urljoin(path, unescape(href)) for href in hrefs})


# Bad values --------------------------------------------------------------------------------------

OVERSIZED = 100_000
AWKWARD_TEXT = [
    "",
    " ",
    "\x00",
    "a\x00b",
    "\u202eevil\u202c",
    "\u200f\u200e\u200b",
    "\ufeff",
    "😀👨‍👩‍👧",
    "Zoë Ṩ ﬁ e\u0301",
    "\r\n\t",
    "\x0b\x0c\x1b[31m",
    "\ud800",  # lone surrogates: only the url-encoded body can carry them
    "a\udfffb",
    "\uffff\U0010ffff",
    "<script>alert(1)</script>",
    "' OR '1'='1",
    "{{ 7|add:7 }}{% now 'Y' %}",
    "%s%n%x",
    "../../etc/passwd",
    "=cmd|' /C calc'!A0",
    "null",
    "None",
    "true",
]
AWKWARD_NUMBERS = [
    "-1",
    "0",
    "-0",
    "1.5",
    "1e3",
    "1e309",
    "NaN",
    "inf",
    "0x1F",
    "1_000",
    "١٢",
    "１２",
    "½",
    " 1 ",
    "+1",
    "9" * 30,
    "0" * 40 + "1",
]


def oversized() -> st.SearchStrategy[str]:
    return st.builds(
        lambda piece, size: (piece * size)[:size],
        st.sampled_from(["x", "é", "😀", "a\x00", "\u202e b"]),
        st.sampled_from([256, 20_001, OVERSIZED]),
    )


def numbers() -> st.SearchStrategy[str]:
    return st.one_of(
        st.sampled_from(AWKWARD_NUMBERS),
        st.integers(-(10**30), 10**30).map(str),
        st.floats().map(str),
    )


def any_text() -> st.SearchStrategy[str]:
    return st.one_of(
        st.sampled_from(AWKWARD_TEXT),
        st.text(max_size=40),
        st.text(st.characters(codec=None, categories=["Cs", "Cc", "Cf", "So"]), max_size=10),
        oversized(),
        numbers(),
    )


def ids(w) -> st.SearchStrategy[str]:
    """Ids that do not exist, or belong to something else, or are not ids at all."""
    return st.one_of(
        st.sampled_from(w.foreign_ids).map(str),
        st.integers(-(10**25), 10**25).map(str),
        numbers(),
        any_text(),
    )


def date_parts(valid: list[str]) -> st.SearchStrategy[list[str]]:
    """Day, month and year boxes: impossible dates, far-off years, a box not a number (in a
    date that is otherwise fine, so each box's own check is reached)."""
    box = st.one_of(numbers(), st.sampled_from(["31", "30", "29", "13", "00", "", "٣"]))
    return st.one_of(
        st.dates(dt.date(1, 1, 1), dt.date(9999, 12, 31)).map(
            lambda d: [str(d.day), str(d.month), str(d.year)]
        ),
        st.tuples(
            st.sampled_from(["29", "30", "31", "32", "0"]),
            st.sampled_from(["2", "4", "6", "9", "11", "0", "13"]),
            st.sampled_from(["2025", "2026", "2100", "0000", "0001", "9999", "1900"]),
        ).map(list),
        st.tuples(st.sampled_from(range(3)), st.one_of(box, any_text())).map(
            lambda change: [change[1] if n == change[0] else part for n, part in enumerate(valid)]
        ),
        st.tuples(box, box, box).map(list),
    )


def lock_versions(valid: list[str]) -> st.SearchStrategy[str]:
    current = int(valid[0]) if valid and valid[0].isdigit() else 0
    return st.one_of(
        st.sampled_from([str(current - 1), str(current + 1), str(current + 10**20)]),
        numbers(),
        any_text(),
    )


def bad_value(spec: Field, w) -> st.SearchStrategy[str]:
    if spec.kind == LOCK:
        return lock_versions(spec.initial)
    if spec.kind in (CHOICE, MULTI, HIDDEN):
        others = [option for option in spec.options if option] or [""]
        return st.one_of(st.sampled_from(others), ids(w))
    return any_text()


Pairs = list[tuple[str, str]]


def valid_pairs(spec: Field) -> Pairs:
    if spec.kind == DATE:
        return [(f"{spec.name}_{n}", part) for n, part in enumerate(spec.valid())]
    return [(spec.name, value) for value in spec.valid()]


def broken(spec: Field, w) -> st.SearchStrategy[Pairs]:
    """One field sent wrong: a bad value, missing, or repeated where one value is expected."""
    if spec.kind == DATE:
        names = [f"{spec.name}_{n}" for n in range(3)]
        some_boxes = st.lists(st.sampled_from(names), max_size=2, unique=True).map(
            lambda kept: [pair for pair in valid_pairs(spec) if pair[0] in kept]
        )
        whole = date_parts(spec.valid()).map(lambda parts: list(zip(names, parts, strict=True)))
        return st.one_of(whole, some_boxes)
    one_bad = bad_value(spec, w).map(lambda value: [(spec.name, value)])
    repeated = st.lists(
        st.one_of(st.sampled_from(spec.valid() or [""]), bad_value(spec, w)),
        min_size=2,
        max_size=3,
    ).map(lambda values: [(spec.name, value) for value in values])
    return st.one_of(one_bad, st.just([]), repeated)


def extra_fields() -> st.SearchStrategy[Pairs]:
    names = st.one_of(
        st.sampled_from(["id", "pk", "state", "raised_by", "is_staff", "csrfmiddlewaretoken"]),
        st.text(min_size=1, max_size=20),
    )
    return st.lists(st.tuples(names, any_text()), max_size=3)


def submissions(fields: list[Field], w) -> st.SearchStrategy[Pairs]:
    """A whole submission, with extra fields: one field broken and the rest valid (so the
    checks after it, and the service behind the form, are reached), or every field kept or
    broken at random, or all valid."""
    specs = [spec for spec in fields if spec.kind != FILE]
    if not specs:
        return extra_fields()
    valid = [valid_pairs(spec) for spec in specs]

    def break_one(index: int) -> st.SearchStrategy[list[Pairs]]:
        return broken(specs[index], w).map(
            lambda pairs: [pairs if n == index else kept for n, kept in enumerate(valid)]
        )

    anything = st.tuples(
        *(st.one_of(st.just(valid_pairs(spec)), broken(spec, w)) for spec in specs)
    ).map(list)
    chosen = st.one_of(
        st.sampled_from(range(len(specs))).flatmap(break_one), anything, st.just(valid)
    )
    return st.tuples(chosen, extra_fields()).map(
        lambda parts: [pair for pairs in parts[0] for pair in pairs] + parts[1]
    )


def query_fields(fields: list[Field], target: Target, w) -> list[Field]:
    """A query page's parameters: its filter form's fields, those it reads besides, and those
    in its own address (kept valid in the baseline)."""
    known = {spec.name for spec in fields}
    for name, value in target.query(w).items():
        if name not in known:
            fields.append(Field(name, CHOICE, options=[str(value)], initial=[str(value)]))
            known.add(name)
    extra = {
        "format": ["csv", "xlsx", "pdf", "CSV", ""],
        "page": ["1", "2", "last", "0", "-1", "99999"],
        "table": ["open_by_stage", "by_team", "nope", ""],
        "show": ["mine", "team", "all", "waiting"],
    }
    for name in target.params:
        if name not in known:
            fields.append(Field(name, CHOICE, options=extra[name]))
    return fields


# Sending and judging ---------------------------------------------------------------------------


def encode(pairs: list[tuple[str, str]]) -> str:
    """Url-encoded as a browser would; lone surrogates go as the bytes they would be, which are
    not valid UTF-8 (the test client's own encoder refuses them)."""
    return urlencode(pairs, encoding="utf-8", errors="surrogatepass")


def without_surrogates(text: str) -> str:
    return text.encode("utf-8", "replace").decode("utf-8")


def assert_handled(response, *, form: bool) -> None:
    """Never a 500: a redirect, a refusal, or a page; a form page shown again has errors."""
    status = response.status_code
    assert status in (200, 302, 400, 403, 404), f"status {status}"
    if status != 200:
        return
    content_type = response.get("Content-Type", "")
    if "spreadsheetml" in content_type:
        openpyxl.load_workbook(io.BytesIO(response.content))  # a file Excel can open
        return
    if content_type.startswith("text/csv"):
        response.content.decode("utf-8")
        return
    if content_type == "application/pdf":
        pypdf.PdfReader(io.BytesIO(response.content)).pages[0].extract_text()  # a PDF that opens
        return
    html = response.content.decode()
    assert "</html>" in html
    has_summary = 'class="govuk-error-summary"' in html
    if form:
        assert has_summary, "a form shown again without the GOV.UK error summary"
    if has_summary:
        assert "<title>Error: " in html, "the error summary without 'Error: ' in the title"
        summary = html.split('class="govuk-error-summary"', 1)[1].split("</ul>", 1)[0]
        assert "<li>" in summary, "an empty error summary"


# Every field given each of these at once, one request a round: each field's own checks meet
# the values most likely to break them, whatever hypothesis happens to draw.
EDGE_ROUNDS = 12
EDGE_TEXT = [
    "\x00",
    "a\x00b",
    "x" * OVERSIZED,
    "\ud800",
    "😀\u202eevil\u200f",
    "\x0b\x0c\x1b",
    "   ",
    "9" * 30,
    "-1",
    "<script>alert(1)</script>",
    "{{ 7|add:7 }}",
    "=cmd|' /C calc'!A0",
]
EDGE_ID = ["\x00", "9" * 30, "-1", "0", "1.5", "abc", "1\x00", "\ud800", " 1", "9" * OVERSIZED]
EDGE_DATES = [
    ("1", "9" * 30, "2026"),
    ("9" * 30, "1", "2026"),
    ("31", "2", "2026"),
    ("29", "2", "2025"),
    ("0", "0", "0000"),
    ("1", "1", "0001"),
    ("31", "12", "9999"),
    ("-1", "-1", "-1"),
    ("٣", "٣", "٢٠٢٦"),
    ("\x00", "1", "2026"),
    ("1", "1", "1e3"),
    ("", "6", ""),
]


def edge_pairs(spec: Field, n: int, w) -> Pairs:
    if spec.kind == DATE:
        parts = EDGE_DATES[n % len(EDGE_DATES)]
        return [(f"{spec.name}_{box}", part) for box, part in enumerate(parts)]
    if spec.kind in (CHOICE, MULTI, HIDDEN, LOCK):
        values = [*EDGE_ID, *map(str, w.foreign_ids)]
        value = values[n % len(values)]
    else:
        value = EDGE_TEXT[n % len(EDGE_TEXT)]
    # Every third round sends each field twice, the second time valid.
    return [(spec.name, value), *valid_pairs(spec)[:1]] if n % 3 == 2 else [(spec.name, value)]


def edge_rounds(fields: list[Field], w) -> list[Pairs]:
    specs = [spec for spec in fields if spec.kind != FILE]
    rounds = [
        [pair for spec in specs for pair in edge_pairs(spec, n, w)] for n in range(EDGE_ROUNDS)
    ]
    return [*rounds, []]  # and nothing at all


EDGE_FILES = [
    ("empty.pdf", b""),
    ("virus.exe", b"MZ"),
    ("\x00.pdf", b"%PDF"),
    ("😀.pdf", b"%PDF"),
    (".pdf", b"%PDF"),
    ("../../etc/passwd.pdf", b"%PDF"),
    ("x" * 300 + ".pdf", b"%PDF"),
    ("\u202efdp.exe", b"MZ"),
    ("CON.pdf", b"%PDF"),
    ("a<b>:c|d?.pdf", b"%PDF"),
]


@time_machine.travel(NOW, tick=False)
class BadInputTests(TestCase):
    """Two tests per target (added below from TARGETS): the edge rounds, then hypothesis."""

    fields: dict[str, list[Field]] = {}
    links: dict[str, list[str]] = {}

    @classmethod
    def setUpTestData(cls):
        cls.w = build_world()

    def target_fields(self, target: Target) -> list[Field]:
        """The form's fields, read once from its page (inside the first example's rollback)."""
        if target.label not in self.fields:
            path = target.path(self.w)
            self.sign_in(target)
            page = self.client.get(path)
            assert page.status_code == 200, f"{path} gave {page.status_code}"
            method = "get" if target.kind == QUERY else "post"
            html = page.content.decode()
            found = read_fields(html, path, method)
            self.links[target.label] = download_links(html, path)
            if target.kind == QUERY:
                found = query_fields(found, target, self.w)
            assert found or target.kind == QUERY, f"no form found on {path}"
            self.fields[target.label] = found
        return self.fields[target.label]

    def test_pages_with_no_input_ignore_the_query(self):
        junk = "?" + encode(
            [("page", "\x00"), ("format", "xlsx"), ("child", "\ud800"), ("q", "x" * OVERSIZED)]
        )
        for name, page in NO_INPUT.items():
            path = reverse(name, args=page.args(self.w))
            with self.subTest(name), transaction.atomic():
                if page.persona:
                    self.client.force_login(getattr(self.w, page.persona))
                plain = self.client.get(path).status_code
                assert plain in page.answers, f"{path} gave {plain}"
                assert self.client.get(path + junk).status_code == plain
                transaction.set_rollback(True)

    def sign_in(self, target: Target) -> None:
        if target.persona:
            self.client.force_login(getattr(self.w, target.persona))

    def check_random(self, target: Target, data) -> None:
        """One hypothesis example: a drawn submission."""
        if target.kind == BUTTON:
            self.check(target, data.draw(extra_fields(), label="post"))
            return
        pairs = data.draw(submissions(self.target_fields(target), self.w), label="sent")
        upload = data.draw(uploads(), label="file") if target.kind == UPLOAD else None
        self.check(target, pairs, upload)

    def check_edges(self, target: Target) -> None:
        """Every edge round, each rolled back."""
        if target.kind == BUTTON:
            rounds = [[("x", value)] for value in EDGE_TEXT]
        else:
            rounds = edge_rounds(self.target_fields(target), self.w)
        for n, pairs in enumerate(rounds):
            upload = None
            if target.kind == UPLOAD:
                name, content = EDGE_FILES[n % len(EDGE_FILES)]
                upload = SimpleUploadedFile(name, content, content_type="application/pdf")
            with self.subTest(round=n), transaction.atomic():
                self.check(target, pairs, upload)
                transaction.set_rollback(True)
        # The downloads as the page offers them, of data with awkward characters in it.
        for link in self.links.get(target.label, []):
            with self.subTest(link=link):
                response = self.client.get(link)
                assert response.status_code == 200, f"{link} gave {response.status_code}"
                assert "attachment" in response.get("Content-Disposition", ""), link
                assert_handled(response, form=False)

    def check(self, target: Target, pairs: Pairs, upload=None) -> None:
        self.sign_in(target)
        path = target.path(self.w)
        if target.kind == QUERY:
            bare = path.split("?", 1)[0]
            response = self.client.get(f"{bare}?{encode(pairs)}" if pairs else bare)
            assert_handled(response, form=False)
        elif target.kind == BUTTON:
            response = self.post(path, pairs)
            if response.get("Content-Type", "").startswith("application/json"):
                # A script's endpoint (keep-alive): extra fields are ignored, the answer is JSON.
                assert response.status_code == 200, response.status_code
                json.loads(response.content)
            else:
                assert response.status_code in (302, 400, 403, 404), response.status_code
        elif target.kind == UPLOAD:
            assert_handled(self.upload(path, pairs, upload), form=True)
        else:
            assert_handled(self.post(path, pairs), form=True)

    def post(self, path, pairs):
        return self.client.post(
            path, data=encode(pairs), content_type="application/x-www-form-urlencoded"
        )

    def upload(self, path, pairs, upload):
        # Multipart, as browsers send files; its encoder cannot carry lone surrogates.
        data: dict[str, list] = {}
        for name, value in pairs:
            data.setdefault(without_surrogates(name), []).append(without_surrogates(value))
        if upload is not None:
            data["file"] = upload
        return self.client.post(path, data=data)


def uploads() -> st.SearchStrategy[SimpleUploadedFile | None]:
    names = st.tuples(
        st.one_of(st.sampled_from(AWKWARD_TEXT), st.text(max_size=30), oversized()),
        st.sampled_from([".pdf", ".PDF", ".docx", ".exe", "", ".pdf.exe", ". pdf", ".pdf\x00"]),
    ).map(lambda parts: without_surrogates(parts[0] + parts[1]))
    # A name the test client itself refuses to send (nothing left after the last "/") is out.
    names = names.filter(lambda name: os.path.basename(name) not in ("", ".", ".."))
    content = st.one_of(st.binary(max_size=64), st.just(b""), st.just(b"%PDF-1.4\n%%EOF"))
    files = st.builds(
        lambda name, body, kind: SimpleUploadedFile(name, body, content_type=kind),
        names,
        content,
        st.sampled_from(["application/pdf", "text/html", "", "application/x-msdownload"]),
    )
    return st.one_of(st.none(), files)


def _tests_for(target: Target):
    @BAD_INPUT
    @given(data=st.data())
    def random_input(self, data):
        self.check_random(target, data)

    def edges(self):
        self.check_edges(target)

    for test, name, what in (
        (edges, f"test_{target.label}_edges", "the edge values"),
        (random_input, f"test_{target.label}_random", "random input"),
    ):
        test.__name__ = test.__qualname__ = name
        test.__doc__ = f"{what.capitalize()} sent to {target.url_name} never give a 500."
        yield name, test


for _target in TARGETS:
    for _name, _test in _tests_for(_target):
        setattr(BadInputTests, _name, _test)


def test_the_table_covers_our_forms_names():
    """The form reader finds fields on a real page (so a broken reader cannot pass silently)."""
    html = (
        '<form method="post" action="/sign-out/"><button name="out">x</button></form>'
        '<form method="post"><input type="hidden" name="lock_version" value="3">'
        '<input name="when_0" value="1"><input name="when_1" value="2"><input name="when_2">'
        '<input type="radio" name="how" value="a"><input type="radio" name="how" value="b" checked>'
        '<select name="who"><option value="">Pick</option><option value="7">Sam</option></select>'
        "<textarea name=note>\nHi</textarea></form>"
    )
    fields = {spec.name: spec for spec in read_fields(html, "/page/", "post")}
    assert set(fields) == {"lock_version", "when", "how", "who", "note"}
    assert fields["lock_version"].valid() == ["3"]
    assert fields["when"].valid() == [str(TODAY.day), str(TODAY.month), str(TODAY.year)]
    assert fields["how"].valid() == ["b"]
    assert fields["who"].valid() == ["7"]
    assert fields["note"].valid() == ["Hi"]
    assert re.search(r"%ED%A0%80", encode([("x", "\ud800")]))


# Regression tests for what the tests above found -----------------------------------------------


def test_a_day_or_month_too_long_for_a_date_is_not_a_real_date(client, gloucestershire, iro, child):
    """int("9" * 30) fits Python but not the C int dt.date takes: it was an OverflowError."""
    box = GovukDateField(subject="The date of the discussion")
    for parts in (["1", "9" * 30, "2026"], ["9" * 30, "1", "2026"]):
        with pytest.raises(ValidationError, match="The date of the discussion must be a real date"):
            box.clean(parts)
    concern = _draft(iro, child, gloucestershire)
    client.force_login(iro)
    response = client.post(
        reverse("escalations:discussion_add", args=[concern.pk]),
        {
            "held_on_0": "1",
            "held_on_1": "9" * 30,
            "held_on_2": "2026",
            "held_with": "Sam Worker",
            "summary": "Agreed a plan",
        },
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "<title>Error: " in page
    assert "The date of the discussion must be a real date" in page


def test_a_control_character_in_stored_text_does_not_break_the_excel_download(
    client, gloucestershire, iro, child, team_manager
):
    """Word's line break is a vertical tab; openpyxl refused the whole sheet over it."""
    raised_task(iro, [child], delegate_to=team_manager, title="Drift\x0bdelay\x1b")
    client.force_login(iro)
    response = client.get(reverse("escalations:concern_list"), {"format": "xlsx"})
    assert response.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    values = [cell.value for row in sheet.iter_rows() for cell in row]
    assert "Drift delay " in values
    csv = client.get(reverse("escalations:concern_list"), {"format": "csv"})
    assert "Drift\x0bdelay\x1b" in csv.content.decode()  # a CSV keeps the text as it was


def test_a_null_character_is_refused_before_it_reaches_the_database(
    client, gloucestershire, iro, child
):
    """PostgreSQL cannot store NUL ('A string literal cannot contain NUL'): every text field
    refuses it with a message, and a search with one falls back to the whole list."""
    concern = _draft(iro, child, gloucestershire)
    category = ProtocolCategory.objects.filter(protocol=gloucestershire).first()
    client.force_login(iro)
    response = client.post(
        reverse("escalations:sub_concern_add", args=[concern.pk]),
        {"category": category.pk, "description": "No plan\x00", "impact_on_child": "Worry"},
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "<title>Error: " in page
    assert "Null characters are not allowed." in page
    assert concern.sub_concerns.count() == 1  # only the one _draft added
    listed = client.get(reverse("cases:child_list"), {"q": "Amara\x00", "show": "all"})
    assert listed.status_code == 200
    assert child.full_name in listed.content.decode()
