"""Restricted after the fact (issue 13, section 1, "Must show").

The world of tests/trust/world.py, then two changes an administrator makes once everything about
the children exists (concerns delegated, messages queued, notes copied):

- "restricted later": Amara's record (the "own" side) is restricted, naming only her IRO. Her
  social worker is still allocated to her; her team manager, who holds her concern's task, and
  everyone else is not named.
- "taken off": the team manager is taken off Rory's restricted record (the "restricted" side).

Then every page of the matrix that points at those children's objects, every list and download,
the unread count and every message (queued, digested, chased and sent) is tried by each persona.
Whoever is still allocated to or named on the child gets what they got before; everyone else
gets 404 and never reads the child's name, case reference or concern reference anywhere.
"""

from __future__ import annotations

import html
import io
import re
import time

import openpyxl
import pytest
from django.core import mail
from django.db.models import Q
from django.urls import reverse

from escalations import services as concern_services
from notifications.models import Notification, Status
from notifications.services import send_due
from reminders import digests
from reminders.chase import chase_scan

from . import matrix
from .matrix import FIXED, MATRIX, NOT_FOUND, OK, rules_of
from .test_access_matrix import outcome, path_for
from .world import PERSONAS, _category

# Who may still see each child afterwards: allocated (the IRO and the social worker) or named.
STILL_SEE = frozenset({"iro", "social_worker"})
AFTER = {"restricted later": "own", "taken off": "restricted"}
SIGNED_IN = [persona for persona in PERSONAS if persona != "signed_out"]


def about(side) -> Q:
    return Q(child=side.child) | Q(concern__concern_children__child=side.child)


def unread(person) -> int:
    return Notification.objects.filter(recipient=person, read_at__isnull=True).count()


@pytest.fixture(scope="module")
def after(world, django_db_blocker):
    """Make the two changes, noting first what each person had: their unread count, and how many
    of those messages are about each child."""
    with django_db_blocker.unblock():
        for side in AFTER.values():
            note_naming(world, world.side(side).child)
        before = {}
        for persona in SIGNED_IN:
            person = world.people[persona]
            before[persona] = {
                "unread": unread(person),
                **{
                    variant: Notification.objects.filter(
                        about(world.side(side)), recipient=person, read_at__isnull=True
                    )
                    .distinct()
                    .count()
                    for variant, side in AFTER.items()
                },
            }
        amara = world.side("own").child
        amara.restricted = True
        amara.save()
        amara.named_users.set([world.people["iro"]])
        world.side("restricted").child.named_users.remove(world.people["manager"])
    return before


def note_naming(world, child):
    """A good practice note whose text names the child, copied to their team manager."""
    note = concern_services.good_practice_note_send(
        author=world.people["iro"],
        recipient=world.people["social_worker"],
        category=_category(),
        note=f"Careful planning with {child.full_name} and her carers.",
        impact_on_child="Settled at school.",
        child=child,
    )
    assert world.people["manager"] in note.copied_to.all()


def secrets_of(side) -> list[str]:
    """What names the child: their name, case reference and their concerns' references."""
    return [
        side.child.full_name,
        side.child.reference,
        side.concern.reference,
        side.draft.reference,
    ]


def formats(query: dict) -> list[dict]:
    """A download is tried as CSV and as Excel."""
    if query.get("format") != "csv":
        return [query]
    return [query, {**query, "format": "xlsx"}]


def text_of(response) -> str:
    """Every word a page or a file holds (an Excel file: every cell of every sheet)."""
    if response["Content-Type"].startswith("application/vnd.openxmlformats"):
        book = openpyxl.load_workbook(io.BytesIO(response.content), read_only=True)
        return "\n".join(
            str(cell) for sheet in book for row in sheet.iter_rows(values_only=True) for cell in row
        )
    return html.unescape(response.content.decode("utf-8-sig", errors="replace"))


def expected(entry: str, persona: str) -> object:
    ours = rules_of(entry)[persona]
    return ours if ours in FIXED or persona in STILL_SEE else NOT_FOUND


def lists() -> list[str]:
    """Every page, list and download of the matrix that points at no object."""
    return [entry for entry in MATRIX if matrix.variants_of(entry) == ("-",)]


def test_restricted_after_the_fact_every_page_list_count_and_message(world, after, clients, capsys):
    started = time.perf_counter()
    wrong: list[str] = []
    count = 0
    # First (the pages below mark messages read): the header's unread count leaves out the
    # messages about the child.
    for persona in SIGNED_IN:
        page = clients[persona].get(reverse("home")).content.decode()
        shown = re.search(r"Notifications(?: \((\d+))?", page)
        want = after[persona]["unread"]
        if persona not in STILL_SEE:
            want -= sum(after[persona][variant] for variant in AFTER)
        got = int(shown.group(1) or 0) if shown else None
        count += 1
        if got != want:
            wrong.append(f"unread count | {persona} | want {want} got {got}")
    # Pages about the children's objects: 404 for everyone no longer allocated or named.
    # A page about no child (an import's progress) keeps its own rule.
    pages = [
        entry for entry in MATRIX if matrix.target_of(entry) and matrix.target_of(entry).about_child
    ]
    for variant, side in AFTER.items():
        for entry in pages:
            for persona in PERSONAS:
                path = path_for(world, entry, side)
                want = expected(entry, persona)
                got = outcome(clients[persona].get(path))
                count += 1
                if got != want:
                    wrong.append(f"{entry} | {persona} | {variant} | want {want} got {got}")
    # Lists and downloads: never a word about the child to anyone who may not see them.
    found: set[tuple[str, str]] = set()
    for entry in lists():
        name = matrix.url_name(entry)
        for persona in SIGNED_IN:
            if rules_of(entry)[persona] != OK:
                continue
            for query in formats(matrix.query_of(entry)):
                text = text_of(clients[persona].get(reverse(name), query))
                for variant, side in AFTER.items():
                    count += 1
                    leaked = [secret for secret in secrets_of(world.side(side)) if secret in text]
                    if persona in STILL_SEE:
                        # So the check is known to find a name where there is one.
                        found |= {(variant, query.get("format", "page"))} if leaked else set()
                    elif leaked:
                        wrong.append(f"{entry} {query} | {persona} | {variant} | names {leaked}")
    # Messages: each one about the child opens only for whoever may still see them.
    for variant, side in AFTER.items():
        for message in Notification.objects.filter(about(world.side(side))).distinct():
            persona = next(p for p in SIGNED_IN if world.people[p] == message.recipient)
            path = reverse("notifications:notification_detail", args=[message.pk])
            want = OK if persona in STILL_SEE else NOT_FOUND
            got = clients[persona].get(path).status_code
            count += 1
            if got != want:
                wrong.append(f"message {message.key} | {persona} | {variant} | want {want} {got}")
    # The checks find a name where there is one: on the pages of those who still see the child
    # (downloads never hold a restricted child), and in an Excel file of an open record.
    for variant in AFTER:
        if (variant, "page") not in found:
            wrong.append(f"no page shows {variant} to those who still see the child")
    bea = clients["other_iro"].get(reverse("cases:child_list"), {"format": "xlsx"})
    if world.side("other").child.full_name not in text_of(bea):
        wrong.append("the other IRO's Excel list of children does not name Bea")
    wrong += sending(world)
    count += len(SIGNED_IN) * len(AFTER)
    with capsys.disabled():
        print(
            f"\nRestricted after the fact: {len(PERSONAS)} personas x {len(pages)} pages on "
            f"{len(AFTER)} sides ({', '.join(AFTER)}), {len(lists())} lists and downloads, the "
            f"unread count and every message: {count} cases, {len(wrong)} unexpected, "
            f"in {time.perf_counter() - started:.1f}s"
        )
    assert not wrong, f"{len(wrong)} of {count} cases unexpected:\n" + "\n".join(wrong)


def sending(world) -> list[str]:
    """Chase, digest and send everything waiting: no email to anyone who may no longer see a
    child names them, and what was held back says why."""
    for persona in SIGNED_IN:
        person = world.people[persona]
        person.wants_daily_digest = persona == "manager"
        person.save()
    mail.outbox = []
    # The clock stands at NOW (a working morning): each job runs as it would then.
    chase_scan()
    digests.send_daily_digests()
    digests.send_team_digests()
    send_due()
    wrong = []
    for persona in SIGNED_IN:
        if persona in STILL_SEE:
            continue
        person = world.people[persona]
        for email in mail.outbox:
            if person.email not in email.to:
                continue
            text = email.subject + email.body + str(email.alternatives)
            for variant, side in AFTER.items():
                leaked = [s for s in secrets_of(world.side(side)) if s in text]
                if leaked:
                    wrong.append(f"email {email.subject!r} | {persona} | {variant} | {leaked}")
    # The manager's messages about Amara were all waiting when her record was restricted.
    held = Notification.objects.filter(about(world.side("own")), recipient=world.people["manager"])
    statuses = set(held.values_list("status", "not_needed_reason"))
    if not statuses or {status for status, _ in statuses} != {Status.NOT_NEEDED}:
        wrong.append(f"the manager's messages about Amara were not all held back: {statuses}")
    return wrong
