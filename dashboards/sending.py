"""The packs that build and send themselves (issue 20 part 2).

Every working day from 08:00 the scheduler runs one job per pack (`send_clinic_packs`,
`send_themes_reports`; each runs hourly until 17:00 in case the worker was down at 08:00). The
job works out from the calendar rule (dashboards.packs) which period's pack is due: the one
whose send day is the latest working day on or before today. So a bank-holiday Monday sends on
Tuesday, and a day the worker missed is caught up on the next run.

Each period goes once. `PackSending` is unique by pack and period, and each recipient's message
has its own outbox key (`clinic_pack:2025-08-18:42`), so a job run twice, or two at once, never
queues a second message for anyone. Each recipient's PDF is made with their own figures (their
visibility: a restricted child is never in it) and queued in the outbox with the headline
figures and a link to the pack's page.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import dateformat, timezone

from escalations.rules import may_open_clinic
from notifications.models import Kind, Notification
from notifications.services import Message, notify
from prp import workdays
from prp.models import DASHBOARD_ROLES, RAISER_ROLES, RoleCode, User
from prp.permissions import DASHBOARD_VIEWERS, may_see_dashboards

from . import packs, reports
from .models import PackKind, PackRecipients, PackSending

# When no administrator has set who gets a pack: the reviewing service's managers.
DEFAULT_ROLES = frozenset({RoleCode.REVIEWING_SERVICE_MANAGER})
# A pack not sent this long after its send time (08:00 on its send day) is overdue (/health/).
OVERDUE_AFTER = dt.timedelta(hours=2)
PDF = "application/pdf"


def _day(value: dt.date) -> str:
    return dateformat.format(value, "j F Y")


@dataclass(frozen=True)
class Pack:
    """What differs between the two packs: the calendar, who may see it, and its message."""

    kind: str
    notification_kind: str
    job: str  # its name in JobHeartbeat and on /health/
    # The periods (as their first day) whose pack may be due on or just before `today`.
    candidates: Callable[[dt.date], list[dt.date]]
    send_day: Callable[[dt.date], dt.date]
    may_see: Callable[[User], bool]
    roles_allowed: frozenset[str]

    def label(self) -> str:
        return PackKind(self.kind).label


def _weeks_before(today: dt.date) -> list[dt.date]:
    monday = reports.week_start(today)
    return [monday - dt.timedelta(days=7 * weeks) for weeks in (1, 2, 3)]


def _months_before(today: dt.date) -> list[dt.date]:
    months, month = [], today.replace(day=1)
    for _ in range(3):
        month = reports.last_complete_month(month)
        months.append(month)
    return months


def _clinic_send_day(week: dt.date) -> dt.date:
    """The pack for the week beginning `week` goes on the first working day of the next."""
    return packs.clinic_pack_send_day(week + dt.timedelta(days=7))


def _themes_send_day(month: dt.date) -> dt.date:
    """The report for the month beginning `month` goes on the first working day of the next."""
    return packs.themes_report_send_day(reports.month_end(month) + dt.timedelta(days=1))


def may_see_clinic_pack(user: User) -> bool:
    """As the clinic pack page decides: the reviewing service and the managers."""
    return user.is_active and (may_open_clinic(user) or may_see_dashboards(user))


def may_see_themes_report(user: User) -> bool:
    return user.is_active and may_see_dashboards(user)


CLINIC_PACK = Pack(
    kind=PackKind.CLINIC_PACK,
    notification_kind=Kind.CLINIC_PACK,
    job="clinic_pack",
    candidates=_weeks_before,
    send_day=_clinic_send_day,
    may_see=may_see_clinic_pack,
    roles_allowed=frozenset(RAISER_ROLES | DASHBOARD_ROLES | DASHBOARD_VIEWERS),
)
THEMES_REPORT = Pack(
    kind=PackKind.THEMES_REPORT,
    notification_kind=Kind.THEMES_REPORT,
    job="themes_report",
    candidates=_months_before,
    send_day=_themes_send_day,
    may_see=may_see_themes_report,
    roles_allowed=frozenset(DASHBOARD_VIEWERS),
)
PACKS = {CLINIC_PACK.kind: CLINIC_PACK, THEMES_REPORT.kind: THEMES_REPORT}


# The calendar -------------------------------------------------------------------------------


def send_moment(pack: Pack, period: dt.date) -> dt.datetime:
    """08:00 (PACK_SEND_HOUR) on the period's send day, Europe/London."""
    day = pack.send_day(period)
    return timezone.make_aware(dt.datetime.combine(day, dt.time(settings.PACK_SEND_HOUR)))


def latest_due(pack: Pack, now: dt.datetime) -> list[dt.date]:
    """The periods whose pack is due by `now`: those with the latest send time that has come.
    Usually one; two when a week of closure days pushed one week's send day onto the next's."""
    moments = {period: send_moment(pack, period) for period in pack.candidates(now.date())}
    come = [moment for moment in moments.values() if moment <= now]
    if not come:
        return []
    latest = max(come)
    return sorted(period for period, moment in moments.items() if moment == latest)


def is_sent(pack: Pack, period: dt.date) -> bool:
    return PackSending.objects.filter(
        pack=pack.kind, period_start=period, finished_at__isnull=False
    ).exists()


# Who gets it --------------------------------------------------------------------------------


def setting_for(pack: Pack) -> PackRecipients | None:
    return PackRecipients.objects.filter(pack=pack.kind).prefetch_related("roles").first()


def recipients(pack: Pack) -> list[User]:
    """Everyone active with one of the pack's roles, and the people named, who may see the
    figures now (a person named last year who has since changed job is left out). With no
    setting at all, the reviewing service's managers."""
    setting = setting_for(pack)
    if setting is None:
        roles, named = set(DEFAULT_ROLES), Q(pk__in=[])
    else:
        roles = {role.code for role in setting.roles.all()}
        named = Q(pk__in=setting.people.values("pk"))
    chosen = (
        User.objects.filter(is_active=True)
        .exclude(email="")
        .filter(Q(roles__code__in=roles) | named)
        .distinct()
        .order_by("full_name", "pk")
    )
    return [person for person in chosen if pack.may_see(person)]


# The message --------------------------------------------------------------------------------


def key_for(pack: Pack, period: dt.date, person: User) -> str:
    return f"{pack.kind}:{period.isoformat()}:{person.pk}"


def clinic_pack_message(person: User, monday: dt.date) -> Message:
    pack = reports.clinic_pack(person, monday)
    title = f"Weekly clinic pack: week beginning {_day(monday)}"
    return Message(
        person,
        Kind.CLINIC_PACK,
        key_for(CLINIC_PACK, monday, person),
        {
            "title": title,
            "period": f"{_day(pack.week_start)} to {_day(pack.week_end)}",
            "headline": packs.clinic_pack_headline(pack),
            "filename": f"clinic-pack-{monday.isoformat()}.pdf",
        },
        url=f"{reverse('reports:clinic_pack')}?week={monday.isoformat()}",
        attachments=[
            (
                f"clinic-pack-{monday.isoformat()}.pdf",
                packs.clinic_pack_pdf(person, monday, pack),
                PDF,
            )
        ],
    )


def themes_report_message(person: User, month: dt.date) -> Message:
    report = reports.themes_report(person, month)
    return Message(
        person,
        Kind.THEMES_REPORT,
        key_for(THEMES_REPORT, month, person),
        {
            "title": f"Monthly themes report: {dateformat.format(month, 'F Y')}",
            "period": f"{_day(report.month_start)} to {_day(report.month_end)}",
            "headline": packs.themes_report_headline(report),
            "filename": f"themes-report-{month:%Y-%m}.pdf",
        },
        url=f"{reverse('reports:themes')}?month={month:%Y-%m}",
        attachments=[
            (
                f"themes-report-{month:%Y-%m}.pdf",
                packs.themes_report_pdf(person, month, report),
                PDF,
            )
        ],
    )


MESSAGES = {CLINIC_PACK.kind: clinic_pack_message, THEMES_REPORT.kind: themes_report_message}


# The job ----------------------------------------------------------------------------------


def _start(pack: Pack, period: dt.date, now: dt.datetime) -> PackSending:
    # get_or_create falls back to reading the row when a concurrent run made it a moment ago.
    sending, _ = PackSending.objects.get_or_create(
        pack=pack.kind, period_start=period, defaults={"started_at": now}
    )
    return sending


def send_period(pack: Pack, period: dt.date, now: dt.datetime) -> int:
    """Queue one period's pack for every recipient not yet sent it. How many were queued.

    Each recipient's message is queued in its own transaction the moment their PDF is made, so
    a run cut short keeps what it queued and the next run queues only the rest."""
    sending = _start(pack, period, now)
    queued = 0
    for person in recipients(pack):
        key = key_for(pack, period, person)
        if Notification.objects.filter(key=key).exists():
            continue  # an earlier or concurrent run already queued it
        message = MESSAGES[pack.kind](person, period)
        with transaction.atomic():
            queued += notify(message)
    prefix = f"{pack.kind}:{period.isoformat()}:"
    PackSending.objects.filter(pk=sending.pk, finished_at__isnull=True).update(
        finished_at=timezone.now(),
        recipients=Notification.objects.filter(key__startswith=prefix).count(),
    )
    return queued


def send_due(pack: Pack, now: dt.datetime | None = None) -> dict[str, int]:
    """Send the pack for each period due and not yet sent: {period: messages queued}. Nothing
    before 08:00 nor on a day that is not a working day (a bank holiday, a closure day)."""
    now = timezone.localtime(now or timezone.now())
    if not workdays.is_working_day(now.date()) or now.hour < settings.PACK_SEND_HOUR:
        return {}
    return {
        period.isoformat(): send_period(pack, period, now)
        for period in latest_due(pack, now)
        if not is_sent(pack, period)
    }


# For /health/ ------------------------------------------------------------------------------


def health(pack: Pack, now: dt.datetime) -> dict:
    """The pack's last run and whether a period passed unsent: the latest period due, if its
    send time was more than OVERDUE_AFTER ago and it has not gone."""
    now = timezone.localtime(now)
    last = PackSending.objects.filter(pack=pack.kind, finished_at__isnull=False).first()
    due = latest_due(pack, now)
    unsent = [period for period in due if not is_sent(pack, period)]
    overdue = bool(unsent) and now - send_moment(pack, unsent[0]) > OVERDUE_AFTER
    return {
        "last_period_sent": last.period_start.isoformat() if last else None,
        "last_sent_at": last.finished_at.isoformat() if last else None,
        "due_period": due[-1].isoformat() if due else None,
        "overdue": overdue,
    }
