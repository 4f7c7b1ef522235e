"""A rule-based state machine drives fulfillment orders and their parcels at random.

Whatever the sequence, these hold after every step: each line's ledger adds up to what was
ordered; nothing ships more than was ordered; a terminal status never changes; the version
counts the applied changes; a refused command changes nothing; replaying the history rebuilds
the live aggregate; and the stored form reads back equal.
"""

from __future__ import annotations

from typing import Any

import pendulum
from hypothesis import event, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule

from fulfillment_core import (
    FulfillmentError,
    FulfillmentLine,
    FulfillmentOrder,
    Hold,
    HoldReason,
    Shipment,
    TrackingEvent,
    TrackingStatus,
    from_dict,
    to_dict,
)
from fulfillment_core.lifecycle import TERMINAL_WORK_STATUSES

T0 = pendulum.datetime(2026, 3, 2, 1, 0, tz="UTC")
LINES = ("line-1", "line-2")
HOLD_REASONS = [HoldReason.INCORRECT_ADDRESS, HoldReason.INVALID_SKU, HoldReason.OTHER]

line_ids = st.sampled_from(LINES)
quantities = st.integers(min_value=1, max_value=4)
maybe_key = st.none() | st.sampled_from(["msg-1", "msg-2", "msg-3"])


def _snapshot(fo: FulfillmentOrder) -> tuple[Any, ...]:
    return (
        fo.status,
        fo.request_status,
        fo.lines,
        fo.holds,
        fo.held_from,
        fo.shipments,
        fo.cancellation_requested,
        fo.rejection_reason,
        fo.history,
        fo.version,
    )


class FulfillmentMachine(RuleBasedStateMachine):
    fo: FulfillmentOrder

    @initialize(first=st.integers(1, 4), second=st.integers(1, 4))
    def open_work(self, first: int, second: int) -> None:
        self.fo = FulfillmentOrder.open(
            "fo-1",
            order_id="o-1",
            supplier_id="sup-1",
            lines=[FulfillmentLine.new("line-1", first), FulfillmentLine.new("line-2", second)],
            at=T0,
        )
        self.clock = T0
        self.applied = 1
        self.shipment_count = 0
        self.terminal_status = None

    def _do(self, command: Any, *args: Any, **kwargs: Any) -> None:
        """Run a command: it applies fully (version +1 unless replayed) or changes nothing."""
        self.clock = self.clock.add(hours=1)
        before = _snapshot(self.fo)
        key = kwargs.get("key")
        replay = key is not None and any(e.key == key for e in self.fo.history)
        try:
            command(*args, at=self.clock, **kwargs)
        except FulfillmentError:
            assert _snapshot(self.fo) == before, "a refused command changed the aggregate"
            return
        if replay:
            assert _snapshot(self.fo) == before, "a replayed message changed the aggregate"
        else:
            self.applied += 1

    @rule(key=maybe_key)
    def submit(self, key: str | None) -> None:
        self._do(self.fo.submit, key=key)

    @rule()
    def accept(self) -> None:
        self._do(self.fo.accept)

    @rule(dice=st.integers(0, 9))
    def reject(self, dice: int) -> None:
        if dice == 0:  # rarely: a rejection ends the run
            self._do(self.fo.reject, "cannot source")

    @rule()
    def progress(self) -> None:
        """Take the natural next step, so runs reach packing, shipping and delivery."""
        fo = self.fo
        open_lines = {line.line_id: line.open for line in fo.lines if line.open}
        in_progress = {line.line_id: line.in_progress for line in fo.lines if line.in_progress}
        if fo.request_status.value == "unsubmitted":
            self._do(fo.submit)
        elif fo.request_status.value == "submitted":
            self._do(fo.accept)
        elif open_lines:
            self._do(fo.source, open_lines)
        elif fo.status.value == "ready_to_pack":
            self._do(fo.pack)
        elif in_progress:
            self.shipment_count += 1
            parcel = Shipment(
                f"sh-{self.shipment_count}", "4PX", "Express", ["4PX1"], in_progress, self.clock
            )
            self._do(fo.ship, parcel)
        elif fo.shipments:
            parcel = fo.shipments[-1]
            events = [
                TrackingEvent("out_for_delivery", parcel.label_created_at.add(days=9)),
                TrackingEvent("delivered", parcel.label_created_at.add(days=10)),
            ]
            self._do(fo.record_tracking, parcel.id, events)

    @rule(reason=st.sampled_from(HOLD_REASONS), path=st.sampled_from(["", "line_items[0].sku"]))
    def hold(self, reason: HoldReason, path: str) -> None:
        self._do(self.fo.place_hold, Hold(reason, path, "merchant", "wait"))

    @rule(reason=st.sampled_from(HOLD_REASONS))
    def release(self, reason: HoldReason) -> None:
        self._do(self.fo.release_hold, reason)

    @rule(line=line_ids, quantity=quantities, key=maybe_key)
    def source(self, line: str, quantity: int, key: str | None) -> None:
        self._do(self.fo.source, {line: quantity}, key=key)

    @rule(line=line_ids, quantity=quantities, eta_days=st.none() | st.integers(1, 30))
    def backorder(self, line: str, quantity: int, eta_days: int | None) -> None:
        eta = None if eta_days is None else T0.add(days=eta_days)
        self._do(self.fo.backorder, {line: quantity}, restock_eta=eta)

    @rule(line=line_ids, quantity=quantities)
    def restock(self, line: str, quantity: int) -> None:
        self._do(self.fo.restock, {line: quantity})

    @rule()
    def pack(self) -> None:
        self._do(self.fo.pack)

    @rule(line=line_ids, quantity=quantities, both=st.booleans())
    def ship(self, line: str, quantity: int, both: bool) -> None:
        self.shipment_count += 1
        items = {line: quantity}
        if both:
            items = dict.fromkeys(LINES, 1) | items
        parcel = Shipment(
            f"sh-{self.shipment_count}", "YunExpress", "Global", ["YT1"], items, self.clock
        )
        self._do(self.fo.ship, parcel)

    @precondition(lambda self: bool(self.fo.shipments))
    @rule(
        index=st.integers(0, 5),
        status=st.sampled_from(TrackingStatus),
        days=st.integers(-3, 30),
        key=maybe_key,
    )
    def track(self, index: int, status: TrackingStatus, days: int, key: str | None) -> None:
        parcel = self.fo.shipments[index % len(self.fo.shipments)]
        event = TrackingEvent(status, parcel.label_created_at.add(days=days))
        self._do(self.fo.record_tracking, parcel.id, [event], key=key)

    @rule(
        quantities=st.none() | st.dictionaries(line_ids, quantities, min_size=1),
        key=maybe_key,
    )
    def cancel(self, quantities: dict[str, int] | None, key: str | None) -> None:
        if quantities is not None or self.fo.work_started:  # cancelling everything: rarely
            self._do(self.fo.cancel, quantities, key=key)

    @rule()
    def accept_cancellation(self) -> None:
        self._do(self.fo.accept_cancellation)

    @rule()
    def reject_cancellation(self) -> None:
        self._do(self.fo.reject_cancellation, "already shipped")

    # ------------------------------------------------------------------ invariants

    @invariant()
    def ledgers_add_up_and_nothing_ships_twice(self) -> None:
        for line in self.fo.lines:
            buckets = (line.open, line.in_progress, line.backordered, line.shipped, line.cancelled)
            assert sum(buckets) == line.ordered
            assert min(buckets) >= 0
            assert line.shipped <= line.ordered
            shipped_in_parcels = sum(s.quantity_of(line.line_id) for s in self.fo.shipments)
            assert shipped_in_parcels == line.shipped

    @invariant()
    def version_counts_the_applied_changes(self) -> None:
        assert self.fo.version == len(self.fo.history) == self.applied

    @invariant()
    def terminal_statuses_absorb(self) -> None:
        if self.terminal_status is not None:
            assert self.fo.status is self.terminal_status
        elif self.fo.status in TERMINAL_WORK_STATUSES:
            self.terminal_status = self.fo.status

    @invariant()
    def holds_exist_exactly_while_on_hold(self) -> None:
        assert bool(self.fo.holds) == (self.fo.status.value == "on_hold")

    def teardown(self) -> None:
        if hasattr(self, "fo"):
            event(f"ended {self.fo.status.value}")
            assert FulfillmentOrder.replay(self.fo.history) == self.fo
            assert from_dict(FulfillmentOrder, to_dict(self.fo)) == self.fo


# Inherits the loaded profile (tests/conftest.py: 200 examples when CI is set).
FulfillmentMachine.TestCase.settings = settings(stateful_step_count=50)
TestFulfillmentMachine = FulfillmentMachine.TestCase
