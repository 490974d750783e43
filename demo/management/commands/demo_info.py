"""Say where to sign in to the demo and as whom."""

import os

from django.core.management.base import BaseCommand
from django.db import DatabaseError

from demo.authority import DEMO_PASSWORD, DEMO_SIGN_INS, demo_is_loaded
from prp.models import RoleCode, User


def default_url() -> str:
    return f"http://127.0.0.1:{os.environ.get('PORT') or 8000}/"


class Command(BaseCommand):
    help = "List the demo sign-ins and where to use them."

    def add_arguments(self, parser):
        parser.add_argument("--url", help="Where the app runs (default: http://127.0.0.1:$PORT/).")

    def handle(self, *args, url=None, **options):
        out = self.stdout.write
        out(f"Sign in at {url or default_url()}")
        try:
            loaded = demo_is_loaded()
        except DatabaseError:  # not migrated yet
            loaded = False
        if not loaded:
            out("The demo data is not loaded yet: run `manage.py seed_demo` first.")
        out("")
        role_width = max(len(role) for role, _ in DEMO_SIGN_INS)
        email_width = max(len(email) for _, email in DEMO_SIGN_INS)
        out(f"{'Role':<{role_width}}  Email")
        out(f"{'-' * role_width}  {'-' * email_width}")
        for role, email in DEMO_SIGN_INS:
            out(f"{role:<{role_width}}  {email}")
        if loaded:
            self.everyone(out)
        out("")
        out(f"Password for every demo account: {DEMO_PASSWORD}")

    def everyone(self, out) -> None:
        """Every active account, by role and then team, so a tester can find (say) the team
        manager of the child they picked. Someone with two roles is listed under each."""
        people = (
            User.objects.filter(is_active=True)
            .select_related("team")
            .prefetch_related("roles")
            .order_by("team__name", "full_name")
        )
        by_role: dict[str, list[User]] = {code: [] for code in RoleCode.values}
        for person in people:
            for role in person.roles.all():
                by_role[role.code].append(person)
        out("")
        out("Everyone in the demo, by role and team:")
        for code, holders in by_role.items():
            if not holders:
                continue
            out("")
            out(f"{RoleCode(code).label} ({len(holders)})")
            for person in holders:
                team = person.team.name if person.team_id else "No team"
                out(f"  {team:<34}  {person.full_name:<28}  {person.email}")
