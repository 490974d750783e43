"""The permission matrix: what each persona gets from every URL, for each side of objects.

Written out by hand from the rules of the service (DESIGN.md, README "Who sees a child"), not
worked out from the code under test. One row per URL: what each persona gets on their OWN side
(see tests/trust/world.py). The other two sides follow from two rules, `expected()` below:

- OTHER: the other side is built exactly like ours with the other IRO in the IRO's place and the
  manager outside the line in the delegated manager's, so each of them gets what the other gets
  on our side. The social worker has no part in it (404). Everyone else gets what they get on
  our side.
- RESTRICTED: the people allocated to or named on the restricted child (the IRO, the social
  worker and the delegated manager) get what they get on our side; everyone else gets 404, the
  service-wide roles and the administrator included.

Signed out, every page but the sign-in page, the accessibility statement and /health/ sends
you to sign in; and a GET on a
URL that only takes POST is 405 for everyone signed in, whatever the object.

To add a URL: one line in MATRIX. A URL that points at an object names it with `on()`.
"""

from __future__ import annotations

from dataclasses import dataclass

from .world import NAMED_ON_RESTRICTED, PERSONAS, VARIANTS

OK = 200
FORBIDDEN = 403
NOT_FOUND = 404
NOT_ALLOWED = 405  # a GET on a URL that only takes POST
SIGN_IN = "sign in"  # a redirect to the sign-in page (the admin's own sign-in sends there too)
REDIRECT = "redirect"  # a redirect anywhere else
PUBLIC = "200 or 503"  # the health check: open to all, 503 when a job is late

# Short names, so a row reads as a line of the table.
N, F, X, IN, GO = NOT_FOUND, FORBIDDEN, NOT_ALLOWED, SIGN_IN, REDIRECT


def row(*results) -> dict[str, object]:
    """One URL's results, in the order of PERSONAS: the IRO, the other IRO, the delegated
    manager, the manager outside the line, the social worker, the reviewing service manager,
    performance staff, the administrator, and someone signed out."""
    assert len(results) == len(PERSONAS), results
    return dict(zip(PERSONAS, results, strict=True))


EVERYONE = row(OK, OK, OK, OK, OK, OK, OK, OK, IN)  # a list: each person sees their own
POST_ONLY = row(X, X, X, X, X, X, X, X, IN)
# A child's pages and the concern, task and QAPR pages: whoever may see the child.
SEES_CHILD = row(OK, N, OK, N, OK, OK, OK, OK, IN)
DASHBOARDS = row(F, F, F, F, F, OK, OK, OK, IN)
CLINIC = row(OK, OK, F, F, F, OK, OK, OK, IN)
ADMIN_ONLY = row(F, F, F, F, F, F, F, OK, IN)
DRAFT = row(OK, N, N, N, N, N, N, N, IN)  # a draft is the raiser's own until it is raised
RAISER_ONLY = row(OK, N, F, N, F, F, F, F, IN)
RAISER_OR_ASSIGNEE = row(OK, N, OK, N, F, F, F, F, IN)
# Outcomes, retracting, re-delegating: the raiser and the reviewing managers above them.
RAISER_OR_MANAGERS = row(OK, N, F, N, F, OK, F, F, IN)
QAPR_AUTHOR = row(OK, N, F, N, F, F, F, F, IN)
RECIPIENT = row(OK, N, N, N, N, N, N, N, IN)  # a notification is its recipient's alone


@dataclass(frozen=True)
class Url:
    """A URL that points at objects of a side: its row, and which objects fill its path
    arguments and its query (named as in world.Side)."""

    rules: dict[str, object]
    args: tuple[str, ...] = ()
    query: tuple[tuple[str, str], ...] = ()  # (parameter, object) pairs
    # False for a record that is about no child (an import run): its row holds on every side.
    about_child: bool = True


def on(rules: dict[str, object], *args: str, **query: str) -> Url:
    """`on(SEES_CHILD, "concern", "attachment")`: the row, tried on each side's concern and
    its attachment (in the path); `on(SEES_CHILD, child="child")` puts the child in ?child=."""
    return Url(rules, args, tuple(query.items()))


MATRIX: dict[str, dict[str, object] | Url] = {
    # Rows are row(iro, other iro, manager, outside manager, social worker, service manager,
    # performance, administrator, signed out), or a named row from above.
    "home": EVERYONE,
    "login": row(GO, GO, GO, GO, GO, GO, GO, GO, OK),
    "logout": row(X, X, X, X, X, X, X, X, IN),
    "health": row(*[PUBLIC] * 9),
    # GOV.UK Notify's receipts: a POST only, signed in or not (its bearer token decides).
    "notifications:notify_receipt": row(*[X] * 9),
    "accessibility": row(*[OK] * 9),  # open to all, signed in or not
    "admin:index": row(F, F, F, F, F, F, F, OK, IN),  # 403, not a loop via sign-in
    # The admin pages whose views are ours: sign-in locks (issue 13 §3).
    # Django's model permissions decide them, and the world's administrator holds none (a
    # council grants them per person), so they refuse every persona here.
    "admin:axes_accessattempt_changelist": row(F, F, F, F, F, F, F, F, IN),
    # The outbox's list: ours since it counts the emails GOV.UK Notify could not deliver
    # (tests/notifications/test_notify.py); Django's model permissions decide it too.
    "admin:notifications_notification_changelist": row(F, F, F, F, F, F, F, F, IN),
    "admin:axes_accessattempt_unlock": row(F, F, F, F, F, F, F, X, IN),
    # Children and their reviews
    "cases:child_list": EVERYONE,
    "cases:child_list?csv": EVERYONE,
    "cases:child_list?search": EVERYONE,
    "cases:child_detail": on(SEES_CHILD, "child"),
    "cases:child_chronology": on(SEES_CHILD, "child"),
    "cases:child_chronology?pdf": on(SEES_CHILD, "child"),
    "cases:reviews_due": EVERYONE,
    "cases:reviews_due?csv": EVERYONE,
    "cases:child_reviews": on(SEES_CHILD, "child"),
    "cases:review_new": on(row(OK, N, F, N, F, OK, F, OK, IN), "child"),
    "cases:key_date_new": on(row(OK, N, OK, N, OK, OK, F, OK, IN), "child"),
    "cases:change_new": on(row(F, N, OK, N, OK, F, F, OK, IN), "child"),
    "cases:change_decide": on(row(OK, N, F, N, F, OK, F, OK, IN), "change"),
    "cases:step_complete": on(row(OK, N, F, N, F, OK, F, OK, IN), "step"),
    # Before a review (issue 14 rule 13): the IRO's invitations, which the reviewing service may
    # record for them.
    "cases:planned_step_complete": on(row(OK, N, F, N, F, OK, F, OK, IN), "planned_step"),
    # The reviewing service's managers (and administrators) allocate an IRO or CP Chair.
    "cases:reviewer_allocate": on(row(F, N, F, N, F, OK, F, OK, IN), "child"),
    # Concerns
    "escalations:concern_list": EVERYONE,
    "escalations:concern_list?all": EVERYONE,
    "escalations:concern_list?csv": EVERYONE,
    "escalations:weekly_clinic": CLINIC,
    "escalations:weekly_clinic?csv": CLINIC,
    "escalations:concern_start": on(row(OK, N, F, N, F, F, F, F, IN), child="child"),
    "escalations:concern_detail": on(SEES_CHILD, "concern"),
    "escalations:concern_edit": on(DRAFT, "draft"),
    "escalations:sub_concern_add": on(RAISER_ONLY, "concern"),
    "escalations:sub_concern_remove": on(RAISER_ONLY, "concern", "sub_concern"),
    "escalations:discussion_add": on(RAISER_ONLY, "concern"),
    "escalations:action_add": on(RAISER_OR_ASSIGNEE, "concern"),
    # A confirm page (GET) and the change (POST): the raiser and the managers above them.
    "escalations:action_done": on(RAISER_OR_MANAGERS, "concern", "action"),
    "escalations:action_edit": on(RAISER_OR_MANAGERS, "concern", "action"),
    "escalations:action_remove": on(RAISER_OR_MANAGERS, "concern", "action"),
    # The world's concern is not an immediate safeguarding one: nothing to record.
    "escalations:safeguarding_contact": on(row(N, N, N, N, N, N, N, N, IN), "concern"),
    "escalations:attachment_add": on(RAISER_OR_ASSIGNEE, "concern"),
    "escalations:attachment_download": on(SEES_CHILD, "concern", "attachment"),
    "escalations:concern_raise": on(DRAFT, "draft"),
    # Without answers kept from the form it goes back to the form: the same people only.
    "escalations:concern_raise_check": on(row(GO, N, N, N, N, N, N, N, IN), "draft"),
    "escalations:draft_withdraw": on(DRAFT, "draft"),
    "escalations:outcome_record": on(RAISER_OR_MANAGERS, "concern"),
    "escalations:referral_close": on(RAISER_OR_MANAGERS, "concern"),
    "escalations:stage_redelegate": on(RAISER_OR_MANAGERS, "concern", "stage"),
    "escalations:task_inbox": EVERYONE,
    "escalations:task_inbox?csv": EVERYONE,
    "escalations:task_detail": on(SEES_CHILD, "task"),
    "escalations:task_retract": on(RAISER_OR_MANAGERS, "task"),
    "escalations:task_reactivate": on(RAISER_OR_MANAGERS, "task"),
    # Passing a task on: its assignee (a message page when the stage does not allow it).
    "escalations:task_pass_on": on(row(F, N, OK, N, F, F, F, F, IN), "task"),
    # Taking it back: only the accountable manager who passed it on; here nobody has.
    "escalations:task_take_back": on(row(F, N, F, N, F, F, F, F, IN), "task"),
    "escalations:good_practice_list": EVERYONE,
    # A good practice note about the child in ?child=.
    "escalations:good_practice_new": on(SEES_CHILD, child="child"),
    "escalations:agency_note_new": on(SEES_CHILD, "child"),
    # QAPRs
    "qapr:qapr_due": EVERYONE,
    "qapr:qapr_due?csv": EVERYONE,
    "qapr:qapr_start": on(POST_ONLY, "child"),
    "qapr:recommendation_list": EVERYONE,
    "qapr:recommendation_list?csv": EVERYONE,
    # The recommendation is for the manager outside the line, who may not see the child: 404,
    # as for anyone who may not see it. Deliberate: a recommendation can no longer be given to
    # someone who may not see the child (qapr.services.recommendation_add), and reminders go
    # only to people who may (reminders.review_chase).
    "qapr:recommendation_done": on(row(OK, N, F, N, F, F, F, F, IN), "recommendation"),
    "qapr:qapr_detail": on(SEES_CHILD, "qapr"),
    "qapr:qapr_edit": on(QAPR_AUTHOR, "qapr_draft"),
    "qapr:qapr_concern": on(QAPR_AUTHOR, "qapr_draft"),
    "qapr:recommendation_add": on(QAPR_AUTHOR, "qapr"),
    "qapr:qapr_finalise": on(QAPR_AUTHOR, "qapr_draft"),
    # The author's manager or the reviewing service's managers; never the author.
    "qapr:qapr_reopen": on(row(F, N, F, N, F, OK, F, F, IN), "qapr"),
    # Notifications
    "notifications:notification_list": EVERYONE,
    "notifications:notification_settings": EVERYONE,
    "notifications:notification_mark_all_read": POST_ONLY,
    "notifications:notification_detail": on(RECIPIENT, "notification"),
    "notifications:notification_open": on(row(GO, N, N, N, N, N, N, N, IN), "notification"),
    # Audit trails: administrators, the reviewing service's managers and the manager of the
    # child's team (the delegated manager); others who see the child are refused.
    "cases:child_audit": on(row(F, N, OK, N, F, OK, F, OK, IN), "child"),
    "escalations:concern_audit": on(row(F, N, OK, N, F, OK, F, OK, IN), "concern"),
    # Removing a file: its uploader or the concern's raiser (the file is the raiser's).
    "escalations:attachment_remove": on(RAISER_ONLY, "concern", "attachment"),
    # Your own account and sign-in steps
    "account": EVERYONE,
    "password_change": EVERYONE,
    "two_factor_set_up": EVERYONE,
    "two_factor_backup_codes": row(GO, GO, GO, GO, GO, GO, GO, GO, IN),
    # Nothing to turn off without a device: back to your account.
    "two_factor_turn_off": row(GO, GO, GO, GO, GO, GO, GO, GO, IN),
    # The code step needs a password just given: otherwise back to your account or sign in.
    "two_factor_verify": row(GO, GO, GO, GO, GO, GO, GO, GO, IN),
    "session_status": EVERYONE,
    "session_keep_alive": POST_ONLY,
    # Single sign-on is off unless configured: not found for everyone.
    "oidc_authentication_init": row(*[NOT_FOUND] * 9),
    "oidc_authentication_callback": row(*[NOT_FOUND] * 9),
    # Dashboards and reports
    "dashboards:dashboard": DASHBOARDS,
    "dashboards:dashboard?csv": DASHBOARDS,
    "dashboards:figure_list?figure": DASHBOARDS,
    "reports:themes": DASHBOARDS,
    "reports:themes?csv": DASHBOARDS,
    "reports:clinic_pack": CLINIC,
    "reports:clinic_pack?csv": CLINIC,
    "reports:annual": DASHBOARDS,
    "reports:annual?csv": DASHBOARDS,
    # Imports: administrators only
    "imports:import_start": ADMIN_ONLY,
    "imports:import_confirm": POST_ONLY,
    "imports:template_download?children": ADMIN_ONLY,
    "imports:import_progress": Url(ADMIN_ONLY, ("import_run",), about_child=False),
}


# Entries that are a URL with a query: downloads (?format=csv) and searches.
QUERIES: dict[str, dict[str, str]] = {
    "csv": {"format": "csv"},
    "all": {"scope": "all", "state": "any"},
    "search": {"q": "Hidden"},
    "figure": {"figure": "reviews-overdue"},
    "pdf": {"format": "pdf"},
}
QUERY_FOR = {
    "dashboards:dashboard?csv": {"format": "csv", "table": "open_by_stage"},
    "imports:template_download?children": {"kind": "children", "format": "csv"},
}

# The side that stands in for a persona on the OTHER side (see the module's docstring).
STAND_IN = {
    "iro": "other_iro",
    "other_iro": "iro",
    "manager": "outside_manager",
    "outside_manager": "manager",
}
FIXED = {NOT_ALLOWED, SIGN_IN, PUBLIC}


def rules_of(entry: str) -> dict[str, object]:
    value = MATRIX[entry]
    return value.rules if isinstance(value, Url) else value


def target_of(entry: str) -> Url | None:
    value = MATRIX.get(url_name(entry))
    return value if isinstance(value, Url) else None


def expected(entry: str, persona: str, variant: str, rules: dict | None = None):
    """What `persona` gets from `entry` on a side: the row (MATRIX's, or `rules`) and the two
    rules for the other sides."""
    rules = rules or rules_of(entry)
    ours = rules[persona]
    target = target_of(entry)
    if variant in ("own", "-") or ours in FIXED or (target and not target.about_child):
        return ours
    if variant == "other":
        if persona == "social_worker":
            return NOT_FOUND
        return rules[STAND_IN.get(persona, persona)]
    return ours if persona in NAMED_ON_RESTRICTED else NOT_FOUND


def url_name(entry: str) -> str:
    return entry.split("?", 1)[0]


def query_of(entry: str) -> dict[str, str]:
    if entry in QUERY_FOR:
        return QUERY_FOR[entry]
    _, _, key = entry.partition("?")
    return QUERIES[key] if key else {}


def variants_of(entry: str) -> tuple[str, ...]:
    """The sides a URL is tried on: all three if it points at objects, else none ("-")."""
    return VARIANTS if target_of(entry) else ("-",)
