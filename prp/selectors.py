"""What each person's home page offers, by the roles they hold."""

from __future__ import annotations

from dataclasses import dataclass

from django.urls import reverse

from .models import OPERATIONAL_ROLES, RAISER_ROLES, RoleCode, User
from .permissions import may_see_dashboards


@dataclass(frozen=True)
class StartLink:
    title: str
    description: str
    url: str | None = None  # None while the part of the service is still being built

    @property
    def coming(self) -> bool:
        return self.url is None


@dataclass(frozen=True)
class StartSection:
    heading: str
    links: tuple[StartLink, ...]


def _good_practice_link() -> StartLink:
    return StartLink(
        "Good practice notes",
        "Tell someone what they did well, and see the notes you have sent and received.",
        reverse("escalations:good_practice_list"),
    )


def _clinic_link() -> StartLink:
    return StartLink(
        "Weekly clinic",
        "Every open concern by stage, with good practice from the last week.",
        reverse("escalations:weekly_clinic"),
    )


def start_sections(user: User) -> list[StartSection]:
    children_url = reverse("cases:child_list")
    sections = []
    is_raiser = bool(user.role_codes & RAISER_ROLES)
    if is_raiser:
        sections.append(
            StartSection(
                "Children you review",
                (
                    StartLink(
                        "My children",
                        "Find a child, see who is allocated and check their plan.",
                        children_url,
                    ),
                    StartLink(
                        "My concerns",
                        "Raise a concern about a child's plan and follow it up the ladder.",
                        reverse("escalations:concern_list"),
                    ),
                    StartLink(
                        "Reviews due",
                        "Statutory reviews and conferences coming due, your post-review tasks "
                        "and significant changes waiting for your decision.",
                        reverse("cases:reviews_due"),
                    ),
                    StartLink(
                        "QAPRs due",
                        "Quality assurance progress reviews due between reviews, and your "
                        "drafts in progress.",
                        reverse("qapr:qapr_due"),
                    ),
                    StartLink(
                        "QAPR recommendations to follow up",
                        "Recommendations from your QAPRs that are not done yet.",
                        reverse("qapr:recommendation_list"),
                    ),
                    _clinic_link(),
                    _good_practice_link(),
                ),
            )
        )
    if user.role_codes & OPERATIONAL_ROLES:
        links = [
            StartLink(
                "My tasks",
                "Concerns delegated to you that need your response, with due dates.",
                reverse("escalations:task_inbox"),
            ),
            StartLink(
                "Children in your teams",
                "Children allocated to you, your teams and the teams you manage.",
                children_url,
            ),
            StartLink(
                "Reviews and post-review tasks",
                "Review decisions to consider, care plans to update and reviews coming due.",
                reverse("cases:reviews_due"),
            ),
        ]
        if not is_raiser:
            links.append(_good_practice_link())
        sections.append(StartSection("Your work as a manager or practitioner", tuple(links)))
    if may_see_dashboards(user):
        links = [
            StartLink(
                "Dashboard",
                "Open and overdue concerns, time to resolution, themes, QAPR compliance and "
                "statutory reviews, by team and service.",
                reverse("dashboards:dashboard"),
            ),
            StartLink(
                "Monthly themes report",
                "Concern categories by team for a month, with examples of the impact on children.",
                reverse("reports:themes"),
            ),
            StartLink(
                "Weekly clinic pack",
                "A printable pack: new, open, overdue and resolved concerns, and good practice.",
                reverse("reports:clinic_pack"),
            ),
            StartLink(
                "Figures for the IRO annual report",
                "A reporting year's figures, April to March, ready to download.",
                reverse("reports:annual"),
            ),
        ]
        # The clinic is open to service-wide roles too (escalations.rules.may_open_clinic).
        if user.is_service_wide and not is_raiser:
            links.append(_clinic_link())
        sections.append(StartSection("How the service is doing", tuple(links)))
    if user.is_staff and (user.has_role(RoleCode.ADMINISTRATOR) or user.is_superuser):
        sections.append(
            StartSection(
                "Administration",
                (
                    StartLink(
                        "Manage the service",
                        "People, teams, the management hierarchy and closure days.",
                        reverse("admin:index"),
                    ),
                    # By URL name: the imports app sits above this one.
                    StartLink(
                        "Import records",
                        "Load teams, people, children, allocations and the SSDA903 return "
                        "from the council's files.",
                        reverse("imports:import_start"),
                    ),
                ),
            )
        )
    return sections
