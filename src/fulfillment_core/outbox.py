"""The outbox: what the outside world must still be told or asked, kept on the aggregate.

The core decides; the service executes. When the fulfillment service applies a message it also
records, *in the same save*, the :class:`Effect` s the change calls for (ask the supplier, buy a
label, push tracking to the storefront, notify someone). Only then does it carry them out through
the ports, and it marks each one done (or failed) with another event. A crash or an adapter
failure between the save and the call therefore loses nothing: the effect is still pending in
:attr:`FulfillmentOrder.outbox <fulfillment_core.FulfillmentOrder.outbox>`, and the next tick
retries it. Effects are at-least-once, so every port call an effect makes is idempotent: by
fulfillment order id (a request), by shipment id (a label, a storefront fulfillment) or by a
key derived from the effect (a purchase's ``reference``, a notification's ``key``, the ``key``
of a cancellation report or request). Effects that call the supplier or the carrier wait while
the work is held, or while a cancellation awaits the supplier's answer.

===================  ====================================================  =================
kind                 what the service does                                 payload
===================  ====================================================  =================
submit_request       sends the fulfillment request to the supplier, then  quantities (the
                     applies the answer (accept, or reject); once it is    lines, as first
                     accepted, reads the stock of the open units and       scheduled)
                     applies the sourcing decision in the same save
source               asks the supplier's stock for the ``quantities``      quantities
                     still open and applies the sourcing decision (when
                     the read with the acceptance failed:
                     ``then:source:<request's effect id>``)
check_restock        asks again about backordered ``quantities`` whose     quantities
                     restock date has passed
purchase             buys one line's units at the factory (open units, or  quantities (one)
                     backordered ones when ``reason`` is "backordered")
receive              records goods that arrived while the work was held    purchase_id
ship                 plans parcels for what is in progress, buys the best  --
                     label for each, packs and ships them
void_label           voids a label bought for a parcel that did not go     tracking_number
push_fulfillment     pushes one parcel's tracking to the storefront        shipment_id
report_holds         shows these holds on the storefront (none: released)  holds
report_cancellation  tells the storefront these units will not ship        quantities, reason
request_cancellation asks the supplier to cancel these units               quantities
cancel               a cancellation that came while the supplier owed the  quantities,
                     answer to an earlier one: once it answers, cancels    reason
                     what is left of the units (by asking the supplier)
open_work            opens new work for these units with ``supplier_id``   quantities,
                     (a switch to a backup, lines routed again), under     supplier_id
                     ``work_id`` when given                                [, work_id]
withdraw             tells the supplier the service took these units away  quantities, reason
                     (switched, cancelled for stock, or cancelled before
                     the request was answered); the answer is noted
notify               sends a notification                                  notification
===================  ====================================================  =================
"""

from __future__ import annotations

import enum
from typing import Any

import attrs

from ._notice import Notification
from ._validation import Checker, to_enum, to_line, to_text, to_tuple
from .holds import Hold
from .shipment import LineQuantity, _to_line_quantities, check_line_quantities

__all__ = ["SUPPLIER_OR_CARRIER_KINDS", "Effect", "EffectKind"]


class EffectKind(enum.StrEnum):
    SUBMIT_REQUEST = "submit_request"
    SOURCE = "source"
    CHECK_RESTOCK = "check_restock"
    PURCHASE = "purchase"
    RECEIVE = "receive"
    SHIP = "ship"
    VOID_LABEL = "void_label"
    PUSH_FULFILLMENT = "push_fulfillment"
    REPORT_HOLDS = "report_holds"
    REPORT_CANCELLATION = "report_cancellation"
    REQUEST_CANCELLATION = "request_cancellation"
    CANCEL = "cancel"
    WITHDRAW = "withdraw"
    OPEN_WORK = "open_work"
    NOTIFY = "notify"


#: The payload each kind needs (``holds`` may be empty: "released").
_NEEDS: dict[EffectKind, frozenset[str]] = {
    EffectKind.SUBMIT_REQUEST: frozenset(),
    EffectKind.SOURCE: frozenset({"quantities"}),
    EffectKind.CHECK_RESTOCK: frozenset({"quantities"}),
    EffectKind.PURCHASE: frozenset({"quantities", "reason"}),
    EffectKind.RECEIVE: frozenset({"purchase_id"}),
    EffectKind.SHIP: frozenset(),
    EffectKind.VOID_LABEL: frozenset({"tracking_number"}),
    EffectKind.PUSH_FULFILLMENT: frozenset({"shipment_id"}),
    EffectKind.REPORT_HOLDS: frozenset({"holds"}),
    EffectKind.REPORT_CANCELLATION: frozenset({"quantities", "reason"}),
    EffectKind.REQUEST_CANCELLATION: frozenset({"quantities"}),
    EffectKind.CANCEL: frozenset({"quantities", "reason"}),
    EffectKind.WITHDRAW: frozenset({"quantities", "reason"}),
    EffectKind.OPEN_WORK: frozenset({"quantities", "supplier_id"}),
    EffectKind.NOTIFY: frozenset({"notification"}),
}

#: What an effect may carry besides what it needs.
_MAY: dict[EffectKind, frozenset[str]] = {
    # The lines of the request as first sent: a request sent again asks for the same (the
    # supplier keeps the first), and units cancelled meanwhile are withdrawn after it.
    EffectKind.SUBMIT_REQUEST: frozenset({"quantities"}),
    # The id the order's placement gives that supplier's work, so that whichever of the two
    # opens it first owns it (an edit racing the placement never opens the lines twice).
    EffectKind.OPEN_WORK: frozenset({"work_id"}),
}

#: Per kind: what it needs, and what it may carry at all.
_RULES = {kind: (needs, needs | _MAY.get(kind, frozenset())) for kind, needs in _NEEDS.items()}

#: The optional text fields and their length limits.
_TEXTS = (
    ("shipment_id", 255),
    ("reason", 2000),
    ("purchase_id", 255),
    ("tracking_number", 255),
    ("supplier_id", 255),
    ("work_id", 255),
)

_PAYLOAD = (
    "quantities",
    "holds",
    "shipment_id",
    "reason",
    "purchase_id",
    "tracking_number",
    "supplier_id",
    "work_id",
    "notification",
)

#: Effects that ask the supplier or the carrier to act: they wait while the work is held.
SUPPLIER_OR_CARRIER_KINDS = frozenset(
    {
        EffectKind.SUBMIT_REQUEST,
        EffectKind.SOURCE,
        EffectKind.CHECK_RESTOCK,
        EffectKind.PURCHASE,
        EffectKind.RECEIVE,
        EffectKind.SHIP,
    }
)


def _to_kind(value: object) -> Any:
    return to_enum(EffectKind, value)


@attrs.frozen
class Effect:
    """One thing the service must do through a port, named by an ``id`` unique in its work.

    Only the payload its ``kind`` needs is set (see the module's table); the rest stays empty.
    """

    id: str = attrs.field(converter=to_text)
    kind: EffectKind = attrs.field(converter=_to_kind)
    quantities: tuple[LineQuantity, ...] = attrs.field(
        default=(), converter=_to_line_quantities, kw_only=True
    )
    holds: tuple[Hold, ...] = attrs.field(default=(), converter=to_tuple, kw_only=True)
    shipment_id: str | None = attrs.field(default=None, converter=to_line, kw_only=True)
    reason: str | None = attrs.field(default=None, converter=to_line, kw_only=True)
    purchase_id: str | None = attrs.field(default=None, converter=to_line, kw_only=True)
    tracking_number: str | None = attrs.field(default=None, converter=to_line, kw_only=True)
    supplier_id: str | None = attrs.field(default=None, converter=to_line, kw_only=True)
    work_id: str | None = attrs.field(default=None, converter=to_line, kw_only=True)
    notification: Notification | None = attrs.field(default=None, kw_only=True)

    def __attrs_post_init__(self) -> None:
        check = Checker()
        check.text("id", self.id, max_length=255)
        if check.member("kind", self.kind, EffectKind):
            needs, allowed = _RULES[self.kind]
            for name in _PAYLOAD:
                given = getattr(self, name) not in (None, ())
                if not given:
                    if name in needs and name != "holds":
                        check.fail(name, f"is required for a {self.kind} effect")
                elif name not in allowed:
                    check.fail(name, f"is not used by a {self.kind} effect", "leave it out")
            if self.kind is EffectKind.PURCHASE and len(self.quantities) > 1:
                check.fail("quantities", "a purchase buys one line", "schedule one per line")
        # An empty tuple needs no check (the usual case); anything else, even what compares
        # equal to one, is checked.
        if type(self.quantities) is not tuple or self.quantities:
            check_line_quantities(check, "quantities", self.quantities, non_empty=False)
        if type(self.holds) is not tuple or self.holds:
            check.sequence("holds", self.holds, Hold)
        for name, limit in _TEXTS:  # an absent (None) text needs no check
            value = getattr(self, name)
            if value is not None:
                check.text(name, value, required=False, max_length=limit)
        if self.notification is not None:
            check.instance("notification", self.notification, Notification)
        check.done("Effect")
