"""Lists and detail pages use the same selectors (issue 7, part 3).

For every persona and every list (children, concerns, the clinic, tasks, reviews due, QAPRs due,
recommendations, good practice, notifications, the clinic pack, the dashboard's drill-downs):
every record a list links to opens for them, every child it names is one they may see, and the
lists of "everything I can see" show exactly the records whose page opens. Each download holds
what its list shows, less any restricted child (files are passed around, so they never hold one).
"""

from __future__ import annotations

import csv
import html
import io
import re

import pytest
from django.urls import reverse

from cases.models import Child
from escalations.models import Concern, Task
from notifications.models import Notification
from qapr.models import Qapr, Recommendation

from .matrix import OK, rules_of
from .world import PERSONAS

SIGNED_IN = [persona for persona in PERSONAS if persona != "signed_out"]

# Each kind of record: its model and the page that shows one.
DETAIL = {
    "child": (Child, "cases:child_detail"),
    "concern": (Concern, "escalations:concern_detail"),
    "task": (Task, "escalations:task_detail"),
    "qapr": (Qapr, "qapr:qapr_detail"),
    "recommendation": (Recommendation, "qapr:recommendation_done"),
    "notification": (Notification, "notifications:notification_detail"),
}

# (list, query, the kind it lists, True when it lists everything the person can see of that
# kind, so it must hold exactly the records whose page opens)
LISTS = [
    ("cases:child_list", {"show": "all"}, "child", True),
    ("cases:child_list", {"show": "mine"}, "child", False),
    ("cases:child_list", {"show": "all", "q": "Hidden"}, "child", False),
    ("cases:child_list", {"show": "all", "q": "Okafor"}, "child", False),
    ("cases:reviews_due", {"show": "mine"}, "child", False),
    ("cases:reviews_due", {"show": "team"}, "child", False),
    ("escalations:concern_list", {"scope": "all", "state": "any"}, "concern", True),
    ("escalations:concern_list", {"scope": "mine", "state": "any"}, "concern", False),
    ("escalations:concern_list", {"scope": "team", "state": "any"}, "concern", False),
    ("escalations:weekly_clinic", {}, "concern", False),
    ("escalations:task_inbox", {"show": "all"}, "task", False),
    ("escalations:good_practice_list", {}, "child", False),
    ("qapr:qapr_due", {}, "child", False),
    ("qapr:qapr_due", {"show": "team"}, "child", False),
    ("qapr:recommendation_list", {}, "recommendation", False),
    ("notifications:notification_list", {}, "notification", False),
    ("reports:clinic_pack", {}, "concern", False),
]


def _link_pattern(name: str) -> re.Pattern:
    path = reverse(name, args=[987654321]).replace("987654321", r"(\d+)")
    return re.compile(f'href="{path}"')


LINKS = {kind: _link_pattern(name) for kind, (_, name) in DETAIL.items()}


def linked(page: str) -> dict[str, set[int]]:
    """The records of each kind a page links to."""
    return {kind: {int(pk) for pk in pattern.findall(page)} for kind, pattern in LINKS.items()}


def children_named(text: str) -> set[int]:
    """The children a page or file names, by full name or case reference."""
    return {
        child.pk
        for child in Child.objects.all()
        if child.full_name in text or child.reference in text
    }


def openable(client, kind: str) -> set[int]:
    """The records of a kind whose page opens (200) for this client."""
    model, name = DETAIL[kind]
    return {
        pk
        for pk in model.objects.values_list("pk", flat=True)
        if client.get(reverse(name, args=[pk])).status_code == 200
    }


def get_page(client, name: str, query: dict) -> str:
    response = client.get(reverse(name), query)
    assert response.status_code == 200, (name, query, response.status_code)
    return html.unescape(response.content.decode())


def allowed_lists(persona: str):
    """The lists this persona may open (the matrix says who may open the clinic and reports)."""
    return [entry for entry in LISTS if rules_of(entry[0])[persona] == OK]


@pytest.mark.parametrize("persona", SIGNED_IN)
def test_every_list_shows_only_what_its_detail_pages_open(world, clients, persona):
    client = clients[persona]
    opens = {kind: openable(client, kind) for kind in DETAIL}
    wrong = []
    for name, query, kind, everything in allowed_lists(persona):
        page = get_page(client, name, query)
        for linked_kind, pks in linked(page).items():
            hidden = pks - opens[linked_kind]
            if hidden:
                wrong.append(f"{name} {query} links to {linked_kind} {hidden} that do not open")
        named = children_named(page) - opens["child"]
        if named:
            wrong.append(f"{name} {query} names children {named} whose page does not open")
        if everything and linked(page)[kind] != opens[kind]:
            wrong.append(
                f"{name} {query} lists {kind} {linked(page)[kind]}, pages open {opens[kind]}"
            )
    assert not wrong, "\n".join(wrong)


# Downloads: the list's records, less restricted children ----------------------------------------

# (list, query, True when the page shows nothing but the list, so the file must match it
# exactly; the reviews and QAPRs due pages also show the person's tasks, changes and drafts)
DOWNLOADS = [
    ("cases:child_list", {"show": "all"}, True),
    ("cases:reviews_due", {"show": "team"}, False),
    ("escalations:concern_list", {"scope": "all", "state": "any"}, True),
    ("escalations:weekly_clinic", {}, True),
    ("escalations:task_inbox", {"show": "all"}, True),
    ("qapr:qapr_due", {"show": "team"}, False),
    ("qapr:recommendation_list", {}, True),
]


def concerns_named(text: str) -> set[int]:
    return {concern.pk for concern in Concern.objects.all() if concern.reference in text}


def restricted_children() -> set[int]:
    return set(Child.objects.filter(restricted=True).values_list("pk", flat=True))


def about_restricted(concern_pks: set[int]) -> set[int]:
    return set(
        Concern.objects.filter(pk__in=concern_pks, concern_children__child__restricted=True)
        .values_list("pk", flat=True)
        .distinct()
    )


@pytest.mark.parametrize("persona", SIGNED_IN)
def test_each_download_holds_its_list_less_restricted_children(world, clients, persona):
    client = clients[persona]
    wrong = []
    for name, query, exact in DOWNLOADS:
        if rules_of(name)[persona] != OK:
            continue
        page = get_page(client, name, query)
        response = client.get(reverse(name), {**query, "format": "csv"})
        text = response.content.decode("utf-8-sig")
        rows = list(csv.reader(io.StringIO(text)))
        body = "\n".join(",".join(line) for line in rows[1:])
        children_on_page = children_named(page) - restricted_children()
        concerns_on_page = concerns_named(page)
        concerns_on_page -= about_restricted(concerns_on_page)
        for what, in_file, on_page in (
            ("children", children_named(body), children_on_page),
            ("concerns", concerns_named(body), concerns_on_page),
        ):
            if in_file != on_page if exact else not in_file <= on_page:
                wrong.append(f"{name}: the file holds {what} {in_file}, the page {on_page}")
    assert not wrong, "\n".join(wrong)


# The dashboard: every count leads to a list of exactly that many ------------------------------

DRILL_DOWN = re.compile(r'<a class="govuk-link[^"]*" href="(/concerns/\?[^"]+)">(\d+)<span')


@pytest.mark.parametrize("persona", ["service_manager", "performance", "admin"])
def test_every_dashboard_count_leads_to_that_many_concerns_each_of_which_opens(
    world, clients, persona
):
    client = clients[persona]
    opens = openable(client, "concern")
    dashboard = get_page(client, "dashboards:dashboard", {})
    links = DRILL_DOWN.findall(dashboard)
    assert links, "the dashboard should link its counts to the concern list"
    wrong = []
    for href, count in set(links):
        response = client.get(href)
        assert response.status_code == 200, href
        listed = linked(html.unescape(response.content.decode()))["concern"]
        if len(listed) != int(count):
            wrong.append(f"{href}: the dashboard says {count}, the list has {len(listed)}")
        if listed - opens:
            wrong.append(f"{href}: lists concerns {listed - opens} that do not open")
    assert not wrong, "\n".join(wrong)
