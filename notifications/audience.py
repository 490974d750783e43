"""Who may hear about what a message is about: told to the outbox by the apps that know.

A message about a child (or about a concern, which is about children) may reach only people who
may still hear about them. The outbox does not know the rule: each app that owns a kind of thing
registers, from its AppConfig.ready(), a function giving the rows of that model a person may not
hear about. The outbox then asks the same question everywhere: when it queues a message, in each
person's list and unread count, and just before anything is sent (on its own, in a digest, after
a retry), so one rule decides all of them.

A registered `hidden(person)` returns a Q over the registered model. `person` is a user's id, or
an OuterRef to one from the query the Q is used in (see `deeper`).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.db.models import Exists, F, Model, OuterRef, Q


@dataclass(frozen=True)
class Audience:
    model: type[Model]
    hidden: Callable[[object], Q]
    reason: str
    # Field lookups every hidden row matches, whoever the person (for a child, restricted=True):
    # a cheap first look that lets the sender skip the full rule for a batch with none. None
    # when there is no such condition: then every row gets the full rule.
    only_among: dict | None = None


_AUDIENCES: list[Audience] = []

# What a message can be about, by the model it points at: the row's own foreign keys.
FIELDS = {"cases.child": ("child",), "escalations.concern": ("concern",)}
# A digest lists other things: its items (the rows it carried) and, for a team digest, concerns.
LISTED_CONCERNS = "listed_concerns"


def register(
    model: type[Model],
    hidden: Callable[[object], Q],
    reason: str,
    only_among: dict | None = None,
) -> None:
    if any(audience.model is model for audience in _AUDIENCES):
        return  # ready() may run twice (tests that reload apps)
    _AUDIENCES.append(Audience(model, hidden, reason, only_among))


def audiences() -> list[Audience]:
    return list(_AUDIENCES)


def deeper(person):
    """The same person seen from one subquery further in: an OuterRef gains a level."""
    if isinstance(person, OuterRef):
        return OuterRef(person)
    if isinstance(person, F):
        return OuterRef(person.name)
    return person


def _about(audience: Audience, field: str, person) -> Q:
    """Rows whose `field` (a foreign key to the audience's model) is hidden from `person`."""
    target = audience.model.objects.filter(pk=OuterRef(f"{field}_id"))
    return Q(Exists(target.filter(audience.hidden(deeper(person)))))


def unheard(audience: Audience, person=None) -> Q:
    """Notification rows about something of the audience's model that their recipient (or
    `person`, when the rows are one person's) may not hear about, including what a digest
    lists."""
    from .models import Kind, Notification

    person = F("recipient_id") if person is None else person
    label = audience.model._meta.label_lower
    rule = Q(pk__in=[])
    for field in FIELDS.get(label, ()):
        rule |= _about(audience, field, person)
    if label == "escalations.concern":
        through = Notification.listed_concerns.through
        listed = through.objects.filter(notification_id=OuterRef("pk"))
        hidden = Q(Exists(listed.filter(_about(audience, "concern", deeper(person)))))
        rule |= Q(kind=Kind.TEAM_DIGEST) & hidden
    # Only digests carry items, and only team digests list concerns: the kind settles the rest
    # without a subquery.
    items = Notification.objects.filter(digest_id=OuterRef("pk"))
    inner = F("recipient_id") if isinstance(person, F) else deeper(person)
    for field in FIELDS.get(label, ()):
        rule |= Q(kind=Kind.DIGEST) & Q(Exists(items.filter(_about(audience, field, inner))))
    return rule


def unheard_by_anyone(person=None) -> Q:
    rule = Q(pk__in=[])
    for audience in _AUDIENCES:
        rule |= unheard(audience, person)
    return rule


def hearable(notifications, user):
    """One person's notifications, leaving out those they may no longer hear about."""
    return notifications.exclude(unheard_by_anyone(user.pk))


def reasons_not_to_send(pks: Iterable[int]) -> dict[int, str]:
    """Of these rows, those whose recipient may no longer hear about them, with the reason.
    One query per registered audience, however many rows and recipients."""
    from .models import Notification

    pks = _suspects(list(pks))
    reasons: dict[int, str] = {}
    for audience in _AUDIENCES:
        if not pks:
            break
        found = Notification.objects.filter(pk__in=pks).filter(unheard(audience))
        for pk in found.values_list("pk", flat=True):
            reasons[pk] = audience.reason
        pks = [pk for pk in pks if pk not in reasons]
    return reasons


def _suspects(pks: list[int]) -> list[int]:
    """Of these rows, those the full rules could hide: each digest (it lists other rows and
    concerns, see `unheard`) and each row about something that meets an audience's
    `only_among`. One plain query for the batch; building the full rules' query costs
    milliseconds of Python a batch, so a batch with no suspect (the usual case) skips it."""
    from .models import Kind, Notification

    if not pks:
        return []
    rule = Q(kind__in=[Kind.DIGEST, Kind.TEAM_DIGEST])
    for audience in _AUDIENCES:
        if audience.only_among is None:
            return pks
        for field in FIELDS.get(audience.model._meta.label_lower, ()):
            rule |= Q(**{f"{field}__{name}": value for name, value in audience.only_among.items()})
    found = set(Notification.objects.filter(pk__in=pks).filter(rule).values_list("pk", flat=True))
    return [pk for pk in pks if pk in found]


def set_aside(notifications) -> int:
    """Mark the waiting rows of `notifications` whose recipient may no longer hear about them
    not needed, with the reason (before a digest gathers them). How many were marked."""
    from .models import Status

    marked = 0
    for audience in _AUDIENCES:
        marked += notifications.filter(unheard(audience)).update(
            status=Status.NOT_NEEDED, not_needed_reason=audience.reason[:200]
        )
    return marked


def hidden_ids(model_label: str, person_pk: int, ids: Iterable[int]) -> set[int]:
    """Which of these rows (of the model labelled `model_label`) the person may not hear about."""
    ids = set(ids)
    hidden: set[int] = set()
    for audience in _AUDIENCES:
        if ids and audience.model._meta.label_lower == model_label:
            rows = audience.model.objects.filter(pk__in=ids).filter(audience.hidden(person_pk))
            hidden |= set(rows.values_list("pk", flat=True))
    return hidden


def may_hear(messages: list) -> list:
    """The messages (notifications.services.Message) whose recipient may hear about what they
    are about, and everything they list: one query per recipient and kind of thing named."""
    wanted: dict[tuple[str, int], set[int]] = defaultdict(set)
    for message in messages:
        for label, pk in _named_in(message):
            wanted[(label, message.recipient.pk)].add(pk)
    hidden = {
        (label, person): hidden_ids(label, person, ids) for (label, person), ids in wanted.items()
    }
    return [
        message
        for message in messages
        if not any(pk in hidden[(label, message.recipient.pk)] for label, pk in _named_in(message))
    ]


def _named_in(message) -> list[tuple[str, int]]:
    named = []
    if message.child is not None:
        named.append(("cases.child", message.child.pk))
    for concern in [message.concern, *message.concerns]:
        if concern is not None:
            named.append(("escalations.concern", concern.pk))
    return named
