"""The README's table of SSDA903 legal status codes is the one in imports/legal.py."""

import re
from pathlib import Path

from cases.models import ChildStatus, LegalStatus
from imports.legal import LS_CODES

README = Path(__file__).resolve().parents[2] / "README.md"


def test_readme_legal_status_table_matches_the_code():
    rows = re.findall(r"^\| `(\w\d)` \| (.+?) \| (.+?) \| (.+?) \|$", README.read_text(), re.M)

    assert [code for code, *_ in rows] == list(LS_CODES)
    for code, meaning, legal, child_type in rows:
        want_meaning, want_legal, want_type = LS_CODES[code]
        assert meaning == want_meaning
        assert legal.startswith(LegalStatus(want_legal).label.split(" (")[0])
        assert child_type == ChildStatus(want_type).label
