"""Who a good practice note can go to: grouped by team, each team's name said once."""

from __future__ import annotations

import re

from django.urls import reverse

from prp.models import RoleCode
from tests.factories import TeamFactory, UserFactory


def test_the_recipient_list_names_each_team_once(client, gloucestershire, iro, team, social_worker):
    other = TeamFactory(name="Fostering North", unit=team.unit)
    for name in ("Ann Alder", "Ben Birch", "Cat Cedar"):
        UserFactory(full_name=name, roles=[RoleCode.SOCIAL_WORKER], team=other)
    UserFactory(full_name="Dan Drifter", roles=[RoleCode.SOCIAL_WORKER], team=None)
    client.force_login(iro)
    page = client.get(reverse("escalations:good_practice_new")).content.decode()
    groups = re.findall(r'<optgroup label="([^"]+)">', page)
    assert groups.count("Fostering North") == 1
    assert groups[-1] == "No team"
    assert groups == [*sorted(groups[:-1]), "No team"]
    assert page.count("Fostering North") == 1  # not repeated after each person
    north = page.split('<optgroup label="Fostering North">', 1)[1].split("</optgroup>", 1)[0]
    assert [re.sub(r" \(.*", "", name) for name in re.findall(r">([^<]+)</option>", north)] == [
        "Ann Alder",
        "Ben Birch",
        "Cat Cedar",
    ]
    assert "Dan Drifter" in page.split('<optgroup label="No team">', 1)[1]
