"""What each state-changing URL is posted: a valid form for the side's objects.

Each sample is checked by test_post_refusals.py: the persona the matrix allows succeeds with it
(so it really is valid), and everyone refused gets 403 or 404 with it and nothing changes.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable

from django.apps import apps
from django.core.files.uploadedfile import SimpleUploadedFile

from prp.models import ProtocolCategory

from .matrix import FORBIDDEN, NOT_FOUND, OK, SIGN_IN, row
from .world import TODAY, Side, World

N, F, IN = NOT_FOUND, FORBIDDEN, SIGN_IN


def date(prefix: str, day: dt.date) -> dict[str, str]:
    """A GOV.UK date field's three boxes."""
    return {
        f"{prefix}_0": str(day.day),
        f"{prefix}_1": str(day.month),
        f"{prefix}_2": str(day.year),
    }


def _category() -> str:
    category = ProtocolCategory.objects.filter(protocol__is_active=True).order_by("position")
    return str(category.first().pk)


Sample = Callable[[Side, World], dict]

# A valid form for each URL that changes something, built for one side's objects.
VALID: dict[str, Sample] = {
    # The imports (administrators only).
    "imports:import_start": lambda s, w: {"kind": "children"},
    "imports:import_confirm": lambda s, w: {"run": "1"},
    "cases:review_new": lambda s, w: {"kind": "cic_review", **date("held_on", TODAY)},
    "cases:key_date_new": lambda s, w: {"kind": "carer_change", **date("on", TODAY)},
    "cases:change_new": lambda s, w: {
        "kind": "court_order",
        **date("occurred_on", TODAY),
        "details": "Final care order made.",
    },
    "cases:change_decide": lambda s, w: {
        "decision": "no_early_review",
        "reason": "The move was planned and settled.",
        "lock_version": s.change.lock_version,
    },
    "cases:step_complete": lambda s, w: {
        "outcome": "done",
        **date("done_on", TODAY),
        "lock_version": s.step.lock_version,
    },
    "cases:planned_step_complete": lambda s, w: {
        **date("done_on", TODAY),
        "lock_version": s.planned_step.lock_version,
    },
    "escalations:concern_start": lambda s, w: {
        "children": [str(s.child.pk)],
        "title": "Another concern",
        "start_level": "1",
    },
    "escalations:concern_edit": lambda s, w: {
        "children": [str(s.child.pk)],
        "title": "A better title",
        "start_level": "1",
        "lock_version": s.draft.lock_version,
    },
    "escalations:sub_concern_add": lambda s, w: {
        "category": _category(),
        "description": "Contact has stopped.",
        "impact_on_child": "She misses her brother.",
    },
    "escalations:sub_concern_remove": lambda s, w: {},
    "escalations:discussion_add": lambda s, w: {
        **date("held_on", TODAY),
        "held_with": "The team manager",
        "summary": "Agreed to meet.",
    },
    "escalations:action_add": lambda s, w: {
        "description": "Arrange contact",
        "owner": "",
        "owner_name": "Contact supervisor",
        **date("due_on", TODAY + dt.timedelta(days=7)),
    },
    "escalations:action_done": lambda s, w: {
        "lock_version": type(s.action).objects.get(pk=s.action.pk).lock_version
    },
    "escalations:action_edit": lambda s, w: {
        "description": "Arrange contact twice a week",
        "owner": "",
        "owner_name": "Contact supervisor",
        **date("due_on", TODAY + dt.timedelta(days=14)),
        "lock_version": type(s.action).objects.get(pk=s.action.pk).lock_version,
    },
    "escalations:action_remove": lambda s, w: {
        "reason": "Agreed at the review that it is no longer needed",
        "lock_version": type(s.action).objects.get(pk=s.action.pk).lock_version,
    },
    "escalations:safeguarding_contact": lambda s, w: {
        **date("contacted_on", TODAY),
        "contacted_time": "09:00",
        "agreed": "A strategy meeting today",
        "lock_version": 0,
    },
    "cases:reviewer_allocate": lambda s, w: {"officer": str(s.child.reviewing_officer_id)},
    "escalations:attachment_remove": lambda s, w: {
        "lock_version": type(s.concern).objects.get(pk=s.concern.pk).lock_version
    },
    "escalations:attachment_add": lambda s, w: {
        "file": SimpleUploadedFile("note.pdf", b"%PDF-1.4 note", "application/pdf"),
    },
    "escalations:concern_raise": lambda s, w: {
        "how": "delegate",
        "delegate_to": str(s.task.assignee_id),
        "lock_version": s.draft.lock_version,
    },
    # "Raise the concern" sends the answers the check page showed, as hidden fields.
    "escalations:concern_raise_check": lambda s, w: {
        "how": "delegate",
        "delegate_to": str(s.task.assignee_id),
        "lock_version": s.draft.lock_version,
    },
    "escalations:draft_withdraw": lambda s, w: {"lock_version": s.draft.lock_version},
    "escalations:outcome_record": lambda s, w: {
        "outcome": "resolved",
        "comments": "The plan is agreed.",
        "legal_advice_sought": "no",
        "cafcass_considered": "no",
        **date("outcome_on", TODAY),
        "lock_version": s.concern.lock_version,
    },
    "escalations:referral_close": lambda s, w: {
        "outcome": "resolved",
        "comments": "CAFCASS has finished.",
        "lock_version": s.concern.lock_version,
    },
    "escalations:stage_redelegate": lambda s, w: {
        "assignee": str(w.people["social_worker"].pk),
        "note": "Covering while the manager is away.",
        "lock_version": s.concern.lock_version,
    },
    "escalations:task_detail": lambda s, w: {
        "response": "We will hold a planning meeting this week.",
        "actions_agreed": "",
        "lock_version": s.task.lock_version,
    },
    "escalations:task_retract": lambda s, w: {
        "reason": "absent",
        "note": "On leave for a month.",
        "lock_version": s.task.lock_version,
    },
    "escalations:task_reactivate": lambda s, w: {
        **date("due_on", TODAY + dt.timedelta(days=7)),
        "lock_version": s.task.lock_version,
    },
    "escalations:task_pass_on": lambda s, w: {
        "assignee": str(w.people["social_worker"].pk),
        "note": "Please answer this for me.",
        "lock_version": s.task.lock_version,
    },
    "escalations:task_take_back": lambda s, w: {"lock_version": s.task.lock_version},
    "escalations:good_practice_new": lambda s, w: {
        "recipient": str(w.people["social_worker"].pk),
        "category": _category(),
        "note": "Clear, child-centred planning.",
        "impact_on_child": "She knows what is happening.",
        "child": str(s.child.pk),
    },
    "escalations:agency_note_new": lambda s, w: {
        "agency": "The school",
        "level": "informal",
        "summary": "Attendance not shared.",
        **date("recorded_on", TODAY),
    },
    "qapr:qapr_start": lambda s, w: {},
    "qapr:recommendation_done": lambda s, w: {
        **date("done_on", TODAY),
        "note": "Done.",
        "lock_version": s.recommendation.lock_version,
    },
    "qapr:qapr_edit": lambda s, w: {
        "lock_version": s.qapr_draft.lock_version,
        "views_summary": "Saved as a draft.",
        "save": "",
    },
    "qapr:qapr_concern": lambda s, w: {
        "level": "formal",
        "category": _category(),
        "lock_version": s.qapr_draft.lock_version,
    },
    "qapr:recommendation_add": lambda s, w: {
        "text": "Review contact arrangements.",
        "owner": str(s.task.assignee_id),
        **date("due_on", TODAY + dt.timedelta(days=14)),
    },
    "qapr:qapr_finalise": lambda s, w: {"lock_version": s.qapr_draft.lock_version},
    "qapr:qapr_reopen": lambda s, w: {
        "reason": "The grade needs another look.",
        "lock_version": s.qapr.lock_version,
    },
}

# Samples that cannot succeed on these objects even for the persona allowed, with why: the
# refusals are still tried with them.
CANNOT_SUCCEED = {
    "imports:import_start": "an import needs an uploaded file (tests/imports try them)",
    "imports:import_confirm": "there is no previewed run to confirm (tests/imports try it)",
    "escalations:referral_close": "the concern is not with CAFCASS",
    "escalations:task_reactivate": "the task has not been answered yet",
    "escalations:task_pass_on": "the stage does not let its task be passed on",
    "escalations:task_take_back": "nobody passed the task on",
    "escalations:sub_concern_remove": "the only concern of a raised concern cannot be removed",
    "qapr:qapr_finalise": "the draft is not filled in",
    "qapr:qapr_start": "the child already has a draft, which it goes back to",
    "escalations:safeguarding_contact": "the concern is not an immediate safeguarding one",
}

# Who may POST, where it differs from who may open the page: the task page is for everyone who
# sees the concern, the answer only for the assignee; and the URLs that only take POST.
POST_RULES = {
    #                                iro other mgr out sw svc perf admin signed out
    "escalations:task_detail": row(F, N, OK, N, F, F, F, F, IN),
    "escalations:action_done": row(OK, N, F, N, F, OK, F, F, IN),
    "qapr:qapr_start": row(OK, N, F, N, F, F, F, F, IN),
    # Its page (GET) goes back to the form when no answers are kept; "Raise the concern"
    # (POST, with the answers the page showed) raises the raiser's own draft.
    "escalations:concern_raise_check": row(OK, N, N, N, N, N, N, N, IN),
}

# URLs that take a POST from anyone signed in, for their own things only: signing in and out,
# and their own notifications. (The admin's pages are Django's own.)
OPEN_TO_ALL = {
    "login",
    "logout",
    "admin:index",
    # The sign-in locks in the admin: Django's model permissions decide, and the world's
    # administrator holds none; tests/prp/test_lockout.py tries unlocking.
    "admin:axes_accessattempt_changelist",
    "admin:axes_accessattempt_unlock",
    # The outbox's list in the admin (its retry action): model permissions decide, as above.
    "admin:notifications_notification_changelist",
    "notifications:notification_settings",
    "notifications:notification_mark_all_read",
    # GOV.UK Notify's delivery receipts: anyone may post, and without Notify's bearer token
    # everyone is refused (401/403) with nothing written (tests/notifications/test_notify.py).
    "notifications:notify_receipt",
    # Your own account, password, two-factor codes and session: nobody else's can be reached.
    "account",
    "password_change",
    "two_factor_set_up",
    "two_factor_backup_codes",
    "two_factor_turn_off",
    "two_factor_verify",
    "session_keep_alive",
    # Single sign-on is off unless configured: not found for everyone.
    "oidc_authentication_init",
    "oidc_authentication_callback",
}

# What a refused request must leave as it was: every table of the service's own apps. (Sessions
# and any audit log of the refusal are not the service's records.)
WATCHED_APPS = ("prp", "cases", "escalations", "qapr", "notifications")
WRITE = re.compile(r'^\s*(?:INSERT INTO|UPDATE|DELETE FROM)\s+"?(\w+)"?', re.IGNORECASE)


def watched_tables() -> set[str]:
    # A proxy model (prp.Download, the audit log's downloads) is another app's table.
    return {
        model._meta.db_table
        for label in WATCHED_APPS
        for model in apps.get_app_config(label).get_models(include_auto_created=True)
        if not model._meta.proxy
    }


def tables_written(queries: list[dict]) -> list[str]:
    """The service's tables that these SQL statements insert into, update or delete from."""
    written = (WRITE.match(query["sql"]) for query in queries)
    tables = watched_tables()
    return sorted({match.group(1) for match in written if match and match.group(1) in tables})
