"""A rule-based state machine sends the service random messages, with adapters failing at random
and the supplier's replies lost at random (the call went through, the service saw a timeout).

Whatever arrives, in whatever order, these hold after every step: no line ever ships more units
than were ordered; every parcel the storefront knows is a parcel of some work; every label bought
is used by a parcel or being voided; the storefront is never told of more cancelled units than
were cancelled; and, once nothing is pending, the supplier is left with the units the ledger
still expects of it.
"""

from __future__ import annotations

import contextlib
from typing import Any

import attrs
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

from fulfillment_core import InWarehouse, Order, WorkStatus
from fulfillment_core.exceptions import (
    FulfillmentError,
    PermanentAdapterError,
    RetryableAdapterError,
)
from fulfillment_core.messages import (
    Message,
    OrderCancellationRequested,
    OrderDataUpdated,
    OrderPlaced,
    PurchaseArrived,
    RetryFailedEffects,
    StockReported,
    SupplierRejected,
    Tick,
    TrackingReported,
)
from fulfillment_core.testing import make_address, make_line, make_order, make_policy

from service_world import BACKUP, PRIMARY, World

ORDERS = ("A1", "B2", "C3")
SKUS = {"CASE-IP15-BLK": "SZ-PC-1501-B", "TEE-RED-M": "SZ-88121-R-M", "MUG-WHT": "SZ-MUG-W"}
FAILING = [
    ("supplier", "submit_request"),
    ("supplier", "stock"),
    ("supplier", "purchase"),
    ("supplier", "request_cancellation"),
    ("carrier", "buy_label"),
    ("carrier", "quote"),
    ("storefront", "push_fulfillment"),
    ("storefront", "report_cancellation"),
    ("notifier", "send"),
]


class _LossyGateway:
    """The primary supplier's gateway, whose next reply to an operation may be lost: the call
    reaches the supplier, then the service sees a timeout."""

    def __init__(self, fake: Any) -> None:
        self.fake = fake
        self.lose: set[str] = set()

    def __getattr__(self, name: str) -> object:
        method = getattr(self.fake, name)
        if not callable(method) or name.startswith("_"):
            return method

        def call(*args: object, **kwargs: object) -> object:
            answer = method(*args, **kwargs)
            if name in self.lose:
                self.lose.discard(name)
                raise RetryableAdapterError("supplier", name, "the reply was lost")
            return answer

        return call


class ServiceMachine(RuleBasedStateMachine):
    world: World

    @initialize(
        split=st.sampled_from(["ship_available", "ship_complete"]),
        stock=st.lists(st.sampled_from(["shelf", "factory", "out"]), min_size=3, max_size=3),
    )
    def shop(self, split: str, stock: list[str]) -> None:
        self.world = World(make_policy(split=split))
        self.gateway = _LossyGateway(self.world.supplier)
        gateways = {PRIMARY: self.gateway, BACKUP: self.world.backup_supplier}
        self.world.service = self.world.sync_service(gateways=gateways)
        self.keys = 0
        self.ordered: dict[str, dict[str, int]] = {}
        self.orders: dict[str, Order] = {}
        self.rejected: set[str] = set()  # work the supplier was told to have given up on
        for sku, kind in zip(sorted(SKUS), stock, strict=True):
            self.supplier_stock(sku, kind)

    def send(self, message: Message) -> None:
        # Refused with a clear error (an unknown purchase, a message too early) is fine too.
        with contextlib.suppress(FulfillmentError):
            self.world.handle(message)

    def key(self) -> str:
        self.keys += 1
        return f"m-{self.keys}"

    # ------------------------------------------------------------------ the outside world

    @rule(sku=st.sampled_from(sorted(SKUS)), kind=st.sampled_from(["shelf", "factory", "out"]))
    def stock_changes(self, sku: str, kind: str) -> None:
        self.supplier_stock(sku, kind)

    def supplier_stock(self, sku: str, kind: str) -> None:
        supplier_sku = SKUS[sku]
        if kind == "shelf":
            self.world.in_warehouse(supplier_sku, quantity=3)
        elif kind == "factory":
            self.world.at_factory(supplier_sku)
        else:
            self.world.out_of_stock(supplier_sku, restock_in_days=2)

    @rule(
        which=st.sampled_from(FAILING),
        permanent=st.booleans(),
    )
    def an_adapter_fails_next(self, which: tuple[str, str], permanent: bool) -> None:
        port, operation = which
        fake = getattr(self.world, port)
        error_type = PermanentAdapterError if permanent else RetryableAdapterError
        fake.fail_next(operation, error_type(port, operation, "injected"))

    @rule(operation=st.sampled_from(["submit_request", "request_cancellation", "purchase"]))
    def the_suppliers_next_reply_is_lost(self, operation: str) -> None:
        self.gateway.lose.add(operation)

    # ------------------------------------------------------------------ messages

    @rule(
        order_id=st.sampled_from(ORDERS),
        lines=st.lists(
            st.tuples(st.sampled_from(sorted(SKUS)), st.integers(1, 3)),
            min_size=1,
            max_size=3,
            unique_by=lambda pair: pair[0],
        ),
        broken=st.booleans(),
    )
    def order_placed(self, order_id: str, lines: list[tuple[str, int]], broken: bool) -> None:
        if order_id in self.ordered:
            return
        items = tuple(
            make_line(index, sku=sku, quantity=quantity, title=sku)
            for index, (sku, quantity) in enumerate(lines)
        )
        self.ordered[order_id] = {item.id: item.quantity for item in items}
        address = make_address(postal_code=None) if broken else make_address()
        order = make_order(id=order_id, line_items=items, shipping_address=address)
        self.orders[order_id] = order
        self.send(OrderPlaced(key=self.key(), order=order))

    @rule(order_id=st.sampled_from(ORDERS), broken=st.booleans())
    def data_updated(self, order_id: str, broken: bool) -> None:
        order = self.orders.get(order_id)
        if order is None:
            return
        address = make_address(postal_code=None) if broken else make_address()
        changed = attrs.evolve(order, shipping_address=address)
        self.send(OrderDataUpdated(key=self.key(), order=changed))

    @rule(sku=st.sampled_from(sorted(SKUS)), units=st.integers(1, 4))
    def stock_reported(self, sku: str, units: int) -> None:
        supplier_sku = SKUS[sku]
        stock = InWarehouse(supplier_sku, as_of=self.world.clock.now(), quantity=units)
        self.send(StockReported(key=self.key(), supplier_id=PRIMARY, stock=stock))

    @rule(index=st.integers(0, 5))
    def purchase_arrived(self, index: int) -> None:
        purchases = self.world.supplier.purchases
        if purchases:
            fo_id, _, _, confirmation = purchases[index % len(purchases)]
            message = PurchaseArrived(
                key=self.key(), fulfillment_order_id=fo_id, purchase_id=confirmation.purchase_id
            )
            self.send(message)

    @rule(order_id=st.sampled_from(ORDERS), everything=st.booleans())
    def cancellation_requested(self, order_id: str, everything: bool) -> None:
        if order_id not in self.ordered:
            return
        quantities = None if everything else {next(iter(self.ordered[order_id])): 1}
        message = OrderCancellationRequested(
            key=self.key(), order_id=order_id, quantities=quantities, reason="changed"
        )
        self.send(message)

    @rule(index=st.integers(0, 5))
    def supplier_rejected(self, index: int) -> None:
        ids = self.world.repository.ids()
        if ids:
            fo_id = ids[index % len(ids)]
            self.rejected.add(fo_id)
            self.send(SupplierRejected(key=self.key(), fulfillment_order_id=fo_id, reason="no"))

    @rule(index=st.integers(0, 5))
    def retry_failed(self, index: int) -> None:
        ids = self.world.repository.ids()
        if ids:
            fo_id = ids[index % len(ids)]
            self.send(RetryFailedEffects(key=self.key(), fulfillment_order_id=fo_id))

    @rule(index=st.integers(0, 5), hours=st.integers(1, 96))
    def parcel_scanned(self, index: int, hours: int) -> None:
        parcels = [
            (fo.id, shipment)
            for fo in self.world.repository.fulfillment_orders.values()
            for shipment in fo.shipments
        ]
        if not parcels:
            return
        fo_id, shipment = parcels[index % len(parcels)]
        label = self.world.carrier.labels.get(shipment.id)
        if label is None:
            return
        journey = self.world.carrier.journey(label)
        event = journey[min(len(journey) - 1, hours // 24)]
        self.send(TrackingReported(key=self.key(), fulfillment_order_id=fo_id,
                                   shipment_id=shipment.id, events=[event]))  # fmt: skip

    @rule(days=st.integers(0, 3))
    def time_passes(self, days: int) -> None:
        self.world.clock.advance(days=days, hours=1)
        self.send(Tick(key=self.key()))

    # ------------------------------------------------------------------ what always holds

    @invariant()
    def nothing_ships_more_than_was_ordered(self) -> None:
        shipped: dict[tuple[str, str], int] = {}
        for fo in self.world.repository.fulfillment_orders.values():
            for line in fo.lines:
                key = (fo.order_id, line.line_id)
                shipped[key] = shipped.get(key, 0) + line.shipped
        for (order_id, line_id), units in shipped.items():
            assert units <= self.ordered[order_id][line_id], (order_id, line_id, units)

    @invariant()
    def every_parcel_and_label_belongs_to_work(self) -> None:
        parcels = {
            shipment.id: shipment
            for fo in self.world.repository.fulfillment_orders.values()
            for shipment in fo.shipments
        }
        assert set(self.world.storefront.fulfillments) <= set(parcels)
        carrier = self.world.carrier
        live = {
            shipment_id
            for shipment_id, label in carrier.labels.items()
            if label.tracking_number not in carrier.voided
        }
        pending_voids = {
            effect.tracking_number
            for fo in self.world.repository.fulfillment_orders.values()
            for effect in fo.outbox
            if effect.kind.value == "void_label"
        }
        for shipment_id in live - set(parcels):
            assert carrier.labels[shipment_id].tracking_number in pending_voids, shipment_id

    @invariant()
    def the_storefront_hears_of_no_more_units_given_up_than_were_given_up(self) -> None:
        # Cancelled units, and the units of a work the supplier rejected (handed back to the
        # merchant, which the storefront hears of as a cancellation by this supplier).
        cancelled: dict[str, int] = {}
        for fo in self.world.repository.fulfillment_orders.values():
            rejected = fo.totals.open if fo.status is WorkStatus.REJECTED else 0
            cancelled[fo.id] = fo.totals.cancelled + rejected
        reported: dict[str, int] = {}
        for _, fo_id, quantities, _ in self.world.storefront.cancellations:
            reported[fo_id] = reported.get(fo_id, 0) + sum(q.quantity for q in quantities)
        for fo_id, units in reported.items():
            assert units <= cancelled.get(fo_id, 0), (fo_id, units)

    @invariant()
    def the_supplier_is_left_with_what_the_ledger_expects_of_it(self) -> None:
        # Units in the request the supplier has, less those it agreed to cancel, are what the
        # ledger still expects from it; once nothing is pending, and unless it gave up itself
        # (a rejection) or was not told (a withdraw that failed for good).
        supplier = self.world.supplier
        asked = {
            r.fulfillment_order_id: sum(line.quantity for line in r.lines)
            for r in supplier.requests
        }
        taken: dict[str, int] = {}
        for fo_id, units in supplier.cancellation_requests:
            taken[fo_id] = taken.get(fo_id, 0) + sum(u.quantity for u in units)
        for fo in self.world.repository.fulfillment_orders.values():
            answer = supplier.answers.get(fo.id)
            if (
                fo.supplier_id != PRIMARY
                or answer is None
                or not answer.accepted
                or fo.outbox
                or fo.failed_effects
                or fo.id in self.rejected
                or fo.status is WorkStatus.REJECTED
            ):
                continue
            expected = fo.totals.shipped + fo.totals.remaining
            assert asked[fo.id] - taken.get(fo.id, 0) == expected, (
                fo.id,
                asked[fo.id],
                taken.get(fo.id, 0),
                expected,
            )


ServiceMachine.TestCase.settings = settings(
    ServiceMachine.TestCase.settings, stateful_step_count=30
)
TestServiceMachine = ServiceMachine.TestCase
