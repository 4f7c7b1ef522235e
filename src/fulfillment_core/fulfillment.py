"""The aggregate: :class:`FulfillmentOrder`, the work one supplier does for one order.

It holds its lines with a per-line quantity ledger, its work status and supplier-request status
(both driven by the tables in :mod:`fulfillment_core.lifecycle`), its holds, backorder details,
shipments, an append-only history of frozen domain events, and a version.

Every change is an event. A command method (``accept``, ``source``, ``ship``...) builds the event
and hands it to :meth:`FulfillmentOrder.apply`, which works out the whole new state first (and
raises, changing nothing, if the event is illegal now) and only then commits it: history grows
by the event and the version by one. Replaying the history from the first event rebuilds the
same aggregate (:meth:`FulfillmentOrder.replay`). An event whose idempotency ``key`` was already
applied is not applied again: :meth:`apply` returns the original event.

>>> import pendulum
>>> from fulfillment_core import FulfillmentOrder, FulfillmentLine, WorkStatus
>>> at = pendulum.datetime(2026, 3, 2, 1, 0, tz="UTC")
>>> fo = FulfillmentOrder.open("fo-1", order_id="5912338890017", supplier_id="sup-sz-01",
...                            lines=[FulfillmentLine.new("line-1", 2, sku="CASE-IP15-BLK")],
...                            at=at)
>>> _ = fo.submit(at=at); _ = fo.accept(at=at); _ = fo.source({"line-1": 2}, at=at)
>>> fo.status is WorkStatus.READY_TO_PACK, fo.version
(True, 4)
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Iterable, Mapping
from typing import Any, ClassVar

import attrs
import pendulum

from ._validation import (
    Checker,
    describe,
    first_duplicates,
    to_datetime,
    to_enum,
    to_line,
    to_text,
    to_tuple,
)
from .exceptions import (
    FulfillmentError,
    IdempotencyConflictError,
    IllegalTransitionError,
    Problem,
    TransitionRefusedError,
    ValidationError,
)
from .holds import Hold, HoldReason
from .lifecycle import (
    INTERNAL_TRIGGERS,
    REQUEST_LIFECYCLE,
    TERMINAL_WORK_STATUSES,
    WORK_LIFECYCLE,
    LedgerTotals,
    RequestContext,
    RequestStatus,
    WorkContext,
    WorkStatus,
    settle,
    work_started,
)
from .outbox import Effect
from .shipment import LineQuantity, Shipment, _to_line_quantities, check_line_quantities
from .tracking import TrackingEvent

__all__ = [
    "BackorderUpdated",
    "CancellationAccepted",
    "CancellationRejected",
    "CancellationRequested",
    "EffectCompleted",
    "EffectFailed",
    "EffectsScheduled",
    "FulfillmentEvent",
    "FulfillmentLine",
    "FulfillmentOrder",
    "FulfillmentOrderOpened",
    "GoodsBackordered",
    "GoodsPacked",
    "GoodsRestocked",
    "GoodsSourced",
    "HoldPlaced",
    "HoldReleased",
    "MessageNoted",
    "RequestSubmitted",
    "ShipmentDispatched",
    "TrackingUpdated",
    "WorkAccepted",
    "WorkCancelled",
    "WorkRejected",
]

# --------------------------------------------------------------------------- the ledger

_BUCKETS = ("open", "in_progress", "backordered", "shipped", "cancelled")


@attrs.frozen
class FulfillmentLine:
    """One line of the work with its quantity ledger.

    ``ordered`` = ``open`` + ``in_progress`` + ``backordered`` + ``shipped`` + ``cancelled``,
    always. ``restock_eta`` is when backordered units are expected (``None`` when unknown or
    when nothing is backordered).
    """

    line_id: str = attrs.field(converter=to_text)
    sku: str | None = attrs.field(converter=to_line)
    supplier_sku: str | None = attrs.field(converter=to_line)
    ordered: int
    open: int
    in_progress: int = 0
    backordered: int = 0
    shipped: int = 0
    cancelled: int = 0
    restock_eta: pendulum.DateTime | None = attrs.field(default=None, converter=to_datetime)

    def __attrs_post_init__(self) -> None:
        check = Checker()
        check.text("line_id", self.line_id, max_length=255)
        check.text("sku", self.sku, required=False, max_length=255)
        check.text("supplier_sku", self.supplier_sku, required=False, max_length=255)
        ok = check.integer("ordered", self.ordered, minimum=1, maximum=1_000_000)
        for bucket in _BUCKETS:
            ok = check.integer(bucket, getattr(self, bucket), minimum=0) and ok
        if ok and sum(getattr(self, bucket) for bucket in _BUCKETS) != self.ordered:
            check.fail(
                "ordered",
                f"is {self.ordered} but the ledger holds"
                f" {sum(getattr(self, bucket) for bucket in _BUCKETS)}",
                "ordered = open + in_progress + backordered + shipped + cancelled",
            )
        check.datetime("restock_eta", self.restock_eta, required=False)
        check.done("FulfillmentLine")

    @classmethod
    def new(
        cls, line_id: str, quantity: int, *, sku: str | None = None, supplier_sku: str | None = None
    ) -> FulfillmentLine:
        """A line of ``quantity`` units, all still open."""
        return cls(line_id, sku, supplier_sku, quantity, quantity)

    @property
    def remaining(self) -> int:
        """Units neither shipped nor cancelled."""
        return self.open + self.in_progress + self.backordered

    def _moved(self, source: str, dest: str, quantity: int, **changes: Any) -> FulfillmentLine:
        # Moving a quantity the caller checked keeps every invariant: skip re-validating the
        # unchanged fields (this is the hot path of every transition).
        moved = _new_line(FulfillmentLine)
        for name in _LINE_FIELDS:
            _set(moved, name, getattr(self, name))
        _set(moved, source, getattr(self, source) - quantity)
        _set(moved, dest, getattr(self, dest) + quantity)
        eta = changes.get("restock_eta", self.restock_eta) if moved.backordered else None
        _set(moved, "restock_eta", eta)
        return moved


_new_line = object.__new__
_set = object.__setattr__
#: Every field of a line but its ETA, which a move works out again.
_LINE_FIELDS = ("line_id", "sku", "supplier_sku", "ordered", *_BUCKETS)


def _totals(lines: Iterable[FulfillmentLine]) -> LedgerTotals:
    ordered = open_ = in_progress = backordered = shipped = cancelled = 0
    for line in lines:
        ordered += line.ordered
        open_ += line.open
        in_progress += line.in_progress
        backordered += line.backordered
        shipped += line.shipped
        cancelled += line.cancelled
    return LedgerTotals(ordered, open_, in_progress, backordered, shipped, cancelled)


# --------------------------------------------------------------------------- events


@attrs.frozen
class FulfillmentEvent:
    """Something that happened to a fulfillment order: when (``at``) and, when a message caused
    it, that message's idempotency ``key`` (a webhook or event id)."""

    trigger: ClassVar[str] = ""

    at: pendulum.DateTime = attrs.field(converter=to_datetime, kw_only=True)
    key: str | None = attrs.field(default=None, converter=to_line, kw_only=True)

    def __attrs_post_init__(self) -> None:
        check = Checker()
        if type(self) is FulfillmentEvent:
            check.fail("", "FulfillmentEvent is the common base and cannot be built")
        check.datetime("at", self.at)
        check.text("key", self.key, required=False, max_length=255)
        self._check_own(check)
        check.done(type(self).__name__)

    def _check_own(self, check: Checker) -> None:
        """Subclasses check their own fields here."""


def _optional_quantities(
    value: Mapping[str, int] | Iterable[LineQuantity | tuple[str, int]] | None,
) -> Any:
    return None if value is None else _to_line_quantities(value)


@attrs.frozen
class FulfillmentOrderOpened(FulfillmentEvent):
    """The work was created: for which order, by which supplier, which lines."""

    trigger: ClassVar[str] = "open"
    fulfillment_order_id: str = attrs.field(converter=to_text, kw_only=True)
    order_id: str = attrs.field(converter=to_text, kw_only=True)
    supplier_id: str = attrs.field(converter=to_text, kw_only=True)
    lines: tuple[FulfillmentLine, ...] = attrs.field(converter=to_tuple, kw_only=True)

    def _check_own(self, check: Checker) -> None:
        check.text("fulfillment_order_id", self.fulfillment_order_id, max_length=255)
        check.text("order_id", self.order_id, max_length=255)
        check.text("supplier_id", self.supplier_id, max_length=255)
        if check.sequence("lines", self.lines, FulfillmentLine, non_empty=True):
            for dup in first_duplicates(line.line_id for line in self.lines):
                check.fail("lines", f"line {dup!r} appears twice")
            for index, line in enumerate(self.lines):
                if line.open != line.ordered:
                    check.fail(f"lines[{index}]", "a new line has all of its quantity open")


@attrs.frozen
class RequestSubmitted(FulfillmentEvent):
    """The fulfillment request went to the supplier."""

    trigger: ClassVar[str] = "submit"


@attrs.frozen
class WorkAccepted(FulfillmentEvent):
    """The supplier accepted the request: work has started."""

    trigger: ClassVar[str] = "accept"


@attrs.frozen
class WorkRejected(FulfillmentEvent):
    """The supplier cannot fulfil the work, and says why."""

    trigger: ClassVar[str] = "reject"
    reason: str = attrs.field(converter=to_line, kw_only=True)

    def _check_own(self, check: Checker) -> None:
        check.text("reason", self.reason, max_length=1000)


@attrs.frozen
class HoldPlaced(FulfillmentEvent):
    """Work stopped for ``hold``."""

    trigger: ClassVar[str] = "hold"
    hold: Hold = attrs.field(kw_only=True)

    def _check_own(self, check: Checker) -> None:
        check.instance("hold", self.hold, Hold)


def _to_reason(value: object) -> object:
    return to_enum(HoldReason, value)


@attrs.frozen
class HoldReleased(FulfillmentEvent):
    """The holds for ``reason`` (at ``path``, or at any path) were released."""

    trigger: ClassVar[str] = "release"
    reason: HoldReason = attrs.field(converter=_to_reason, kw_only=True)
    path: str | None = attrs.field(default=None, converter=to_line, kw_only=True)

    def _check_own(self, check: Checker) -> None:
        check.member("reason", self.reason, HoldReason)
        check.text("path", self.path, required=False, max_length=255)


@attrs.frozen
class _Movement(FulfillmentEvent):
    quantities: tuple[LineQuantity, ...] = attrs.field(converter=_to_line_quantities, kw_only=True)

    def _check_own(self, check: Checker) -> None:
        check_line_quantities(check, "quantities", self.quantities, non_empty=True)


@attrs.frozen
class GoodsSourced(_Movement):
    """Open units were sourced (from the warehouse, or bought at the factory)."""

    trigger: ClassVar[str] = "source"


@attrs.frozen
class GoodsBackordered(_Movement):
    """Open units wait for goods expected at ``restock_eta`` (``None``: unknown): a supplier's
    restock, or, when ``purchase_id`` is set, that factory purchase reaching the warehouse."""

    trigger: ClassVar[str] = "backorder"
    restock_eta: pendulum.DateTime | None = attrs.field(
        default=None, converter=to_datetime, kw_only=True
    )
    purchase_id: str | None = attrs.field(default=None, converter=to_line, kw_only=True)

    def _check_own(self, check: Checker) -> None:
        super()._check_own(check)
        check.datetime("restock_eta", self.restock_eta, required=False)
        check.text("purchase_id", self.purchase_id, required=False, max_length=255)


@attrs.frozen
class GoodsRestocked(_Movement):
    """Backordered units arrived and are in progress (from factory purchase ``purchase_id``,
    when set)."""

    trigger: ClassVar[str] = "restock"
    purchase_id: str | None = attrs.field(default=None, converter=to_line, kw_only=True)

    def _check_own(self, check: Checker) -> None:
        super()._check_own(check)
        check.text("purchase_id", self.purchase_id, required=False, max_length=255)


@attrs.frozen
class BackorderUpdated(_Movement):
    """Backordered units are now expected at ``restock_eta``: the restock moved, or they were
    bought at the factory as ``purchase_id``. No goods move."""

    trigger: ClassVar[str] = "update_backorder"
    restock_eta: pendulum.DateTime | None = attrs.field(converter=to_datetime, kw_only=True)
    purchase_id: str | None = attrs.field(default=None, converter=to_line, kw_only=True)

    def _check_own(self, check: Checker) -> None:
        super()._check_own(check)
        check.datetime("restock_eta", self.restock_eta, required=False)
        check.text("purchase_id", self.purchase_id, required=False, max_length=255)


@attrs.frozen
class GoodsPacked(FulfillmentEvent):
    """What was in progress is packed."""

    trigger: ClassVar[str] = "pack"


@attrs.frozen
class ShipmentDispatched(FulfillmentEvent):
    """A parcel left with its label and tracking number(s)."""

    trigger: ClassVar[str] = "ship"
    shipment: Shipment = attrs.field(kw_only=True)

    def _check_own(self, check: Checker) -> None:
        check.instance("shipment", self.shipment, Shipment)


@attrs.frozen
class TrackingUpdated(FulfillmentEvent):
    """The carrier reported on a parcel."""

    trigger: ClassVar[str] = "track"
    shipment_id: str = attrs.field(converter=to_text, kw_only=True)
    events: tuple[TrackingEvent, ...] = attrs.field(converter=to_tuple, kw_only=True)

    def _check_own(self, check: Checker) -> None:
        check.text("shipment_id", self.shipment_id, max_length=255)
        check.sequence("events", self.events, TrackingEvent, non_empty=True)


@attrs.frozen
class _Cancellation(FulfillmentEvent):
    quantities: tuple[LineQuantity, ...] | None = attrs.field(
        default=None, converter=_optional_quantities, kw_only=True
    )
    reason: str | None = attrs.field(default=None, converter=to_line, kw_only=True)

    def _check_own(self, check: Checker) -> None:
        if self.quantities is not None:
            check_line_quantities(check, "quantities", self.quantities, non_empty=True)
        check.text("reason", self.reason, required=False, max_length=1000)


@attrs.frozen
class WorkCancelled(_Cancellation):
    """Open units were cancelled before work started (all of them when ``quantities`` is None)."""

    trigger: ClassVar[str] = "cancel"


@attrs.frozen
class CancellationRequested(_Cancellation):
    """The merchant asked the supplier to cancel started work (all of it when None)."""

    trigger: ClassVar[str] = "request_cancellation"


@attrs.frozen
class CancellationAccepted(FulfillmentEvent):
    """The supplier cancelled what was asked and not yet shipped."""

    trigger: ClassVar[str] = "accept_cancellation"


@attrs.frozen
class CancellationRejected(FulfillmentEvent):
    """The supplier could not cancel (typically: the parcel already left)."""

    trigger: ClassVar[str] = "reject_cancellation"
    reason: str = attrs.field(converter=to_line, kw_only=True)

    def _check_own(self, check: Checker) -> None:
        check.text("reason", self.reason, max_length=1000)


@attrs.frozen
class EffectsScheduled(FulfillmentEvent):
    """Effects the work now calls for went into its outbox, to be carried out through the ports
    (see :mod:`fulfillment_core.outbox`). Allowed in every status: it moves no goods."""

    trigger: ClassVar[str] = "schedule"
    effects: tuple[Effect, ...] = attrs.field(converter=to_tuple, kw_only=True)

    def _check_own(self, check: Checker) -> None:
        if check.sequence("effects", self.effects, Effect, non_empty=True):
            for dup in first_duplicates(effect.id for effect in self.effects):
                check.fail("effects", f"effect {dup!r} appears twice")


@attrs.frozen
class EffectCompleted(FulfillmentEvent):
    """A pending effect was carried out (``note``: what came back, in words)."""

    trigger: ClassVar[str] = "complete"
    effect_id: str = attrs.field(converter=to_text, kw_only=True)
    note: str | None = attrs.field(default=None, converter=to_line, kw_only=True)

    def _check_own(self, check: Checker) -> None:
        check.text("effect_id", self.effect_id, max_length=255)
        check.text("note", self.note, required=False, max_length=2000)


@attrs.frozen
class EffectFailed(FulfillmentEvent):
    """An adapter failed to carry out a pending effect. A ``retryable`` failure leaves it
    pending for the next tick; any other closes it as failed (the service then holds the work
    or tells the merchant: never a silent drop)."""

    trigger: ClassVar[str] = "fail"
    effect_id: str = attrs.field(converter=to_text, kw_only=True)
    error: str = attrs.field(converter=to_line, kw_only=True)
    retryable: bool = attrs.field(kw_only=True)
    #: Tracking numbers of the labels the attempt bought before it failed (a ``ship`` that
    #: failed part-way): voided when the effect closes without using them.
    labels: tuple[str, ...] = attrs.field(default=(), converter=to_tuple, kw_only=True)
    #: Shipment ids whose label purchase got no answer: the carrier may have issued a label
    #: nobody knows the number of (the merchant is told if the effect closes without them).
    unanswered: tuple[str, ...] = attrs.field(default=(), converter=to_tuple, kw_only=True)

    def _check_own(self, check: Checker) -> None:
        check.text("effect_id", self.effect_id, max_length=255)
        check.text("error", self.error, max_length=2000)
        check.boolean("retryable", self.retryable)
        for name in ("labels", "unanswered"):
            if check.sequence(name, getattr(self, name), str):
                for index, text in enumerate(getattr(self, name)):
                    check.text(f"{name}[{index}]", text, max_length=255)


@attrs.frozen
class MessageNoted(FulfillmentEvent):
    """A message about the work was handled and changed nothing (``note`` says why): its key
    is recorded, so the message is not handled again."""

    trigger: ClassVar[str] = "note"
    note: str = attrs.field(converter=to_line, kw_only=True)

    def _check_own(self, check: Checker) -> None:
        check.text("note", self.note, max_length=2000)


#: Every concrete event class by its ``type`` tag in the dict form.
EVENT_TYPES: dict[str, type[FulfillmentEvent]] = {
    cls.__name__: cls
    for cls in (
        FulfillmentOrderOpened,
        RequestSubmitted,
        WorkAccepted,
        WorkRejected,
        HoldPlaced,
        HoldReleased,
        GoodsSourced,
        GoodsBackordered,
        GoodsRestocked,
        GoodsPacked,
        ShipmentDispatched,
        TrackingUpdated,
        WorkCancelled,
        CancellationRequested,
        CancellationAccepted,
        CancellationRejected,
        EffectsScheduled,
        EffectCompleted,
        EffectFailed,
        BackorderUpdated,
        MessageNoted,
    )
}

# --------------------------------------------------------------------------- the aggregate

#: The method that fires each table trigger (errors and supported_actions() speak methods).
METHOD_OF_TRIGGER = {
    "submit": "submit",
    "accept": "accept",
    "reject": "reject",
    "hold": "place_hold",
    "release": "release_hold",
    "source": "source",
    "backorder": "backorder",
    "restock": "restock",
    "pack": "pack",
    "ship": "ship",
    "track": "record_tracking",
    "deliver": "record_tracking",
    "cancel": "cancel",
    "request_cancellation": "cancel",
    "accept_cancellation": "accept_cancellation",
    "reject_cancellation": "reject_cancellation",
    "schedule": "schedule_effects",
    "update_backorder": "update_backorder",
    "note": "note_message",
    "complete": "complete_effect",
    "fail": "fail_effect",
}


def _to_work_status(value: object) -> Any:
    return to_enum(WorkStatus, value)


def _to_request_status(value: object) -> Any:
    return to_enum(RequestStatus, value)


@attrs.define(slots=True, eq=True, on_setattr=attrs.setters.frozen)
class FulfillmentOrder:
    """The work one supplier does for one order. Change it only through its methods.

    Build a new one with :meth:`open`, rebuild one from its history with :meth:`replay`, or load
    a stored one with :func:`fulfillment_core.from_dict`.
    """

    SCHEMA_VERSION: ClassVar[int] = 1

    id: str = attrs.field(converter=to_text)
    order_id: str = attrs.field(converter=to_text)
    supplier_id: str = attrs.field(converter=to_text)
    lines: tuple[FulfillmentLine, ...] = attrs.field(converter=to_tuple)
    status: WorkStatus = attrs.field(default=WorkStatus.PENDING, converter=_to_work_status)
    request_status: RequestStatus = attrs.field(
        default=RequestStatus.UNSUBMITTED, converter=_to_request_status
    )
    holds: tuple[Hold, ...] = attrs.field(default=(), converter=to_tuple)
    held_from: WorkStatus | None = attrs.field(default=None, converter=_to_work_status)
    shipments: tuple[Shipment, ...] = attrs.field(default=(), converter=to_tuple)
    cancellation_requested: tuple[LineQuantity, ...] | None = attrs.field(
        default=None, converter=_optional_quantities
    )
    rejection_reason: str | None = attrs.field(default=None, converter=to_line)
    #: The effects still to carry out, in the order they were scheduled.
    outbox: tuple[Effect, ...] = attrs.field(default=(), converter=to_tuple)
    history: tuple[FulfillmentEvent, ...] = attrs.field(default=(), converter=to_tuple)
    version: int = 0
    #: Idempotency keys seen, for replay detection (None until the first keyed event).
    _keys: dict[str, FulfillmentEvent] | None = attrs.field(
        init=False, default=None, eq=False, repr=False
    )

    def __attrs_post_init__(self) -> None:
        check = Checker()
        check.text("id", self.id, max_length=255)
        check.text("order_id", self.order_id, max_length=255)
        check.text("supplier_id", self.supplier_id, max_length=255)
        check.sequence("lines", self.lines, FulfillmentLine, non_empty=True)
        check.member("status", self.status, WorkStatus)
        check.member("request_status", self.request_status, RequestStatus)
        check.sequence("holds", self.holds, Hold)
        if self.held_from is not None:
            check.member("held_from", self.held_from, WorkStatus)
        check.sequence("shipments", self.shipments, Shipment)
        if self.cancellation_requested is not None:
            check_line_quantities(
                check, "cancellation_requested", self.cancellation_requested, non_empty=True
            )
        check.text("rejection_reason", self.rejection_reason, required=False, max_length=1000)
        check.sequence("outbox", self.outbox, Effect)
        check.integer("version", self.version, minimum=1)
        if check.sequence("history", self.history, FulfillmentEvent, non_empty=True):
            if not isinstance(self.history[0], FulfillmentOrderOpened):
                check.fail("history[0]", "must be the FulfillmentOrderOpened event")
            if self.version != len(self.history):
                check.fail(
                    "version",
                    f"is {self.version} but the history holds {len(self.history)} events",
                    "the version counts the applied events",
                )
        check.done("FulfillmentOrder")
        object.__setattr__(
            self,
            "_keys",
            {event.key: event for event in self.history if event.key is not None} or None,
        )
        self._check_against_history()

    def _check_against_history(self) -> None:
        """Stored data is trusted only as far as its history goes: every field must be what
        replaying the history gives (so tampered or hand-edited data is refused)."""
        try:
            replayed = FulfillmentOrder.replay(self.history)
        except FulfillmentError as error:
            raise ValidationError(
                "FulfillmentOrder",
                [Problem("history", f"does not replay: {error}", "store histories unedited")],
            ) from None
        problems = [
            Problem(
                field.name,
                f"is {describe(getattr(self, field.name))} but the history leads to"
                f" {describe(getattr(replayed, field.name))}",
                "store the aggregate as to_dict wrote it",
            )
            for field in attrs.fields(FulfillmentOrder)
            if field.init and getattr(self, field.name) != getattr(replayed, field.name)
        ]
        if problems:
            raise ValidationError("FulfillmentOrder", problems)

    # ------------------------------------------------------------------ building

    @classmethod
    def open(
        cls,
        id: str,
        *,
        order_id: str,
        supplier_id: str,
        lines: Iterable[FulfillmentLine],
        at: pendulum.DateTime,
        key: str | None = None,
    ) -> FulfillmentOrder:
        """New work for ``supplier_id`` on ``order_id``: pending, unsubmitted, all units open."""
        event = FulfillmentOrderOpened(
            at=at,
            key=key,
            fulfillment_order_id=id,
            order_id=order_id,
            supplier_id=supplier_id,
            lines=tuple(lines),
        )
        return cls._from_opened(event)

    @classmethod
    def _from_opened(cls, event: FulfillmentOrderOpened) -> FulfillmentOrder:
        # The event was validated when it was built: skip converting and checking it again.
        fo = _new_order(cls)
        for put, value in zip(  # noqa: B905 (one value per field, in _FIELD_NAMES' order)
            _FIELD_SETTERS,
            (
                event.fulfillment_order_id,  # id
                event.order_id,
                event.supplier_id,
                event.lines,
                WorkStatus.PENDING,  # status
                RequestStatus.UNSUBMITTED,  # request_status
                (),  # holds
                None,  # held_from
                (),  # shipments
                None,  # cancellation_requested
                None,  # rejection_reason
                (),  # outbox
                (event,),  # history
                1,  # version
            ),
        ):
            put(fo, value)
        _set_keys(fo, None if event.key is None else {event.key: event})
        return fo

    @classmethod
    def replay(cls, history: Iterable[FulfillmentEvent]) -> FulfillmentOrder:
        """Rebuild a fulfillment order from its events, first to last."""
        events = list(history)
        if not events or not isinstance(events[0], FulfillmentOrderOpened):
            raise ValidationError(
                "history",
                [Problem("[0]", "must start with the FulfillmentOrderOpened event")],
            )
        fulfillment_order = cls._from_opened(events[0])
        for event in events[1:]:
            fulfillment_order.apply(event)
        return fulfillment_order

    def copy(self) -> FulfillmentOrder:
        """An independent copy (what a repository hands each worker). Cheap: every field is an
        immutable value, so only the idempotency index is copied."""
        twin = _new_order(FulfillmentOrder)
        for put, value in zip(_FIELD_SETTERS, _field_values(self)):  # noqa: B905 (same length)
            put(twin, value)
        keys = self._keys
        _set_keys(twin, dict(keys) if keys else None)
        return twin

    # ------------------------------------------------------------------ reading

    @property
    def subject(self) -> str:
        return f"fulfillment order {self.id}"

    @property
    def totals(self) -> LedgerTotals:
        """The ledger summed over lines."""
        return _totals(self.lines)

    @property
    def is_terminal(self) -> bool:
        return self.status in TERMINAL_WORK_STATUSES

    @property
    def work_started(self) -> bool:
        """Whether the supplier has accepted the work (a cancel is then a request)."""
        return work_started(self.request_status)

    @property
    def backorders(self) -> tuple[FulfillmentLine, ...]:
        """The lines with backordered units (each with its ``restock_eta``)."""
        return tuple(line for line in self.lines if line.backordered)

    @property
    def is_settled(self) -> bool:
        """Terminal with nothing left in the outbox: no message or tick has work here any more."""
        return self.status in TERMINAL_WORK_STATUSES and not self.outbox

    @property
    def failed_effects(self) -> tuple[tuple[Effect, EffectFailed], ...]:
        """Every effect closed by a failure that retrying cannot mend, with that failure."""
        failed = {
            event.effect_id: event
            for event in self.history
            if isinstance(event, EffectFailed) and not event.retryable
        }
        return tuple((effect, failed[effect.id]) for effect in self.effects if effect.id in failed)

    @property
    def effects(self) -> tuple[Effect, ...]:
        """Every effect ever scheduled, pending or not, in order."""
        return tuple(
            effect
            for event in self.history
            if isinstance(event, EffectsScheduled)
            for effect in event.effects
        )

    def attempts(self, effect_id: str) -> int:
        """How many times carrying out ``effect_id`` failed so far."""
        return sum(
            1
            for event in self.history
            if isinstance(event, EffectFailed) and event.effect_id == effect_id
        )

    def event_for(self, key: str) -> FulfillmentEvent | None:
        """The applied event with idempotency ``key``, if any."""
        return self._keys.get(key) if self._keys else None

    def can(self, trigger: str) -> bool:
        """Whether the lifecycle tables allow ``trigger`` (``"restock"``, ``"pack"``...) now.

        Guards are not run, so the move may still be refused with a reason (``pack`` with
        nothing in progress); a trigger the tables do not hold is never allowed.
        """
        if not WORK_LIFECYCLE.has_edge(self.status, trigger):
            return False
        return trigger not in REQUEST_LIFECYCLE.trigger_set or REQUEST_LIFECYCLE.has_edge(
            self.request_status, trigger
        )

    def line(self, line_id: str) -> FulfillmentLine:
        for line in self.lines:
            if line.line_id == line_id:
                return line
        raise KeyError(f"{self.subject} has no line {line_id!r}")

    def supported_actions(self) -> tuple[str, ...]:
        """The methods the tables allow now (their rules may still refuse, with a reason)."""
        allowed: list[str] = []
        for trigger in WORK_LIFECYCLE.allowed(self.status):
            if trigger in INTERNAL_TRIGGERS:
                continue
            if trigger in REQUEST_LIFECYCLE.triggers and not REQUEST_LIFECYCLE.has_edge(
                self.request_status, trigger
            ):
                continue
            if trigger == "track" and not self.shipments:
                continue  # no parcel to track yet
            method = METHOD_OF_TRIGGER[trigger]
            if method not in allowed:
                allowed.append(method)
        return tuple(allowed)

    # ------------------------------------------------------------------ commands

    def submit(self, *, at: pendulum.DateTime, key: str | None = None) -> FulfillmentEvent:
        return self.apply(RequestSubmitted(at=at, key=key))

    def accept(self, *, at: pendulum.DateTime, key: str | None = None) -> FulfillmentEvent:
        return self.apply(WorkAccepted(at=at, key=key))

    def reject(
        self, reason: str, *, at: pendulum.DateTime, key: str | None = None
    ) -> FulfillmentEvent:
        return self.apply(WorkRejected(at=at, key=key, reason=reason))

    def place_hold(
        self, hold: Hold, *, at: pendulum.DateTime, key: str | None = None
    ) -> FulfillmentEvent:
        return self.apply(HoldPlaced(at=at, key=key, hold=hold))

    def release_hold(
        self,
        reason: HoldReason | str,
        path: str | None = None,
        *,
        at: pendulum.DateTime,
        key: str | None = None,
    ) -> FulfillmentEvent:
        return self.apply(HoldReleased(at=at, key=key, reason=reason, path=path))

    def source(
        self, quantities: Mapping[str, int], *, at: pendulum.DateTime, key: str | None = None
    ) -> FulfillmentEvent:
        return self.apply(GoodsSourced(at=at, key=key, quantities=quantities))

    def backorder(
        self,
        quantities: Mapping[str, int],
        *,
        restock_eta: pendulum.DateTime | None,
        at: pendulum.DateTime,
        key: str | None = None,
    ) -> FulfillmentEvent:
        return self.apply(
            GoodsBackordered(at=at, key=key, quantities=quantities, restock_eta=restock_eta)
        )

    def restock(
        self, quantities: Mapping[str, int], *, at: pendulum.DateTime, key: str | None = None
    ) -> FulfillmentEvent:
        return self.apply(GoodsRestocked(at=at, key=key, quantities=quantities))

    def pack(self, *, at: pendulum.DateTime, key: str | None = None) -> FulfillmentEvent:
        return self.apply(GoodsPacked(at=at, key=key))

    def ship(
        self, shipment: Shipment, *, at: pendulum.DateTime, key: str | None = None
    ) -> FulfillmentEvent:
        return self.apply(ShipmentDispatched(at=at, key=key, shipment=shipment))

    def record_tracking(
        self,
        shipment_id: str,
        events: Iterable[TrackingEvent],
        *,
        at: pendulum.DateTime,
        key: str | None = None,
    ) -> FulfillmentEvent:
        return self.apply(
            TrackingUpdated(at=at, key=key, shipment_id=shipment_id, events=tuple(events))
        )

    def cancel(
        self,
        quantities: Mapping[str, int] | None = None,
        *,
        at: pendulum.DateTime,
        key: str | None = None,
        reason: str | None = None,
    ) -> FulfillmentEvent:
        """Cancel units (all remaining when ``quantities`` is None): at once before work
        starts, as a request to the supplier after."""
        if self.work_started:
            return self.apply(
                CancellationRequested(at=at, key=key, quantities=quantities, reason=reason)
            )
        return self.apply(WorkCancelled(at=at, key=key, quantities=quantities, reason=reason))

    def accept_cancellation(
        self, *, at: pendulum.DateTime, key: str | None = None
    ) -> FulfillmentEvent:
        return self.apply(CancellationAccepted(at=at, key=key))

    def reject_cancellation(
        self, reason: str, *, at: pendulum.DateTime, key: str | None = None
    ) -> FulfillmentEvent:
        return self.apply(CancellationRejected(at=at, key=key, reason=reason))

    def schedule_effects(
        self, effects: Iterable[Effect], *, at: pendulum.DateTime, key: str | None = None
    ) -> FulfillmentEvent:
        """Put ``effects`` in the outbox (ids must be new to this work)."""
        return self.apply(EffectsScheduled(at=at, key=key, effects=tuple(effects)))

    def complete_effect(
        self,
        effect_id: str,
        *,
        at: pendulum.DateTime,
        key: str | None = None,
        note: str | None = None,
    ) -> FulfillmentEvent:
        """Take a carried-out effect out of the outbox."""
        return self.apply(EffectCompleted(at=at, key=key, effect_id=effect_id, note=note))

    def fail_effect(
        self,
        effect_id: str,
        error: str,
        *,
        retryable: bool,
        at: pendulum.DateTime,
        key: str | None = None,
        labels: Iterable[str] = (),
        unanswered: Iterable[str] = (),
    ) -> FulfillmentEvent:
        """Record a failed attempt; a failure that is not ``retryable`` closes the effect.
        ``labels`` and ``unanswered`` say what a ``ship`` attempt bought, or asked for and got
        no answer about, before it failed (see :class:`EffectFailed`)."""
        return self.apply(
            EffectFailed(
                at=at,
                key=key,
                effect_id=effect_id,
                error=error,
                retryable=retryable,
                labels=tuple(labels),
                unanswered=tuple(unanswered),
            )
        )

    def update_backorder(
        self,
        quantities: Mapping[str, int],
        *,
        restock_eta: pendulum.DateTime | None,
        at: pendulum.DateTime,
        key: str | None = None,
        purchase_id: str | None = None,
    ) -> FulfillmentEvent:
        """Backordered units are now expected at ``restock_eta`` (bought as ``purchase_id``)."""
        return self.apply(
            BackorderUpdated(
                at=at,
                key=key,
                quantities=quantities,
                restock_eta=restock_eta,
                purchase_id=purchase_id,
            )
        )

    def note_message(
        self, note: str, *, at: pendulum.DateTime, key: str | None = None
    ) -> FulfillmentEvent:
        """Record that a message (``key``) was handled and changed nothing."""
        return self.apply(MessageNoted(at=at, key=key, note=note))

    # ------------------------------------------------------------------ applying

    def apply(self, event: FulfillmentEvent) -> FulfillmentEvent:
        """Apply ``event``: all of it, or (raising) none of it.

        An event whose idempotency key was applied before is not applied again; the original
        event is returned instead.
        """
        key = event.key
        if key is not None:
            earlier = self._keys.get(key) if self._keys else None
            if earlier is not None:
                if attrs.evolve(event, at=earlier.at) != earlier:
                    raise IdempotencyConflictError(self.subject, key, earlier, event)
                return earlier
        decide = _DECIDERS.get(type(event))
        if decide is None:
            if isinstance(event, FulfillmentOrderOpened):
                raise TransitionRefusedError(
                    self.subject, self.status.value, "open", "it is already open"
                )
            raise TypeError(
                f"{type(event).__name__} is not an event {self.subject} can apply: apply the"
                " library's event types (a subclass of one is not among them)"
            )
        for name, value in decide(self, event).items():
            _SETTER_OF[name](self, value)
        _set_history(self, (*self.history, event))
        _set_version(self, self.version + 1)
        if key is not None:
            if self._keys is None:
                _set(self, "_keys", {})
            self._keys[key] = event  # type: ignore[index]
        return event

    # Each decider reads the aggregate and the event and returns the fields that change. It
    # raises (changing nothing) when the event is illegal now.

    def _subject(self) -> str:
        return self.subject

    def _work(
        self, trigger: str, lines: tuple[FulfillmentLine, ...] | None = None, **extra: Any
    ) -> WorkStatus:
        """Where ``trigger`` takes the work, given its ``lines`` after the change (and the
        context ``extra``); an unguarded edge needs no context at all."""
        direct = WORK_LIFECYCLE.direct(self.status, trigger)
        if direct is not None:
            return direct
        by_settled = _BY_SETTLED.get((self.status, trigger))
        if by_settled is not None:  # the guards ask only where the ledger settles
            dest = by_settled.get(settle(_totals(self.lines if lines is None else lines)))
            if dest is not None:
                return dest
        quick = _QUICK.get((self.status, trigger))
        if quick is not None:  # guards the lines and the call's context answer at once
            chosen = self.lines if lines is None else lines
            for dest, guard in quick:
                if guard(self, chosen, extra):
                    return dest
            # none holds: the tables say why, below
        try:
            return WORK_LIFECYCLE.destination(
                self.status, trigger, self._context(lines, **extra), self._subject
            )
        except TransitionRefusedError as error:  # say it in the method's name
            raise self._refuse(trigger, error.reason) from None

    def _request(
        self, trigger: str, lines: tuple[FulfillmentLine, ...] | None = None
    ) -> RequestStatus:
        """Where ``trigger`` takes the request, given the work's ``lines`` after the change."""
        direct = REQUEST_LIFECYCLE.direct(self.request_status, trigger)
        if direct is not None:
            return direct
        remaining = _totals(self.lines if lines is None else lines).remaining
        return REQUEST_LIFECYCLE.destination(
            self.request_status, trigger, RequestContext(remaining), self._subject
        )

    def _context(
        self, lines: tuple[FulfillmentLine, ...] | None = None, **extra: Any
    ) -> WorkContext:
        chosen = self.lines if lines is None else lines
        return WorkContext(
            lambda: _totals(chosen),
            work_started=self.work_started,
            has_parcels=bool(self.shipments),
            **extra,
        )

    def _require(self, trigger: str) -> None:
        """Raise ``IllegalTransitionError`` unless both tables have an edge for ``trigger``."""
        if not WORK_LIFECYCLE.has_edge(self.status, trigger):
            raise IllegalTransitionError(
                self.subject,
                self.status.value,
                trigger,
                self.supported_actions(),
                action=METHOD_OF_TRIGGER[trigger],
            )
        if trigger in REQUEST_LIFECYCLE.trigger_set and not REQUEST_LIFECYCLE.has_edge(
            self.request_status, trigger
        ):
            raise IllegalTransitionError(
                f"{self.subject} (supplier request)",
                self.request_status.value,
                trigger,
                self.supported_actions(),
                action=METHOD_OF_TRIGGER[trigger],
            )

    def _refuse(self, trigger: str, reason: str) -> TransitionRefusedError:
        return TransitionRefusedError(
            self.subject, self.status.value, METHOD_OF_TRIGGER.get(trigger, trigger), reason
        )

    def _moved(
        self,
        trigger: str,
        quantities: Iterable[LineQuantity],
        source: str,
        dest: str,
        **changes: Any,
    ) -> tuple[FulfillmentLine, ...]:
        """The lines with each quantity moved from bucket ``source`` to ``dest``."""
        by_id = {line.line_id: line for line in self.lines}
        for item in quantities:
            line = by_id.get(item.line_id)
            if line is None:
                raise self._refuse(trigger, f"it has no line {item.line_id!r}")
            available = getattr(line, source)
            if item.quantity > available:
                raise self._refuse(
                    trigger,
                    f"line {item.line_id!r} has {available} {source.replace('_', ' ')},"
                    f" not {item.quantity}",
                )
            by_id[item.line_id] = line._moved(source, dest, item.quantity, **changes)
        return tuple([by_id[line.line_id] for line in self.lines])


def _settled_table() -> dict[tuple[WorkStatus, str], dict[WorkStatus, WorkStatus]]:
    """For each (status, trigger) whose every edge is guarded by where the ledger settles
    (``settles_<status>``, mutually exclusive), the destination by settled status: the answer
    of ``WORK_LIFECYCLE.destination`` without building the guards' context."""
    grouped: dict[tuple[WorkStatus, str], list[Any]] = {}
    for edge in WORK_LIFECYCLE.edges:
        grouped.setdefault((edge.source, edge.trigger), []).append(edge)
    return {
        key: {WorkStatus(edge.guard.removeprefix("settles_")): edge.dest for edge in edges}
        for key, edges in grouped.items()
        if all(edge.guard and edge.guard.startswith("settles_") for edge in edges)
    }


_BY_SETTLED = _settled_table()

_Quick = Callable[["FulfillmentOrder", tuple[FulfillmentLine, ...], dict[str, Any]], bool]

#: Work guards answered straight from the lines after the change and the context ``_work`` is
#: given, as ``WorkContext`` would answer them (``_context`` builds it from the same).
_QUICK_GUARDS: dict[str, _Quick] = {
    "has_goods_to_pack": lambda fo, lines, extra: any(line.in_progress for line in lines),
    "has_parcels": lambda fo, lines, extra: extra.get("has_parcels", bool(fo.shipments)),
    "all_delivered": lambda fo, lines, extra: extra.get("all_delivered", False),
}


def _quick_table() -> dict[tuple[WorkStatus, str], tuple[tuple[WorkStatus, _Quick], ...]]:
    """For each (status, trigger) whose every edge has a guard of ``_QUICK_GUARDS``, those
    guards in the order the table asks them."""
    table = {}
    for edge in WORK_LIFECYCLE.edges:
        options = WORK_LIFECYCLE.options(edge.source, edge.trigger)
        if all(guard in _QUICK_GUARDS for _, guard in options):
            table[(edge.source, edge.trigger)] = tuple(
                (dest, _QUICK_GUARDS[guard]) for dest, guard in options if guard is not None
            )
    return table


_QUICK = _quick_table()

_FIELD_NAMES = tuple(
    field.name for field in attrs.fields(FulfillmentOrder) if field.name != "_keys"
)
#: For ``copy``: every field but the keys read at once, and each one's slot set directly
#: (the fields are immutable values: sharing them is safe).
_field_values = operator.attrgetter(*_FIELD_NAMES)
_FIELD_SETTERS = tuple(getattr(FulfillmentOrder, name).__set__ for name in _FIELD_NAMES)
_KEYS_SLOT = "_keys"  # read by name: mypy does not see the slots attrs makes
_set_keys: Callable[[FulfillmentOrder, object], None] = getattr(
    FulfillmentOrder, _KEYS_SLOT
).__set__
_new_order = object.__new__
_SETTER_OF = dict(zip(_FIELD_NAMES, _FIELD_SETTERS, strict=True))  # what apply sets
_set_history = _SETTER_OF["history"]
_set_version = _SETTER_OF["version"]
if _FIELD_NAMES != (  # _from_opened sets them by position: a new field goes there too
    "id",
    "order_id",
    "supplier_id",
    "lines",
    "status",
    "request_status",
    "holds",
    "held_from",
    "shipments",
    "cancellation_requested",
    "rejection_reason",
    "outbox",
    "history",
    "version",
):
    raise AssertionError(f"FulfillmentOrder's fields changed: {_FIELD_NAMES}")


def _submitted(fo: FulfillmentOrder, event: FulfillmentEvent) -> dict[str, Any]:
    fo._require("submit")
    status = fo._work("submit")
    return {"status": status, "request_status": fo._request("submit")}


def _accepted(fo: FulfillmentOrder, event: FulfillmentEvent) -> dict[str, Any]:
    fo._require("accept")
    request = fo._request("accept")
    status = fo._work("accept")
    changes: dict[str, Any] = {"status": status, "request_status": request}
    if status is WorkStatus.ON_HOLD:  # accepted while held: work resumes as accepted
        changes["held_from"] = WorkStatus.ACCEPTED
    return changes


def _rejected(fo: FulfillmentOrder, event: FulfillmentEvent) -> dict[str, Any]:
    assert isinstance(event, WorkRejected)
    fo._require("reject")
    request = fo._request("reject")
    status = fo._work("reject")
    return {
        "status": status,
        "request_status": request,
        "rejection_reason": event.reason,
        "holds": (),
        "held_from": None,
    }


def _hold_placed(fo: FulfillmentOrder, event: FulfillmentEvent) -> dict[str, Any]:
    assert isinstance(event, HoldPlaced)
    fo._require("hold")
    if any(h.reason is event.hold.reason and h.path == event.hold.path for h in fo.holds):
        raise fo._refuse(
            "hold", f"it is already held for {event.hold.reason} at {event.hold.path!r}"
        )
    status = fo._work("hold")
    held_from = fo.held_from if fo.status is WorkStatus.ON_HOLD else fo.status
    return {"status": status, "holds": (*fo.holds, event.hold), "held_from": held_from}


def _hold_released(fo: FulfillmentOrder, event: FulfillmentEvent) -> dict[str, Any]:
    assert isinstance(event, HoldReleased)
    fo._require("release")
    left = tuple(
        h
        for h in fo.holds
        if not (h.reason is event.reason and (event.path is None or h.path == event.path))
    )
    if len(left) == len(fo.holds):
        where = f" at {event.path!r}" if event.path else ""
        raise fo._refuse("release", f"it holds nothing for {event.reason}{where}")
    status = fo._work("release", holds_left=len(left), held_from=fo.held_from)
    return {
        "status": status,
        "holds": left,
        "held_from": fo.held_from if status is WorkStatus.ON_HOLD else None,
    }


def _movement(trigger: str, source: str, dest: str) -> Any:
    def decide(fo: FulfillmentOrder, event: FulfillmentEvent) -> dict[str, Any]:
        assert isinstance(event, _Movement)
        fo._require(trigger)
        changes = {}
        if isinstance(event, GoodsBackordered):
            changes["restock_eta"] = event.restock_eta
        lines = fo._moved(trigger, event.quantities, source, dest, **changes)
        return {"lines": lines, "status": fo._work(trigger, lines)}

    return decide


def _scheduled(fo: FulfillmentOrder, event: FulfillmentEvent) -> dict[str, Any]:
    assert isinstance(event, EffectsScheduled)
    known = {effect.id for effect in fo.effects}
    for effect in event.effects:
        if effect.id in known:
            raise fo._refuse("schedule", f"effect {effect.id!r} was scheduled before")
    return {"outbox": (*fo.outbox, *event.effects)}


def _pending_index(fo: FulfillmentOrder, trigger: str, effect_id: str) -> int:
    for index, effect in enumerate(fo.outbox):
        if effect.id == effect_id:
            return index
    raise fo._refuse(trigger, f"effect {effect_id!r} is not pending")


def _completed(fo: FulfillmentOrder, event: FulfillmentEvent) -> dict[str, Any]:
    assert isinstance(event, EffectCompleted)
    index = _pending_index(fo, "complete", event.effect_id)
    return {"outbox": (*fo.outbox[:index], *fo.outbox[index + 1 :])}


def _failed(fo: FulfillmentOrder, event: FulfillmentEvent) -> dict[str, Any]:
    assert isinstance(event, EffectFailed)
    index = _pending_index(fo, "fail", event.effect_id)
    if event.retryable:
        return {}
    return {"outbox": (*fo.outbox[:index], *fo.outbox[index + 1 :])}


def _backorder_updated(fo: FulfillmentOrder, event: FulfillmentEvent) -> dict[str, Any]:
    assert isinstance(event, BackorderUpdated)
    if fo.is_terminal:
        raise fo._refuse("update_backorder", f"it is {fo.status.value}")
    by_id = {line.line_id: line for line in fo.lines}
    for item in event.quantities:
        line = by_id.get(item.line_id)
        if line is None:
            raise fo._refuse("update_backorder", f"it has no line {item.line_id!r}")
        if item.quantity > line.backordered:
            raise fo._refuse(
                "update_backorder",
                f"line {item.line_id!r} has {line.backordered} backordered, not {item.quantity}",
            )
        by_id[item.line_id] = attrs.evolve(line, restock_eta=event.restock_eta)
    return {"lines": tuple(by_id[line.line_id] for line in fo.lines)}


def _noted(fo: FulfillmentOrder, event: FulfillmentEvent) -> dict[str, Any]:
    return {}


def _packed(fo: FulfillmentOrder, event: FulfillmentEvent) -> dict[str, Any]:
    fo._require("pack")
    return {"status": fo._work("pack")}


def _dispatched(fo: FulfillmentOrder, event: FulfillmentEvent) -> dict[str, Any]:
    assert isinstance(event, ShipmentDispatched)
    fo._require("ship")
    shipment = event.shipment
    for existing in fo.shipments:
        if existing.id == shipment.id:
            raise fo._refuse("ship", f"shipment {shipment.id!r} was already dispatched")
    lines = fo._moved("ship", shipment.items, "in_progress", "shipped")
    shipments = (*fo.shipments, shipment)
    status = _delivered_if_done(fo, fo._work("ship", lines), lines, shipments)
    return {"lines": lines, "shipments": shipments, "status": status}


def _delivered_if_done(
    fo: FulfillmentOrder,
    status: WorkStatus,
    lines: tuple[FulfillmentLine, ...],
    shipments: tuple[Shipment, ...],
) -> WorkStatus:
    """Shipped work whose parcels are already all delivered goes on to delivered (rule 6): a
    parcel recorded after its delivery, or a cancellation leaving only delivered parcels."""
    if status is not WorkStatus.SHIPPED or not all(s.is_delivered for s in shipments):
        return status
    context = WorkContext(_totals(lines), all_delivered=True, has_parcels=True)
    return WORK_LIFECYCLE.destination(status, "deliver", context, fo._subject)


def _tracked(fo: FulfillmentOrder, event: FulfillmentEvent) -> dict[str, Any]:
    assert isinstance(event, TrackingUpdated)
    shipments = fo.shipments
    index = next((i for i, s in enumerate(shipments) if s.id == event.shipment_id), None)
    if index is None:
        raise fo._refuse("track", f"it has no shipment {event.shipment_id!r}")
    updated = shipments[index].with_events(event.events)
    shipments = (*shipments[:index], updated, *shipments[index + 1 :])
    all_delivered = True
    for shipment in shipments:
        if not shipment.is_delivered:
            all_delivered = False
            break
    status = fo._work("track", all_delivered=all_delivered)
    return {"shipments": shipments, "status": status}


def _cancelled(fo: FulfillmentOrder, event: FulfillmentEvent) -> dict[str, Any]:
    assert isinstance(event, WorkCancelled)
    fo._require("cancel")
    if fo.work_started:
        raise fo._refuse("cancel", "the supplier has accepted the work: request a cancellation")
    wanted = event.quantities
    if wanted is None:
        wanted = tuple(LineQuantity(line.line_id, line.open) for line in fo.lines if line.open)
    lines = fo._moved("cancel", wanted, "open", "cancelled")
    status = fo._work("cancel", lines)
    changes: dict[str, Any] = {
        "lines": lines,
        "status": status,
        "request_status": fo._request("cancel", lines),
    }
    if status in TERMINAL_WORK_STATUSES:
        changes.update(holds=(), held_from=None)
    return changes


def _cancellation_requested(fo: FulfillmentOrder, event: FulfillmentEvent) -> dict[str, Any]:
    assert isinstance(event, CancellationRequested)
    fo._require("request_cancellation")
    wanted = event.quantities
    if wanted is None:
        wanted = tuple(
            LineQuantity(line.line_id, line.remaining) for line in fo.lines if line.remaining
        )
        if not wanted:
            raise fo._refuse("request_cancellation", "nothing is left to cancel")
    by_id = {line.line_id: line for line in fo.lines}
    for item in wanted:
        line = by_id.get(item.line_id)
        if line is None:
            raise fo._refuse("request_cancellation", f"it has no line {item.line_id!r}")
        if item.quantity > line.remaining:
            raise fo._refuse(
                "request_cancellation",
                f"line {item.line_id!r} has {line.remaining} not yet shipped, not {item.quantity}",
            )
    status = fo._work("request_cancellation")
    request = fo._request("request_cancellation")
    return {"status": status, "request_status": request, "cancellation_requested": wanted}


def _cancellation_accepted(fo: FulfillmentOrder, event: FulfillmentEvent) -> dict[str, Any]:
    fo._require("accept_cancellation")
    requested = fo.cancellation_requested or ()
    by_id = {line.line_id: line for line in fo.lines}
    for item in requested:
        line = by_id[item.line_id]
        left = item.quantity
        for bucket in ("open", "backordered", "in_progress"):
            take = min(left, getattr(line, bucket))
            if take:
                line = line._moved(bucket, "cancelled", take)
                left -= take
        by_id[item.line_id] = line
    lines = tuple(by_id[line.line_id] for line in fo.lines)
    status = _delivered_if_done(fo, fo._work("accept_cancellation", lines), lines, fo.shipments)
    changes: dict[str, Any] = {
        "lines": lines,
        "status": status,
        "request_status": fo._request("accept_cancellation", lines),
        "cancellation_requested": None,
    }
    if status is not WorkStatus.ON_HOLD:
        changes.update(holds=(), held_from=None)
    return changes


def _cancellation_rejected(fo: FulfillmentOrder, event: FulfillmentEvent) -> dict[str, Any]:
    fo._require("reject_cancellation")
    request = fo._request("reject_cancellation")
    status = fo._work("reject_cancellation")
    return {"status": status, "request_status": request, "cancellation_requested": None}


_DECIDERS: dict[type[FulfillmentEvent], Any] = {
    RequestSubmitted: _submitted,
    WorkAccepted: _accepted,
    WorkRejected: _rejected,
    HoldPlaced: _hold_placed,
    HoldReleased: _hold_released,
    GoodsSourced: _movement("source", "open", "in_progress"),
    GoodsBackordered: _movement("backorder", "open", "backordered"),
    GoodsRestocked: _movement("restock", "backordered", "in_progress"),
    GoodsPacked: _packed,
    ShipmentDispatched: _dispatched,
    TrackingUpdated: _tracked,
    WorkCancelled: _cancelled,
    CancellationRequested: _cancellation_requested,
    CancellationAccepted: _cancellation_accepted,
    CancellationRejected: _cancellation_rejected,
    EffectsScheduled: _scheduled,
    EffectCompleted: _completed,
    EffectFailed: _failed,
    BackorderUpdated: _backorder_updated,
    MessageNoted: _noted,
}
