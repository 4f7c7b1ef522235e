"""One parcel: :class:`Shipment`, the line quantities in it, and its tracking.

A shipment is a frozen value. New carrier events give a new shipment
(:meth:`Shipment.with_events`), whose tracking the reducer in
:mod:`fulfillment_core.tracking` recomputes from the whole set of events seen so far.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import attrs
import pendulum

from ._validation import (
    Checker,
    checked_copy,
    first_duplicates,
    to_datetime,
    to_line,
    to_text,
    to_tuple,
)
from .exceptions import ValidationError
from .tracking import TrackingEvent, TrackingState, TrackingStatus, _reduce_canonical

__all__ = ["LineQuantity", "Shipment"]


@attrs.frozen
class LineQuantity:
    """A quantity of one order line: ``LineQuantity("line-1", 2)``."""

    line_id: str = attrs.field(converter=to_text)
    quantity: int

    def __attrs_post_init__(self) -> None:
        check = Checker()
        check.text("line_id", self.line_id, max_length=255)
        check.integer("quantity", self.quantity, minimum=1, maximum=1_000_000)
        check.done("LineQuantity")


def _to_line_quantities(
    value: Mapping[str, int] | Iterable[LineQuantity | tuple[str, int]],
) -> Any:
    """``{"line-1": 2}`` or ``[("line-1", 2)]`` or a list of ``LineQuantity`` to a tuple.

    Pairs that do not make a valid ``LineQuantity`` stay pairs, for the owner to report.
    """
    if value.__class__ is tuple and all(item.__class__ is LineQuantity for item in value):
        return value  # already converted (values pass theirs on): nothing to build
    if isinstance(value, Mapping):
        value = list(value.items())
    if isinstance(value, (list, tuple)):
        return tuple(_line_quantity(item) for item in value)
    return value


def _line_quantity(item: object) -> object:
    if isinstance(item, (list, tuple)) and len(item) == 2:
        try:
            return LineQuantity(*item)
        except ValidationError:
            return tuple(item)
    return item


def check_line_quantities(check: Checker, path: str, value: object, *, non_empty: bool) -> bool:
    """A tuple of :class:`LineQuantity`, each line at most once."""
    if isinstance(value, tuple):
        bad = False
        for index, item in enumerate(value):
            if isinstance(item, tuple):  # a pair the converter could not build: say why
                try:
                    LineQuantity(*item)
                except ValidationError as error:
                    check.nested(f"{path}[{index}]", error)
                    bad = True
        if bad:
            return False
    if not check.sequence(path, value, LineQuantity, non_empty=non_empty):
        return False
    assert isinstance(value, tuple)
    for dup in first_duplicates(item.line_id for item in value):
        check.fail(path, f"line {dup!r} appears twice", "give each line once with its total")
        return False
    return True


def _canonical_events(value: object) -> object:
    """Events as a set, in carrier order: equal histories are equal however they arrived."""
    if isinstance(value, (list, tuple)) and all(isinstance(e, TrackingEvent) for e in value):
        return tuple(sorted(set(value), key=TrackingEvent.sort_key))
    return to_tuple(value)


@attrs.frozen
class Shipment:
    """A parcel: which line quantities it holds, how it travels, and what the carrier said.

    ``tracking`` is derived from ``events`` (and the label time) by the tracking reducer.
    """

    id: str = attrs.field(converter=to_text)
    carrier: str = attrs.field(converter=to_line)
    service: str = attrs.field(converter=to_line)
    tracking_numbers: tuple[str, ...] = attrs.field(converter=to_tuple)
    items: tuple[LineQuantity, ...] = attrs.field(converter=_to_line_quantities)
    label_created_at: pendulum.DateTime = attrs.field(converter=to_datetime)
    tracking_url: str | None = attrs.field(default=None, converter=to_line, kw_only=True)
    events: tuple[TrackingEvent, ...] = attrs.field(
        default=(), converter=_canonical_events, kw_only=True
    )
    tracking: TrackingState = attrs.field(init=False, eq=False, repr=False)

    def __attrs_post_init__(self) -> None:
        check = Checker()
        check.text("id", self.id, max_length=255)
        check.text("carrier", self.carrier, max_length=255)
        check.text("service", self.service, max_length=255)
        if check.sequence("tracking_numbers", self.tracking_numbers, str):
            for index, number in enumerate(self.tracking_numbers):
                check.text(f"tracking_numbers[{index}]", number, max_length=255)
        check_line_quantities(check, "items", self.items, non_empty=True)
        label_ok = check.datetime("label_created_at", self.label_created_at)
        check.text("tracking_url", self.tracking_url, required=False, max_length=2000)
        events_ok = check.sequence("events", self.events, TrackingEvent)
        check.done("Shipment")
        if label_ok and events_ok:  # the events are checked, unique and in order (converter)
            object.__setattr__(
                self, "tracking", _reduce_canonical(self.label_created_at, self.events)
            )

    @property
    def status(self) -> TrackingStatus:
        return self.tracking.status

    @property
    def is_delivered(self) -> bool:
        return self.tracking.status is TrackingStatus.DELIVERED

    def quantity_of(self, line_id: str) -> int:
        return sum(item.quantity for item in self.items if item.line_id == line_id)

    def with_events(self, events: Iterable[TrackingEvent]) -> Shipment:
        """This shipment with ``events`` added to what the carrier said before."""
        given = tuple(events)
        if type(self) is not Shipment or not all(isinstance(e, TrackingEvent) for e in given):
            # A subclass may have fields of its own; a bad item is reported by the checks.
            return attrs.evolve(self, events=(*self.events, *given))
        # Every other field is unchanged and was checked: copy them, add the (checked) events.
        merged = _canonical_events((*self.events, *given))
        assert isinstance(merged, tuple)
        tracking = _reduce_canonical(self.label_created_at, merged)
        return checked_copy(self, _COPIED, events=merged, tracking=tracking)


_COPIED = tuple(
    field.name for field in attrs.fields(Shipment) if field.name not in ("events", "tracking")
)
