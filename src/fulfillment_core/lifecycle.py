"""The fulfillment order's two lifecycles, each one table: the work status and the supplier
request handshake. Everything that decides a status lives in this module.

Rules of the **work status** (what is happening to the goods):

1. Work starts ``pending``; ``submit`` sends the request to the supplier (never while held).
   The supplier accepts it (``accept`` → ``accepted``) or rejects it (``reject`` → ``rejected``,
   terminal: the merchant must find another source). An acceptance that arrives while the work
   is held is recorded, and the work resumes as accepted when released.
2. Any not-yet-shipped state can be put ``on_hold``, several holds at once; a ``hold`` while on
   hold adds another. ``release`` removes holds; releasing the **last** one resumes the work:
   back to ``pending`` or ``accepted`` if no goods had moved, else to what the ledger calls for
   (rule 4; a cancellation may have changed it under the hold), ``packed`` work staying packed.
   While on hold no goods move: only cancellation and rejection apply.
3. Goods move through a per-line quantity ledger: ``open`` → ``in_progress`` (sourced from the
   warehouse or the factory) or → ``backordered`` (waiting for a restock, then ``restock`` moves
   them to ``in_progress``) → ``shipped``; any unshipped quantity can become ``cancelled``. For
   every line, ordered = open + in_progress + backordered + shipped + cancelled, always.
4. After goods move, the status **settles** from the ledger, in this order: nothing left and
   something shipped → ``shipped``; nothing left and nothing shipped → ``cancelled``; something
   shipped → ``partially_shipped``; something open → ``sourcing``; only backorders waiting →
   ``backordered``; otherwise → ``ready_to_pack``. The table lists the settled destinations each
   trigger can reach; the guards name the settle rule that picks each.
5. ``pack`` packs what is in progress (``packed``); ``ship`` ships a parcel of packed goods.
6. ``track`` records carrier updates (in every status that can have parcels); ``shipped`` work
   whose parcels are all delivered becomes ``delivered`` (terminal), whether the last delivery
   comes by a tracking update, a parcel recorded after its delivery, or a cancellation that
   leaves only delivered parcels (the internal ``deliver`` trigger).
7. **Cancel before work starts is immediate** (``pending``, or ``on_hold`` before the supplier
   accepted): the quantities become cancelled, all of them → ``cancelled``. **After work
   starts it is a request** (``request_cancellation``): the work status does not move until the
   supplier answers; ``accept_cancellation`` cancels every requested, still unshipped quantity
   and settles; ``reject_cancellation`` (the parcel already left) changes nothing, even on work
   that shipping or delivery overtook.
8. ``cancelled``, ``rejected`` and ``delivered`` are terminal: no trigger leaves them.

Rules of the **request handshake** (what the supplier has agreed to, as Shopify models it):
``unsubmitted`` → ``submit`` → ``submitted`` → ``accept`` → ``accepted`` or ``reject`` →
``rejected``. A cancellation after acceptance goes ``cancellation_requested`` →
``cancellation_accepted`` (everything cancelled; or back to ``accepted`` when some quantity
goes on) or ``cancellation_rejected`` (which may be requested again). An immediate cancellation
before acceptance closes the request (``closed``) once nothing is left.
"""

from __future__ import annotations

import enum
from collections.abc import Callable

import attrs

from ._machine import Edge, Lifecycle

__all__ = [
    "HOLDABLE_STATUSES",
    "INTERNAL_TRIGGERS",
    "IN_PROGRESS_STATUSES",
    "PROCESSING_DONE_STATUSES",
    "REQUEST_LIFECYCLE",
    "TERMINAL_WORK_STATUSES",
    "WORK_LIFECYCLE",
    "LedgerTotals",
    "RequestStatus",
    "WorkContext",
    "WorkStatus",
    "resume_status",
    "settle",
    "work_started",
]


class WorkStatus(enum.StrEnum):
    PENDING = "pending"
    ON_HOLD = "on_hold"
    ACCEPTED = "accepted"
    SOURCING = "sourcing"
    BACKORDERED = "backordered"
    READY_TO_PACK = "ready_to_pack"
    PACKED = "packed"
    PARTIALLY_SHIPPED = "partially_shipped"
    SHIPPED = "shipped"
    DELIVERED = "delivered"
    CANCELLED = "cancelled"
    REJECTED = "rejected"


class RequestStatus(enum.StrEnum):
    UNSUBMITTED = "unsubmitted"
    SUBMITTED = "submitted"
    ACCEPTED = "accepted"
    REJECTED = "rejected"
    CANCELLATION_REQUESTED = "cancellation_requested"
    CANCELLATION_ACCEPTED = "cancellation_accepted"
    CANCELLATION_REJECTED = "cancellation_rejected"
    CLOSED = "closed"


TERMINAL_WORK_STATUSES = frozenset(
    {WorkStatus.CANCELLED, WorkStatus.REJECTED, WorkStatus.DELIVERED}
)

#: Request statuses after the supplier accepted the work: a cancel is then a request.
_STARTED_REQUESTS = frozenset(
    {
        RequestStatus.ACCEPTED,
        RequestStatus.CANCELLATION_REQUESTED,
        RequestStatus.CANCELLATION_ACCEPTED,
        RequestStatus.CANCELLATION_REJECTED,
    }
)


def work_started(request: RequestStatus) -> bool:
    """Whether the supplier has accepted the work (rule 7: cancels become requests)."""
    return request in _STARTED_REQUESTS


#: Work statuses after which no processing is left to do (nothing can be late to ship).
PROCESSING_DONE_STATUSES = frozenset(
    {WorkStatus.SHIPPED, WorkStatus.DELIVERED, WorkStatus.CANCELLED, WorkStatus.REJECTED}
)

#: Work statuses in which the supplier is busy with the goods (the order is "in progress").
IN_PROGRESS_STATUSES = frozenset(
    {
        WorkStatus.ACCEPTED,
        WorkStatus.SOURCING,
        WorkStatus.BACKORDERED,
        WorkStatus.READY_TO_PACK,
        WorkStatus.PACKED,
    }
)

#: Statuses work can be held from (and resumes to when its last hold is released).
HOLDABLE_STATUSES = (
    WorkStatus.PENDING,
    WorkStatus.ACCEPTED,
    WorkStatus.SOURCING,
    WorkStatus.BACKORDERED,
    WorkStatus.READY_TO_PACK,
    WorkStatus.PACKED,
    WorkStatus.PARTIALLY_SHIPPED,
)


@attrs.frozen
class LedgerTotals:
    """The quantity ledger summed over lines."""

    ordered: int
    open: int
    in_progress: int
    backordered: int
    shipped: int
    cancelled: int

    @property
    def remaining(self) -> int:
        """Quantity not yet shipped nor cancelled."""
        return self.open + self.in_progress + self.backordered


def settle(totals: LedgerTotals) -> WorkStatus:
    """The work status the ledger calls for once goods have moved (rule 4)."""
    if totals.remaining == 0:
        return WorkStatus.SHIPPED if totals.shipped else WorkStatus.CANCELLED
    if totals.shipped:
        return WorkStatus.PARTIALLY_SHIPPED
    if totals.open:
        return WorkStatus.SOURCING
    if not totals.in_progress:
        return WorkStatus.BACKORDERED
    return WorkStatus.READY_TO_PACK


class WorkContext:
    """What the work guards look at: the ledger *after* the proposed change, and the holds.

    ``totals`` may be given as a zero-argument function: it is then summed only if a guard
    asks, once (most triggers have unguarded edges and never need it).
    """

    __slots__ = (
        "_settled",
        "_totals",
        "all_delivered",
        "has_parcels",
        "held_from",
        "holds_left",
        "work_started",
    )

    def __init__(
        self,
        totals: LedgerTotals | Callable[[], LedgerTotals],
        *,
        holds_left: int = 0,
        held_from: WorkStatus | None = None,
        work_started: bool = False,
        all_delivered: bool = False,
        has_parcels: bool = False,
    ) -> None:
        self._totals = totals
        self._settled: WorkStatus | None = None
        self.holds_left = holds_left
        self.held_from = held_from
        self.work_started = work_started
        self.all_delivered = all_delivered
        self.has_parcels = has_parcels

    @property
    def totals(self) -> LedgerTotals:
        if not isinstance(self._totals, LedgerTotals):
            self._totals = self._totals()
        return self._totals

    @property
    def settled(self) -> WorkStatus:
        """What the ledger settles to (rule 4), worked out once."""
        if self._settled is None:
            self._settled = settle(self.totals)
        return self._settled


_SETTLED = (
    WorkStatus.SOURCING,
    WorkStatus.BACKORDERED,
    WorkStatus.READY_TO_PACK,
    WorkStatus.PARTIALLY_SHIPPED,
    WorkStatus.SHIPPED,
    WorkStatus.CANCELLED,
)


def _settles_to(status: WorkStatus) -> Callable[[WorkContext], bool]:
    return lambda context: context.settled is status


def resume_status(held_from: WorkStatus | None, totals: LedgerTotals) -> WorkStatus | None:
    """Where work goes when its last hold is released (rule 2).

    Before goods move (pending, accepted) it goes back where it was. After, the ledger may have
    changed under the hold (a cancellation accepted meanwhile), so it settles from the ledger
    again; packed work that still has its goods stays packed.
    """
    if held_from is None or held_from in (WorkStatus.PENDING, WorkStatus.ACCEPTED):
        return held_from
    settled = settle(totals)
    if held_from is WorkStatus.PACKED and settled is WorkStatus.READY_TO_PACK:
        return WorkStatus.PACKED
    return settled


def _resumes_to(status: WorkStatus) -> Callable[[WorkContext], bool]:
    return lambda context: (
        context.holds_left == 0 and resume_status(context.held_from, context.totals) is status
    )


_WORK_GUARDS: dict[str, tuple[Callable[[WorkContext], bool], str]] = {
    **{
        f"settles_{status.value}": (
            _settles_to(status),
            f"the ledger does not settle to {status.value}",
        )
        for status in _SETTLED
    },
    **{
        f"resumes_{status.value}": (
            _resumes_to(status),
            f"the work was not held from {status.value}, or holds remain",
        )
        for status in HOLDABLE_STATUSES
    },
    "holds_remain": (lambda c: c.holds_left > 0, "no hold would remain"),
    "before_work_all_cancelled": (
        lambda c: not c.work_started and c.totals.remaining == 0,
        "the supplier has accepted the work: request a cancellation instead",
    ),
    "before_work_some_left": (
        lambda c: not c.work_started and c.totals.remaining > 0,
        "the supplier has accepted the work: request a cancellation instead",
    ),
    "before_work": (
        lambda c: not c.work_started,
        "the supplier has already accepted the work",
    ),
    "work_started": (
        lambda c: c.work_started,
        "the supplier has not accepted the work yet: cancel it directly",
    ),
    "has_goods_to_pack": (lambda c: c.totals.in_progress > 0, "nothing is in progress to pack"),
    "has_parcels": (lambda c: c.has_parcels, "no parcel has been dispatched"),
    "all_delivered": (lambda c: c.all_delivered, "not every parcel is delivered yet"),
    "stays_held": (lambda c: c.totals.remaining > 0, "nothing would be left to hold"),
}


def _edges(
    trigger: str, sources: tuple[WorkStatus, ...], dests: tuple[WorkStatus, ...]
) -> list[Edge[WorkStatus]]:
    """Settling edges: from each source, to each destination the settle rule may pick."""
    return [
        Edge(trigger, source, dest, f"settles_{dest.value}") for source in sources for dest in dests
    ]


_W = WorkStatus
_STARTED = (
    _W.ACCEPTED,
    _W.SOURCING,
    _W.BACKORDERED,
    _W.READY_TO_PACK,
    _W.PACKED,
    _W.PARTIALLY_SHIPPED,
)

#: Statuses in which parcels may already be on their way (so carrier updates arrive).
_WITH_PARCELS = (_W.PARTIALLY_SHIPPED, _W.PACKED, _W.ON_HOLD, _W.SHIPPED, _W.DELIVERED)

WORK_EDGES: list[Edge[WorkStatus]] = [
    # Rule 1: the request goes to the supplier (never while held), who answers. An acceptance
    # that arrives while the work is held is recorded; the work stays held.
    Edge("submit", _W.PENDING, _W.PENDING),
    Edge("accept", _W.PENDING, _W.ACCEPTED),
    Edge("accept", _W.ON_HOLD, _W.ON_HOLD, "before_work"),
    Edge("reject", _W.PENDING, _W.REJECTED),
    Edge("reject", _W.ON_HOLD, _W.REJECTED, "before_work"),
    # Rule 2: holds.
    *[Edge("hold", source, _W.ON_HOLD) for source in (*HOLDABLE_STATUSES, _W.ON_HOLD)],
    Edge("release", _W.ON_HOLD, _W.ON_HOLD, "holds_remain"),
    *[Edge("release", _W.ON_HOLD, s, f"resumes_{s.value}") for s in HOLDABLE_STATUSES],
    # Rules 3 and 4: goods move, the status settles (to whatever the ledger calls for).
    *_edges("source", (_W.ACCEPTED, _W.SOURCING, _W.PARTIALLY_SHIPPED), _SETTLED),
    *_edges("backorder", (_W.ACCEPTED, _W.SOURCING, _W.PARTIALLY_SHIPPED), _SETTLED),
    *_edges(
        "restock",
        (_W.SOURCING, _W.BACKORDERED, _W.READY_TO_PACK, _W.PACKED, _W.PARTIALLY_SHIPPED),
        _SETTLED,
    ),
    # Rule 5: packing and shipping.
    # Packing comes once every unit has a sourcing decision (nothing open): what is ready can
    # then go while backorders wait (the policy's split decides whether it should).
    *[
        Edge("pack", source, _W.PACKED, "has_goods_to_pack")
        for source in (_W.READY_TO_PACK, _W.PARTIALLY_SHIPPED)
    ],
    *_edges("ship", (_W.PACKED, _W.PARTIALLY_SHIPPED), _SETTLED),
    # Rule 6: delivery. Carrier updates are recorded in every status that can have parcels;
    # shipped work whose parcels are all delivered is delivered ("deliver" follows a shipment
    # or a cancellation that leaves only delivered parcels).
    Edge("track", _W.SHIPPED, _W.DELIVERED, "all_delivered"),
    *[Edge("track", s, s, "has_parcels") for s in _WITH_PARCELS],
    Edge("deliver", _W.SHIPPED, _W.DELIVERED, "all_delivered"),
    # Rule 7: cancellation.
    Edge("cancel", _W.PENDING, _W.CANCELLED, "before_work_all_cancelled"),
    Edge("cancel", _W.PENDING, _W.PENDING, "before_work_some_left"),
    Edge("cancel", _W.ON_HOLD, _W.CANCELLED, "before_work_all_cancelled"),
    Edge("cancel", _W.ON_HOLD, _W.ON_HOLD, "before_work_some_left"),
    *[Edge("request_cancellation", s, s) for s in _STARTED],
    Edge("request_cancellation", _W.ON_HOLD, _W.ON_HOLD, "work_started"),
    *_edges("accept_cancellation", _STARTED, _SETTLED),
    Edge("accept_cancellation", _W.ON_HOLD, _W.ON_HOLD, "stays_held"),
    *_edges("accept_cancellation", (_W.ON_HOLD,), (_W.SHIPPED, _W.CANCELLED)),
    # The answer to a request that shipping overtook: nothing changes.
    *[Edge("reject_cancellation", s, s) for s in (*_STARTED, _W.SHIPPED, _W.DELIVERED, _W.ON_HOLD)],
]

#: Triggers the aggregate fires itself as a consequence of another; never a command.
INTERNAL_TRIGGERS = frozenset({"deliver"})

WORK_LIFECYCLE: Lifecycle[WorkStatus, WorkContext] = Lifecycle(
    "fulfillment order work",
    WorkStatus,
    WORK_EDGES,
    _WORK_GUARDS,
)

_R = RequestStatus


@attrs.frozen
class RequestContext:
    """What the request guards look at: whether any quantity is left after the change."""

    remaining: int


REQUEST_LIFECYCLE: Lifecycle[RequestStatus, RequestContext] = Lifecycle(
    "supplier request",
    RequestStatus,
    [
        Edge("submit", _R.UNSUBMITTED, _R.SUBMITTED),
        Edge("accept", _R.SUBMITTED, _R.ACCEPTED),
        Edge("reject", _R.SUBMITTED, _R.REJECTED),
        Edge("cancel", _R.UNSUBMITTED, _R.CLOSED, "nothing_left"),
        Edge("cancel", _R.UNSUBMITTED, _R.UNSUBMITTED, "some_left"),
        Edge("cancel", _R.SUBMITTED, _R.CLOSED, "nothing_left"),
        Edge("cancel", _R.SUBMITTED, _R.SUBMITTED, "some_left"),
        Edge("request_cancellation", _R.ACCEPTED, _R.CANCELLATION_REQUESTED),
        Edge("request_cancellation", _R.CANCELLATION_REJECTED, _R.CANCELLATION_REQUESTED),
        Edge(
            "accept_cancellation",
            _R.CANCELLATION_REQUESTED,
            _R.CANCELLATION_ACCEPTED,
            "nothing_left",
        ),
        Edge("accept_cancellation", _R.CANCELLATION_REQUESTED, _R.ACCEPTED, "some_left"),
        Edge("reject_cancellation", _R.CANCELLATION_REQUESTED, _R.CANCELLATION_REJECTED),
    ],
    {
        "nothing_left": (lambda c: c.remaining == 0, "some quantity is left"),
        "some_left": (lambda c: c.remaining > 0, "nothing is left"),
    },
)
