"""Every link in an error summary lands on an element that exists on the page."""

import datetime as dt
import re

import time_machine
from django.urls import reverse

from cases import services
from cases.models import SignificantChange


@time_machine.travel(dt.datetime(2026, 6, 10, 11, 0), tick=False)
def test_error_links_for_conditional_radios_land_on_the_first_radio(
    client, child, social_worker, iro
):
    change = services.significant_change_record(
        child=child,
        by=social_worker,
        kind=SignificantChange.Kind.MISSING,
        occurred_on=dt.date(2026, 6, 9),
        details="Missing overnight, found safe.",
    )
    client.force_login(iro)
    page = client.post(
        reverse("cases:change_decide", args=[change.pk]), {"lock_version": change.lock_version}
    ).content.decode()
    summary = page.split('class="govuk-error-summary"')[1].split("</ul>")[0]
    anchors = re.findall(r'href="#([^"]+)"', summary)
    assert anchors
    for anchor in anchors:
        assert f'id="{anchor}"' in page, anchor
        radio = re.search(rf'type="radio"\s+name="([^"]+)"\s+class="[^"]*"\s+id="{anchor}"', page)
        if radio:
            # The link must land on the first radio of its question, not the second.
            first = re.search(
                rf'type="radio"\s+name="{radio[1]}"\s+class="[^"]*"\s+id="([^"]+)"', page
            )
            assert first[1] == anchor
    assert "id_decision_1" in anchors
