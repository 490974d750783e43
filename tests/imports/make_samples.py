"""Writes the synthetic sample files in samples/ (made up, never real data):
`python tests/imports/make_samples.py`. Fixed seed, so the files stay the same."""

import csv
import datetime as dt
import random
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


if __name__ == "__main__":
    main()
