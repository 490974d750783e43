"""Every URL of the service, tried by every persona on every side of objects (issue 7, part 3).

The expected results are the table in tests/trust/matrix.py; the world they are tried in is
tests/trust/world.py. A wrong result is collected, not raised, so one run lists them all.
"""

from __future__ import annotations

import time

from django.urls import URLPattern, URLResolver, get_resolver, reverse

from . import matrix
from .matrix import MATRIX, PUBLIC, REDIRECT, SIGN_IN
from .world import PERSONAS

# The service's own code: a URL whose view lives here must be in the matrix. The admin's pages
# are Django's, apart from its index; static files are not URL patterns.
OUR_PACKAGES = (
    "config",
    "prp",
    "cases",
    "escalations",
    "qapr",
    "notifications",
    "imports",
    "dashboards",
    "reminders",
    "records",
    "demo",
)
ADMIN_PAGES = {"admin:index"}


def _ours(name: str, pattern: URLPattern) -> bool:
    module = pattern.callback.__module__
    return name in ADMIN_PAGES or module.split(".")[0] in OUR_PACKAGES


def named_urls() -> dict[str, URLPattern]:
    """Every named URL pattern whose view is the service's own (and the admin's index)."""
    found: dict[str, URLPattern] = {}

    def walk(patterns, namespace: str | None):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                inner = pattern.namespace or namespace
                walk(pattern.url_patterns, inner)
            elif isinstance(pattern, URLPattern) and pattern.name:
                name = f"{namespace}:{pattern.name}" if namespace else pattern.name
                if _ours(name, pattern):
                    found[name] = pattern

    walk(get_resolver().url_patterns, None)
    return found


def path_for(world, entry: str, variant: str) -> str:
    name = matrix.url_name(entry)
    target = matrix.target_of(entry)
    side = world.side(variant) if target else None
    args = [getattr(side, attribute).pk for attribute in target.args] if target else []
    query = {key: getattr(side, attribute).pk for key, attribute in target.query} if target else {}
    query.update(matrix.query_of(entry))
    path = reverse(name, args=args)
    if query:
        path += "?" + "&".join(f"{key}={value}" for key, value in query.items())
    return path


def outcome(response):
    """What a response amounts to, in the terms of the table."""
    if response.status_code == 302:
        location = response["Location"]
        if location.startswith((reverse("login"), "/admin/login/")):
            return SIGN_IN
        return REDIRECT
    if response.status_code in (200, 503) and response.request["PATH_INFO"] == reverse("health"):
        return PUBLIC
    return response.status_code


def cases():
    for entry in MATRIX:
        for variant in matrix.variants_of(entry):
            for persona in PERSONAS:
                yield entry, persona, variant


def test_every_url_of_our_apps_is_in_the_matrix():
    named = set(named_urls())
    in_matrix = {matrix.url_name(entry) for entry in MATRIX}
    missing = sorted(named - in_matrix)
    assert not missing, f"Add these URLs to tests/trust/matrix.py MATRIX: {missing}"
    gone = sorted(in_matrix - named)
    assert not gone, f"These URLs are in the matrix but no longer exist: {gone}"


def test_every_url_with_arguments_says_which_objects_fill_them():
    for name, pattern in named_urls().items():
        wanted = len(pattern.pattern.converters)
        target = matrix.target_of(name)
        given = len(target.args) if target else 0
        assert given == wanted, f"MATRIX[{name!r}] needs on(row, ...) with {wanted} objects"


def test_each_persona_gets_what_the_matrix_says(world, clients, capsys):
    started = time.perf_counter()
    wrong = []
    count = 0
    for entry, persona, variant in cases():
        path = path_for(world, entry, variant)
        want = matrix.expected(entry, persona, variant)
        got = outcome(clients[persona].get(path))
        count += 1
        if got != want:
            wrong.append((entry, persona, variant, want, got, path))
    urls = len(MATRIX)
    with_objects = sum(1 for entry in MATRIX if matrix.variants_of(entry) != ("-",))
    # Shown even when the test passes: the size of the matrix is part of what it proves.
    with capsys.disabled():
        print(
            f"\nPermission matrix: {len(PERSONAS)} personas x {urls} URLs "
            f"({with_objects} with own/other/restricted objects): {count} cases, "
            f"{len(wrong)} unexpected, in {time.perf_counter() - started:.1f}s"
        )
    listing = "\n".join(
        f"  {entry} | {persona} | {variant} | expected {want} | got {got} | {path}"
        for entry, persona, variant, want, got, path in wrong
    )
    assert not wrong, f"{len(wrong)} of {count} cases differ from the matrix:\n{listing}"
