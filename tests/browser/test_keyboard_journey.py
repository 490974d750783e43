"""The IRO's raise journey again, with the keyboard alone: Tab, Shift+Tab, Enter, Space and the
arrow keys, never a click. Every element the journey moves to must show where the focus is, and
the focus must land where GOV.UK says it should: the skip link first, the error summary after a
failed submit, the field behind an error link, the success banner after a save.

The screenshots keep the focus ring: docs/screenshots/keyboard-only/.
"""

import datetime as dt

import pytest
from django.utils import timezone
from playwright.sync_api import Locator, expect

from escalations.models import Concern, ConcernState, Task, TaskState
from prp import workdays
from tests.browser.journey import SUB_CONCERNS, Journey, install_protocols, long_date
from tests.factories import DEFAULT_PASSWORD

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.journey]

TITLE = "Permanence plan not agreed"
ACTION = "Hold a permanence planning meeting"
MOST_TABS = 80

# The element with the focus shows it: GOV.UK's yellow focus state is an outline or box shadow
# on the element, or on the label's ::before for its visually hidden radios and checkboxes. And
# the element is on screen (the browser scrolled it into view).
FOCUS_IS_VISIBLE = """() => {
  const el = document.activeElement;
  if (!el || el === document.body) return "nothing has the focus";
  const box = el.getBoundingClientRect();
  if (box.width === 0 || box.height === 0 || box.bottom < 0 || box.top > innerHeight)
    return "the focused element is off screen: " + el.outerHTML.slice(0, 80);
  const custom = el.matches(".govuk-radios__input, .govuk-checkboxes__input");
  const style = custom ? getComputedStyle(el.nextElementSibling, "::before") : getComputedStyle(el);
  const outlined = style.outlineStyle !== "none" && parseFloat(style.outlineWidth) > 0;
  if (!outlined && style.boxShadow === "none")
    return "no focus indicator on " + el.outerHTML.slice(0, 80);
  return "";
}"""


class Keyboard:
    """Moves through the page with Tab and Shift+Tab, checking the focus at every stop."""

    def __init__(self, journey: Journey):
        self.journey = journey
        self.page = journey.page

    def focus_is_visible(self) -> None:
        problem = self.page.evaluate(FOCUS_IS_VISIBLE)
        assert problem == ""

    def press(self, key: str) -> None:
        self.page.keyboard.press(key)

    def tab_to(self, target: Locator, *, back: bool = False) -> None:
        """Tab (or Shift+Tab) until the target has the focus."""
        key = "Shift+Tab" if back else "Tab"
        for _ in range(MOST_TABS):
            self.press(key)
            if self.page.evaluate("document.activeElement === document.body"):
                continue  # past the last element: the focus is in the browser's own controls
            self.focus_is_visible()
            if target.evaluate("el => el === document.activeElement"):
                return
        raise AssertionError(f"{MOST_TABS} presses of {key} never reached {target}")

    def type_into(self, target: Locator, text: str) -> None:
        self.tab_to(target)
        self.page.keyboard.type(text)
        expect(target).to_have_value(text)

    def activate(self, target: Locator, key: str = "Enter") -> None:
        self.tab_to(target)
        self.press(key)


def sign_in(keys: Keyboard, journey: Journey, user) -> None:
    page = journey.page
    journey.goto("/sign-in/")
    # The first Tab reaches the skip link, which shows itself; Enter moves the focus to the main
    # content, so the next Tab skips the header.
    keys.press("Tab")
    skip = page.get_by_role("link", name="Skip to main content")
    expect(skip).to_be_focused()
    expect(skip).to_be_in_viewport()
    keys.focus_is_visible()
    journey.check("skip-link")
    keys.press("Enter")
    expect(page.locator("#main-content")).to_be_focused()
    keys.press("Tab")
    expect(page.get_by_label("Email address")).to_be_focused()
    page.keyboard.type(user.email)
    keys.type_into(page.get_by_label("Password"), DEFAULT_PASSWORD)
    journey.check("sign-in")
    keys.press("Enter")
    expect(page.get_by_text(f"Signed in as {user.full_name}")).to_be_visible()
    journey.check()


def find_the_child(keys: Keyboard, journey: Journey) -> None:
    page = journey.page
    menu = page.get_by_role("navigation", name="Menu")
    keys.activate(menu.get_by_role("link", name="Children"))
    expect(journey.h1()).to_have_text("My children")
    keys.type_into(page.get_by_label("Search by name or case reference"), "Okafor")
    keys.press("Enter")
    expect(page.get_by_role("status")).to_have_text("1 child found for “Okafor” allocated to you")
    journey.check()
    keys.activate(page.get_by_role("link", name="Amara Okafor"))
    expect(journey.h1()).to_contain_text("Amara Okafor")
    journey.check()


def start_the_draft(keys: Keyboard, journey: Journey) -> None:
    page = journey.page
    keys.activate(page.get_by_role("link", name="Raise a concern"))
    expect(journey.h1()).to_have_text("Raise a concern about Amara Okafor")
    # The child the journey came from is ticked already; Space would untick it.
    child_box = page.get_by_label("Amara Okafor")
    keys.tab_to(child_box)
    expect(child_box).to_be_checked()
    keys.type_into(page.get_by_label("Title", exact=True), TITLE)
    # Tab reaches the first radio of the group; an arrow key moves to, and selects, the next.
    keys.tab_to(page.get_by_label("Informal", exact=True))
    keys.press("ArrowDown")
    formal = page.get_by_label("Formal stage 1", exact=True)
    expect(formal).to_be_focused()
    expect(formal).to_be_checked()
    keys.focus_is_visible()
    journey.check("start")
    keys.activate(page.get_by_role("button", name="Save and continue"))
    banner_takes_focus(journey, "Draft started")
    journey.check("task-list")


def banner_takes_focus(journey: Journey, text: str) -> None:
    banner = journey.page.locator(".govuk-notification-banner--success")
    expect(banner).to_contain_text(text)
    # GOV.UK Frontend moves the focus to a success banner so screen readers announce it.
    expect(banner).to_be_focused()


def the_first_concern_through_the_error_summary(keys: Keyboard, journey: Journey) -> None:
    page = journey.page
    category, description, impact = SUB_CONCERNS[0]
    keys.activate(page.get_by_role("link", name="The concerns"))
    expect(journey.h1()).to_have_text("Add a concern")
    keys.activate(page.get_by_role("button", name="Add this concern"))

    # After a failed submit the error summary takes the focus, and its links lead to the fields.
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_be_focused()
    journey.check("error-summary-focused", error=True)
    keys.press("Tab")
    first_error = summary.get_by_role("link", name="Select the category of the concern")
    expect(first_error).to_be_focused()
    keys.focus_is_visible()
    keys.press("Enter")
    first_radio = page.get_by_label("Safeguarding", exact=True)
    expect(first_radio).to_be_focused()
    journey.check("error-link-to-the-field", error=True)
    keys.press("ArrowDown")
    expect(page.get_by_label(category, exact=True)).to_be_checked()

    keys.type_into(page.get_by_label("What is the concern?"), description)
    keys.type_into(page.get_by_label("What is the impact on the child?"), impact)
    # Shift+Tab goes back the way it came.
    keys.tab_to(page.get_by_label("What is the concern?"), back=True)
    keys.tab_to(page.get_by_label("What is the impact on the child?"))
    keys.activate(page.get_by_role("button", name="Add this concern"))
    banner_takes_focus(journey, "Concern added.")


def the_second_concern(keys: Keyboard, journey: Journey) -> None:
    page = journey.page
    category, description, impact = SUB_CONCERNS[1]
    keys.activate(page.get_by_role("link", name="The concerns"))
    expect(journey.h1()).to_have_text("Add a concern")
    # Safeguarding, Drift and delay, Process: two steps down.
    keys.tab_to(page.get_by_label("Safeguarding", exact=True))
    keys.press("ArrowDown")
    keys.press("ArrowDown")
    expect(page.get_by_label(category, exact=True)).to_be_checked()
    keys.type_into(page.get_by_label("What is the concern?"), description)
    keys.type_into(page.get_by_label("What is the impact on the child?"), impact)
    journey.check("second-concern")
    # Space presses a button as Enter does.
    keys.activate(page.get_by_role("button", name="Add this concern"), "Space")
    banner_takes_focus(journey, "Concern added.")
    expect(page.get_by_text("2 added.")).to_be_visible()


def the_action(keys: Keyboard, journey: Journey, by: dt.date) -> None:
    page = journey.page
    keys.activate(page.get_by_role("link", name="Agreed actions"))
    expect(journey.h1()).to_have_text("Add an agreed action")
    keys.type_into(page.get_by_label("What will be done?"), ACTION)
    who = page.get_by_label("Who will do it?")
    keys.tab_to(who)
    # Typing on a closed select picks the option that starts with what was typed.
    page.keyboard.type("Tom Manager")
    expect(who.locator("option:checked")).to_have_text("Tom Manager")
    group = page.get_by_role("group", name="By when?")
    keys.type_into(group.get_by_label("Day"), str(by.day))
    keys.type_into(group.get_by_label("Month"), str(by.month))
    keys.type_into(group.get_by_label("Year"), str(by.year))
    journey.check("action")
    keys.activate(page.get_by_role("button", name="Save action"))
    banner_takes_focus(journey, "Action added.")


def delegate_and_raise(keys: Keyboard, journey: Journey, team_manager, due: str) -> None:
    page = journey.page
    keys.activate(page.get_by_role("link", name="Delegate and raise"))
    expect(journey.h1()).to_have_text("Delegate and raise")
    expect(page.get_by_label("Who do you want to delegate it to?")).to_have_value(
        str(team_manager.pk)
    )
    keys.tab_to(page.get_by_role("button", name="Continue"))
    keys.press("Enter")
    expect(journey.h1()).to_have_text("Check your answers before raising the concern")
    keys.tab_to(page.get_by_role("button", name="Raise the concern"))
    journey.check("raise-button-focused")
    keys.press("Enter")
    banner_takes_focus(journey, f"Concern raised and delegated to Tom Manager. Response due {due}.")
    expect(journey.h1()).to_contain_text(TITLE)
    expect(page.get_by_text("Tom Manager, for a response")).to_be_visible()
    journey.check("raised")


def test_raise_a_concern_with_the_keyboard_alone(
    page, live_server, page_checks, child, iro, team_manager
):
    install_protocols()
    today = timezone.localdate()
    due = workdays.add_working_days(today, 5)
    journey = Journey(page, live_server.url, "keyboard-only", page_checks, blur=False)
    keys = Keyboard(journey)

    sign_in(keys, journey, iro)
    find_the_child(keys, journey)
    start_the_draft(keys, journey)
    the_first_concern_through_the_error_summary(keys, journey)
    the_second_concern(keys, journey)
    the_action(keys, journey, today + dt.timedelta(days=14))
    delegate_and_raise(keys, journey, team_manager, long_date(due))

    concern = Concern.objects.get()
    assert (concern.state, concern.title) == (ConcernState.FORMAL, TITLE)
    assert concern.sub_concerns.count() == 2
    assert list(concern.actions.values_list("description", "owner")) == [(ACTION, team_manager.pk)]
    task = Task.objects.get()
    assert (task.assignee_id, task.state, task.due_on) == (team_manager.pk, TaskState.ACTIVE, due)
    assert journey.errors == []
