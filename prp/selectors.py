"""What each person's home page offers, by the roles they hold."""

from __future__ import annotations

from dataclasses import dataclass

from django.urls import reverse

from .models import DASHBOARD_ROLES, OPERATIONAL_ROLES, RAISER_ROLES, RoleCode, User


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


def start_sections(user: User) -> list[StartSection]:
    children_url = reverse("cases:child_list")
    sections = []
    if user.role_codes & RAISER_ROLES:
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
                    ),
                ),
            )
        )
    if user.role_codes & OPERATIONAL_ROLES:
        sections.append(
            StartSection(
                "Your work as a manager or practitioner",
                (
                    StartLink(
                        "My tasks",
                        "Concerns delegated to you that need your response, with due dates.",
                    ),
                    StartLink(
                        "Children in your teams",
                        "Children allocated to you, your teams and the teams you manage.",
                        children_url,
                    ),
                ),
            )
        )
    if user.role_codes & DASHBOARD_ROLES or user.is_superuser:
        sections.append(
            StartSection(
                "How the service is doing",
                (
                    StartLink(
                        "Dashboards",
                        "Open and overdue concerns, themes, and quality assurance by team.",
                    ),
                ),
            )
        )
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
                ),
            )
        )
    return sections
