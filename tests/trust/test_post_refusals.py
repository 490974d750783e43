"""A POST by someone without the right is refused and changes nothing (issue 7, part 3).

For every URL that changes something, every persona the matrix refuses (403, 404, or sent to
sign in) posts a valid form on every side of objects: the response must be the refusal, and the
request must not write to any of the service's tables (not even a write later rolled back).
They post an empty form too on our side (where a missing check would show the form's errors
instead of the refusal). The valid form is proved valid first: the persona the matrix allows
succeeds with it, and writes.
"""

from __future__ import annotations

import time

from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from . import matrix
from .matrix import FORBIDDEN, NOT_FOUND, OK, REDIRECT, SIGN_IN
from .posts import CANNOT_SUCCEED, OPEN_TO_ALL, POST_RULES, VALID, tables_written
from .test_access_matrix import outcome, path_for
from .world import PERSONAS

REFUSALS = {FORBIDDEN, NOT_FOUND, SIGN_IN}


def post_expected(name: str, persona: str, variant: str):
    return matrix.expected(name, persona, variant, POST_RULES.get(name))


def allowed_persona(name: str) -> str:
    rules = POST_RULES.get(name) or matrix.rules_of(name)
    return next(persona for persona in PERSONAS if rules[persona] == OK)


def post(client, path, data):
    """POST inside a savepoint that is rolled back, so each try starts from the same world.
    Returns the response and the service's tables the request wrote to."""
    with transaction.atomic(), CaptureQueriesContext(connection) as queries:
        response = client.post(path, data)
        transaction.set_rollback(True)
    return response, tables_written(queries.captured_queries)


def test_every_url_that_takes_a_post_has_a_sample_or_is_open_to_all(world, clients):
    """A URL not in VALID must be read-only (a POST is 405) or one anyone signed in may post."""
    names = {matrix.url_name(entry) for entry in matrix.MATRIX}
    wrong = []
    for name in sorted(names - set(VALID) - OPEN_TO_ALL):
        response = clients["iro"].post(path_for(world, name, "own"))
        if response.status_code != 405:
            wrong.append((name, response.status_code))
    assert not wrong, f"Add a sample to tests/trust/posts.py VALID for: {wrong}"


def test_the_valid_samples_succeed_for_the_persona_allowed(world, clients):
    failures = []
    for name, sample in VALID.items():
        if name in CANNOT_SUCCEED:
            continue
        persona = allowed_persona(name)
        side = world.side("own")
        path = path_for(world, name, "own")
        response, written = post(clients[persona], path, sample(side, world))
        if outcome(response) != REDIRECT or not written:
            errors = response.context.get("form").errors if response.context else ""
            failures.append((name, persona, outcome(response), errors))
    assert not failures, "\n".join(map(str, failures))


def test_a_refused_post_changes_nothing(world, clients):
    started = time.perf_counter()
    wrong, count = [], 0
    for name, sample in VALID.items():
        for variant in matrix.variants_of(name):
            path = path_for(world, name, variant)
            for persona in PERSONAS:
                want = post_expected(name, persona, variant)
                if want not in REFUSALS:
                    continue
                for form in ("valid", "empty") if variant == "own" else ("valid",):
                    data = sample(world.sides.get(variant), world) if form == "valid" else {}
                    response, changed = post(clients[persona], path, data)
                    count += 1
                    got = outcome(response)
                    if got != want or changed:
                        wrong.append((name, persona, variant, form, want, got, changed))
    print(f"\nRefused POSTs: {count} in {time.perf_counter() - started:.1f}s")
    listing = "\n".join(f"  {case}" for case in wrong)
    assert not wrong, f"{len(wrong)} of {count} refused POSTs went wrong:\n{listing}"


def test_a_signed_out_post_is_sent_to_sign_in(world, clients):
    response = clients["signed_out"].post(reverse("notifications:notification_mark_all_read"))
    assert outcome(response) == SIGN_IN
