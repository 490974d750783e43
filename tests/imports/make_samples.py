"""Writes the synthetic sample files in samples/ (made up, never real data):
`python tests/imports/make_samples.py`. Fixed seed, so the files stay the same."""

import csv
import datetime as dt
import random
import xml.etree.ElementTree as ET
from pathlib import Path

HERE = Path(__file__).parent / "samples"
LS = ["C2", "C2", "C1", "V2", "E1"]


def children(rng, count=50):
    for n in range(count):
        child = str(1000001 + n)
        dob = dt.date(2010, 1, 1) + dt.timedelta(days=rng.randrange(3650))
        start = dt.date(2024, 1, 8) + dt.timedelta(days=rng.randrange(300))
        yield child, dob, start, LS[n % len(LS)], n


def fmt(day):
    return day.strftime("%d/%m/%Y")


def main():
    rng = random.Random(903)
    rows = list(children(rng))
    with open(HERE / "ssda903_header.csv", "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["CHILD", "SEX", "DOB", "ETHNIC", "UPN", "MOTHER", "MC_DOB"])
        for child, dob, *_ in rows:
            w.writerow([child, rng.choice("12"), fmt(dob), "WBRI", "", "", ""])
    with open(HERE / "ssda903_episodes.csv", "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(
            [
                "CHILD",
                "DECOM",
                "RNE",
                "LS",
                "CIN",
                "PLACE",
                "PLACE_PROVIDER",
                "DEC",
                "REC",
                "REASON_PLACE_CHANGE",
                "HOME_POST",
                "PL_POST",
                "URN",
            ]
        )
        for child, _dob, start, ls, n in rows:
            if n % 3 == 0:  # a move of carer four months in
                move = start + dt.timedelta(days=120)
                w.writerow(
                    [child, fmt(start), "S", ls, "N1", "U1", "PR1", fmt(move), "X1", "", "", "", ""]
                )
                end, rec = ("", "") if n % 10 else (fmt(move + dt.timedelta(days=60)), "E11")
                w.writerow(
                    [child, fmt(move), "P", ls, "N1", "U3", "PR1", end, rec, "CARPL", "", "", ""]
                )
            else:
                w.writerow([child, fmt(start), "S", ls, "N1", "U1", "PR1", "", "", "", "", "", ""])
    with open(HERE / "ssda903_reviews.csv", "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["CHILD", "DOB", "REVIEW", "REVIEW_CODE"])
        for child, dob, start, _ls, _n in rows:
            w.writerow([child, fmt(dob), fmt(start + dt.timedelta(days=25)), "PN1"])
    with open(HERE / "children.csv", "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(
            [
                "EXTERNAL_ID",
                "FIRST_NAME",
                "LAST_NAME",
                "DATE_OF_BIRTH",
                "CHILD_TYPE",
                "LEGAL_STATUS",
                "TEAM",
                "RESTRICTED",
            ]
        )
        for child, dob, _start, ls, n in rows[:10]:
            w.writerow(
                [
                    child,
                    f"Sample{n}",
                    "Child",
                    fmt(dob),
                    "child_in_care",
                    ls,
                    "Children in Care North",
                    "no",
                ]
            )
    ssda903_xml()
    cin_census(random.Random(16))


def _add(parent, tag, text=None):
    element = ET.SubElement(parent, tag)
    if text is not None:
        element.text = text
    return element


def _write_xml(root, name):
    ET.indent(root)
    ET.ElementTree(root).write(HERE / name, encoding="utf-8", xml_declaration=True)
    with open(HERE / name, "a") as f:
        f.write("\n")


def ssda903_xml():
    """The CSV set above as the return's one XML file: the same children, episodes, reviews."""

    def read(name):
        with open(HERE / name, newline="") as f:
            return list(csv.DictReader(f))

    episodes, reviews = read("ssda903_episodes.csv"), read("ssda903_reviews.csv")
    root = ET.Element("EXPSSDA903")
    for head in read("ssda903_header.csv"):
        child = _add(root, "CHILD")
        header = _add(child, "HEADER")
        _add(header, "CHILDID", head["CHILD"])
        for column in ("SEX", "DOB", "ETHNIC"):
            _add(header, column, head[column])
        for review in (r for r in reviews if r["CHILD"] == head["CHILD"]):
            areview = _add(header, "AREVIEW")
            _add(areview, "REVIEW", review["REVIEW"])
            _add(areview, "REVIEW_CODE", review["REVIEW_CODE"])
        for row in (e for e in episodes if e["CHILD"] == head["CHILD"]):
            episode = _add(child, "EPISODE")
            for column, element in (
                ("DECOM", "DECOM"),
                ("RNE", "RNE"),
                ("LS", "LS"),
                ("CIN", "CIN"),
                ("PLACE", "PL"),
                ("PLACE_PROVIDER", "PLACE_PROVIDER"),
                ("DEC", "DEC"),
                ("REC", "REC"),
                ("REASON_PLACE_CHANGE", "REASON_PLACE_CHANGE"),
            ):
                if row[column]:
                    _add(episode, element, row[column])
    _write_xml(root, "ssda903.xml")


def cin_census(rng, count=22):
    """A CIN census of 22 children: 20 on plans (open, reviewed, ended, a second plan after an
    ended one) and 2 children in need with no plan. ISO dates, as the DfE's schema has them."""
    root = ET.Element("Message")
    header = _add(root, "Header")
    details = _add(header, "CollectionDetails")
    _add(details, "Collection", "CIN")
    _add(details, "Year", "2026")
    _add(details, "ReferenceDate", "2026-03-31")
    source = _add(header, "Source")
    _add(source, "SourceLevel", "L")
    _add(source, "LEA", "999")
    _add(source, "SoftwareCode", "Sample")
    children = _add(root, "Children")
    for n in range(count):
        dob = dt.date(2012, 1, 1) + dt.timedelta(days=rng.randrange(3650))
        start = dt.date(2024, 6, 3) + dt.timedelta(days=rng.randrange(150))
        child = _add(children, "Child")
        ids = _add(child, "ChildIdentifiers")
        _add(ids, "LAchildID", str(2000001 + n))
        _add(ids, "UPN", "")
        _add(ids, "PersonBirthDate", dob.isoformat())
        _add(ids, "Sex", rng.choice("12"))
        traits = _add(child, "ChildCharacteristics")
        _add(traits, "Ethnicity", "WBRI")
        cin = _add(child, "CINdetails")
        _add(cin, "CINreferralDate", (start - dt.timedelta(days=30)).isoformat())
        _add(cin, "ReferralSource", "1A")
        _add(cin, "PrimaryNeedCode", "N1")
        if n >= 20:  # a child in need, with no plan
            continue
        kind = n % 5
        plans = []
        if kind == 4:  # a plan that ended, then the current plan
            first = start - dt.timedelta(days=400)
            plans.append((first, [first + dt.timedelta(days=85)], first + dt.timedelta(days=200)))
        if kind == 0:  # made lately: no review yet
            start = dt.date(2025, 6, 2) + dt.timedelta(days=rng.randrange(60))
        reviews = [
            start + dt.timedelta(days=85 + 180 * i) for i in range({1: 1, 2: 2}.get(kind, 1))
        ]
        if kind == 0:
            reviews = []
        end = start + dt.timedelta(days=300) if kind == 3 else None
        plans.append((start, reviews, end))
        for plan_start, _reviews, _end in plans:
            s47 = _add(cin, "Section47")
            _add(s47, "S47ActualStartDate", (plan_start - dt.timedelta(days=12)).isoformat())
            _add(s47, "InitialCPCtarget", (plan_start - dt.timedelta(days=1)).isoformat())
            _add(s47, "DateOfInitialCPC", plan_start.isoformat())
            _add(s47, "ICPCnotRequired", "false")
        for plan_start, plan_reviews, plan_end in plans:
            cpp = _add(cin, "ChildProtectionPlans")
            _add(cpp, "CPPstartDate", plan_start.isoformat())
            if plan_end:
                _add(cpp, "CPPendDate", plan_end.isoformat())
            _add(cpp, "InitialCategoryOfAbuse", "NEG")
            _add(cpp, "LatestCategoryOfAbuse", "NEG")
            _add(cpp, "NumberOfPreviousCPP", str(len(plans) - 1))
            if plan_reviews:
                held = _add(cpp, "Reviews")
                for day in plan_reviews:
                    _add(held, "CPPreviewDate", day.isoformat())
    _write_xml(root, "cin_census.xml")


if __name__ == "__main__":
    main()
