"""The world for the trust tests, built once per module.

Building it drives every service (a few hundred queries), so it is made once for a module inside
a transaction that is rolled back at the end; each test runs in a savepoint within it, so what a
test changes is undone before the next. The clock stays at NOW throughout.
"""

import pytest
import time_machine
from django.db import transaction
from django.test import Client

from .world import NOW, PERSONAS, build_world


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    traveller = time_machine.travel(NOW, tick=True)
    traveller.start()
    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
        try:
            built = build_world()
        except BaseException:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)
            traveller.stop()
            raise
    yield built
    with django_db_blocker.unblock():
        transaction.set_rollback(True)
        outer.__exit__(None, None, None)
    traveller.stop()


@pytest.fixture
def clients(world, db):
    """A signed-in test client per persona (and one signed out)."""
    signed_in = {}
    for persona in PERSONAS:
        client = Client()
        if persona != "signed_out":
            client.force_login(world.people[persona])
        signed_in[persona] = client
    return signed_in
