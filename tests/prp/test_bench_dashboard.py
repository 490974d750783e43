"""bench_dashboard: server time and raw SQL time of pages, side by side, on a tiny dataset."""

import io

import pytest
from django.core.management import CommandError, call_command

from demo.management.commands.bench_dashboard import is_read, percentile

pytestmark = pytest.mark.usefixtures("gloucestershire")


def bench(*args, **options) -> str:
    out = io.StringIO()
    call_command("bench_dashboard", *args, stdout=out, **options)
    return out.getvalue()


@pytest.fixture
def tiny(db):
    call_command("seed_scale", children=60, seed=3, stdout=io.StringIO())


def test_it_times_each_page_and_its_sql(tiny):
    out = bench("--runs", "2", "--page", "home", "--page", "/children/", "--top", "2")
    lines = out.splitlines()
    assert "reviewing_service_manager" in lines[0]
    header = next(line for line in lines if line.startswith("Page"))
    assert "Server p50 (ms)" in header and "Raw SQL p95 (ms)" in header
    home = next(line for line in lines if line.startswith("home "))
    children = next(line for line in lines if line.startswith("/children/ "))
    for row in (home, children):
        cells = row.split()
        queries, *times = cells[2:]
        assert int(queries) > 0
        assert len(times) == 4 and all(float(t) > 0 for t in times)
    assert "slowest statements" in out


def test_markdown_table_and_pages_not_built_yet(tiny, service_manager):
    out = bench(
        "--runs",
        "2",
        "--user",
        service_manager.email.upper(),
        "--page",
        "/children/",
        "--page",
        "dashboards:not_a_page",
        "--markdown",
        "--explain",
    )
    assert "Skipped dashboards:not_a_page: no page has that name yet." in out
    assert "| Page | Path | Queries | Server p50 (ms) |" in out
    row = next(line for line in out.splitlines() if line.startswith("| /children/ |"))
    assert len(row.strip("|").split("|")) == 7
    assert "slowest statement (" in out


def test_a_page_that_does_not_answer_200_is_skipped(tiny):
    out = bench("--runs", "1", "--page", "/no-such-page/")
    assert "Skipped /no-such-page/: /no-such-page/ answered 404." in out


def test_an_unknown_person_is_refused(db):
    with pytest.raises(CommandError, match="Nobody has the email address"):
        bench("--user", "nobody@example.org")


def test_percentiles_and_reads():
    values = [float(v) for v in range(1, 21)]
    assert percentile(values, 0.5) == 10.0
    assert percentile(values, 0.95) == 19.0
    assert percentile([3.0], 0.95) == 3.0
    assert is_read('SELECT "x" FROM "y"') and is_read("WITH a AS (SELECT 1) SELECT * FROM a")
    assert not is_read('UPDATE "django_session" SET "x" = 1')
    assert not is_read('SELECT "x" FROM "y" FOR UPDATE')


def test_all_times_every_main_role_on_every_main_page(tiny):
    out = bench("--all", "--runs", "1")
    assert "| page | who | queries | p50 (ms) | p95 (ms) | raw SQL p50 (ms) |" in out
    rows = [line for line in out.splitlines() if line.startswith("| /")]
    who = {row.split("|")[2].strip() for row in rows}
    # seed_scale makes every one of the main roles.
    assert who == {
        "IRO",
        "CP chair",
        "team manager",
        "head of service",
        "assistant director",
        "reviewing service manager",
        "performance officer",
    }
    pages = {(row.split("|")[1].strip(), row.split("|")[2].strip()) for row in rows}
    assert ("/concerns/clinic/", "reviewing service manager") in pages
    assert ("/dashboard/", "performance officer") in pages
    assert any(page.startswith("/concerns/") and page[10:-1].isdigit() for page, _ in pages)
    assert any(page.startswith("/tasks/") and page[7:-1].isdigit() for page, _ in pages)
    for row in rows:
        queries, p50, p95 = (cell.strip() for cell in row.split("|")[3:6])
        assert int(queries) > 0 and float(p50) > 0 and float(p95) >= float(p50)
