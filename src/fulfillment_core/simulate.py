"""A seeded discrete-event simulation of a dropshipping shop, run through the real service.

:func:`simulate` places a :class:`~fulfillment_core.scenario.Scenario`'s orders over its days
and sends every message a shop would see (orders placed, data fixed, customers cancelling,
factory purchases arriving, carrier scans, ticks) to a real
:class:`~fulfillment_core.FulfillmentService`, in time order. The service runs the real core
and policies; the supplier, carrier, storefront and notifier are simulation adapters that follow
the scenario (stock by product, transit times and incidents by draw) and keep no history, and
the repository forgets each order once all its work is settled, after the :class:`Report` has
taken its figures. So memory follows the orders in flight, not the orders simulated.

Everything random comes from streams named by the scenario's seed and the thing that draws
(an order, a packing, a parcel), and no order's work touches another's: the same scenario gives
the same report, to the byte, and a run can be split into *shards* (every ``shards``-th order,
from ``shard``) whose reports :meth:`Report.combined` adds up to exactly the whole run's. The
command line runs the shards in worker processes.

>>> from fulfillment_core.scenario import Scenario
>>> report = simulate(Scenario(orders=40, days=5, seed=3))
>>> report.placed, sum(report.by_status.values())
(40, 40)
"""

from __future__ import annotations

import datetime as dt
import heapq
import itertools
import random
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

import attrs
import pendulum

from ._notice import Notification
from .calendar import BusinessCalendar, _promised_by
from .catalog import CatalogEntry, SkuSource, SupplierCatalog
from .exceptions import Problem, ValidationError
from .fulfillment import (
    CancellationRequested,
    FulfillmentOrder,
    GoodsBackordered,
    HoldPlaced,
    WorkCancelled,
    WorkRejected,
)
from .holds import HoldReason
from .lifecycle import RequestStatus
from .messages import (
    LabelBought,
    Message,
    OrderCancellationRequested,
    OrderDataUpdated,
    OrderPlaced,
    PurchaseArrived,
    Tick,
    TrackingReported,
)
from .order import CustomsInfo, LineItem, Order
from .packing import ready_to_ship
from .policy import ServiceConstraints, ShipmentPolicy, SlaThresholds
from .ports import (
    CancellationAnswer,
    FulfillmentRequest,
    Label,
    ParcelRequest,
    PurchaseConfirmation,
    StorefrontFulfillment,
    SupplierAnswer,
)
from .rollup import rollup
from .scenario import CarrierService, Scenario
from .service import FulfillmentService
from .shipment import LineQuantity
from .shipping import CarrierQuote, choose_service
from .stock import AtFactory, Discontinued, InWarehouse, OutOfStock, StockStatus
from .supplier import Supplier
from .testing.factories import make_address, make_contact, make_line
from .testing.fakes import FakeClock, InMemoryRepository
from .tracking import TrackingEvent, TrackingStatus

__all__ = ["Report", "simulate"]

PRIMARY = "sup-sim-01"
BACKUP = "sup-sim-02"
_PLENTY = 1_000_000
_CUSTOMS = CustomsInfo(hs_code="392690", origin_country="CN", description="Phone accessory")
_HORIZON_DAYS = 180  # work still open this long after the last order stops the run
_SHARED_LINES = 4096  # line items kept to share between orders (the default shop has 1,200)


# --------------------------------------------------------------------------- the report


@attrs.define
class Report:
    """What happened, as aggregates only (no order is kept once it is counted).

    Day counts are histograms (``{days: orders}``); the percentiles come from them.
    """

    scenario: Scenario
    placed: int = 0
    by_status: Counter[str] = attrs.field(factory=Counter)
    processing_days: Counter[int] = attrs.field(factory=Counter)
    shipping_days: Counter[int] = attrs.field(factory=Counter)
    delivered: int = 0
    on_time: int = 0
    delays: Counter[str] = attrs.field(factory=Counter)
    cancelled_units: Counter[str] = attrs.field(factory=Counter)
    notifications: Counter[tuple[str, str]] = attrs.field(factory=Counter)
    messages: Counter[str] = attrs.field(factory=Counter)
    #: Orders in flight (placed, not yet settled) at each tick, by the tick's number.
    in_flight: Counter[int] = attrs.field(factory=Counter)
    simulated_until: pendulum.DateTime | None = None
    #: Which part of the run this is: ``(shard, shards)``; ``(0, 1)`` is the whole run.
    part: tuple[int, int] = (0, 1)

    @property
    def on_time_rate(self) -> float | None:
        return round(self.on_time / self.delivered, 4) if self.delivered else None

    @property
    def peak_in_flight(self) -> int:
        """The most orders in flight at a tick: what memory follows (0 before the first tick)."""
        return max(self.in_flight.values(), default=0)

    @classmethod
    def combined(cls, parts: Iterable[Report]) -> Report:
        """The whole run's report from the reports of its shards, one of each.

        Exactly the report a run without shards gives: counts and histograms add up, a tick's
        orders in flight add up, the ticks are the longest shard's, and the run ends when its
        last shard does.
        """
        reports = list(parts)
        if not all(isinstance(report, Report) for report in reports):
            raise ValidationError(
                "reports",
                [Problem("reports", "must all be Reports", "pass what simulate() returned")],
            )
        reports.sort(key=lambda report: report.part)
        if not reports:
            raise ValidationError(
                "reports", [Problem("reports", "no shard's report given", "pass every shard's")]
            )
        first = reports[0]
        shards = first.part[1]
        problems = []
        if [report.part for report in reports] != [(shard, shards) for shard in range(shards)]:
            problems.append(
                Problem(
                    "reports",
                    f"shards {[report.part for report in reports]} are not each of {shards} once",
                    "pass one report of each shard, from simulate(scenario, shard=k, shards=n)",
                )
            )
        if any(report.scenario != first.scenario for report in reports):
            problems.append(
                Problem(
                    "reports",
                    "the shards ran different scenarios",
                    "combine the shards of one scenario",
                )
            )
        if problems:
            raise ValidationError("reports", problems)
        whole = cls(first.scenario)
        for report in reports:
            whole.placed += report.placed
            whole.delivered += report.delivered
            whole.on_time += report.on_time
            whole.by_status.update(report.by_status)
            whole.processing_days.update(report.processing_days)
            whole.shipping_days.update(report.shipping_days)
            whole.delays.update(report.delays)
            whole.cancelled_units.update(report.cancelled_units)
            whole.notifications.update(report.notifications)
            whole.in_flight.update(report.in_flight)
            for kind, count in report.messages.items():
                # Every shard ticks on the same clock until it ends: the run's ticks are the
                # longest shard's, not their sum.
                so_far = whole.messages[kind]
                whole.messages[kind] = max(so_far, count) if kind == "Tick" else so_far + count
        ends = [report.simulated_until for report in reports if report.simulated_until]
        whole.simulated_until = max(ends) if ends else None
        return whole

    def as_dict(self) -> dict[str, Any]:
        """The report as JSON-safe data (the keys are documented in docs/simulate.md)."""
        scenario = self.scenario
        audiences: dict[str, dict[str, int]] = {"customer": {}, "merchant": {}}
        for (audience, kind), count in sorted(self.notifications.items()):
            audiences[audience][kind] = count
        return {
            "scenario": {
                "seed": scenario.seed,
                "orders": scenario.orders,
                "days": scenario.days,
                "service_strategy": scenario.service_strategy.value,
                "max_restock_wait_days": scenario.max_restock_wait_days,
                "use_backup_suppliers": scenario.use_backup_suppliers,
                "split": scenario.split.value,
            },
            "orders": {"placed": self.placed, "by_status": dict(sorted(self.by_status.items()))},
            "processing_days": _distribution(self.processing_days),
            "shipping_days": _distribution(self.shipping_days),
            "on_time": {
                "delivered": self.delivered,
                "on_time": self.on_time,
                "rate": self.on_time_rate,
            },
            "delays_by_cause": dict(sorted(self.delays.items())),
            "cancelled_units_by_reason": dict(sorted(self.cancelled_units.items())),
            "notifications": {
                **audiences,
                "total": sum(self.notifications.values()),
            },
            "messages": dict(sorted(self.messages.items())),
            "peak_in_flight": self.peak_in_flight,
            "simulated_until": self.simulated_until.isoformat() if self.simulated_until else None,
        }


def percentile(histogram: Mapping[int, int], share: float) -> int | None:
    """The nearest-rank percentile of a ``{value: count}`` histogram (``None`` when empty)."""
    total = sum(histogram.values())
    if not total:
        return None
    rank = max(1, -(-int(share * total * 1000) // 1000))  # ceil(share * total), exactly
    seen = 0
    for value in sorted(histogram):
        seen += histogram[value]
        if seen >= rank:
            return value
    raise AssertionError("unreachable: the ranks add up to the total")  # pragma: no cover


def _distribution(histogram: Mapping[int, int]) -> dict[str, Any]:
    return {
        "count": sum(histogram.values()),
        "p50": percentile(histogram, 0.50),
        "p90": percentile(histogram, 0.90),
        "p99": percentile(histogram, 0.99),
        "histogram": [[days, histogram[days]] for days in sorted(histogram)],
    }


# --------------------------------------------------------------------------- the shop's goods


@attrs.frozen
class _Product:
    sku: str
    kind: str  # warehouse, factory, out_of_stock, discontinued
    factory_days: int
    restock_every: int  # days to the first restock and between restocks (out of stock)
    has_backup: bool


def _products(scenario: Scenario, rng: random.Random) -> list[_Product]:
    count = scenario.products
    shares = (
        ("warehouse", scenario.warehouse_share),
        ("factory", scenario.factory_share),
        ("out_of_stock", scenario.out_of_stock_share),
        ("discontinued", scenario.discontinued_share),
    )
    kinds: list[str] = []
    for kind, share in shares:
        kinds += [kind] * round(share * count)
    kinds = (kinds + ["warehouse"] * count)[:count]
    rng.shuffle(kinds)
    made = []
    for index, kind in enumerate(kinds):
        every = rng.randint(scenario.restock_days.min_days, scenario.restock_days.max_days)
        made.append(
            _Product(
                f"P{index + 1:05d}",
                kind,
                rng.randint(scenario.factory_days.min_days, scenario.factory_days.max_days),
                every,
                rng.random() < scenario.backup_share,
            )
        )
    return made


# --------------------------------------------------------------------------- the simulation


class _Simulation:
    def __init__(
        self,
        scenario: Scenario,
        progress: Callable[[int, int], None] | None,
        part: tuple[int, int] = (0, 1),
    ):
        self.scenario = scenario
        self.progress = progress
        self.part = part
        self.start = pendulum.datetime(
            scenario.start.year, scenario.start.month, scenario.start.day, tz="UTC"
        )
        self.clock = FakeClock(self.start)
        self.report = Report(scenario, part=part)
        self.products = _products(scenario, self.stream("products"))
        self.by_sku = {p.sku: p for p in self.products}
        self.primary = Supplier(
            id=PRIMARY,
            name="Shenzhen Gadget Works",
            timezone=scenario.timezone,
            country="CN",
            holidays=scenario.holidays,
            processing_days=scenario.processing_days,
        )
        self.backup = Supplier(
            id=BACKUP, name="Yiwu Backup Goods", timezone=scenario.timezone, country="CN"
        )
        self.calendar = BusinessCalendar.of(self.primary)
        self.catalog = SupplierCatalog(
            [
                CatalogEntry(
                    p.sku,
                    [SkuSource(PRIMARY, f"S-{p.sku}")]
                    + ([SkuSource(BACKUP, f"B-{p.sku}")] if p.has_backup else []),
                    title=f"Product {p.sku}",
                    customs=_CUSTOMS,
                    grams=120,
                )
                for p in self.products
            ]
        )
        self.policy = ShipmentPolicy(
            service_strategy=scenario.service_strategy,
            max_restock_wait_days=scenario.max_restock_wait_days,
            use_backup_suppliers=scenario.use_backup_suppliers,
            split=scenario.split,
            constraints=ServiceConstraints(tracked_only=any(c.tracked for c in scenario.carriers)),
            sla=SlaThresholds(
                processing_days=scenario.processing_sla_days,
                shipping_days=scenario.shipping_sla_days,
            ),
        )
        self.repository = _Repository()
        self.carrier = _Carrier(self)
        self.gateways = (_Supplier(self, backup=False), _Supplier(self, backup=True))
        self.service = FulfillmentService(
            repository=self.repository,
            storefront=_Storefront(self),
            gateways={PRIMARY: self.gateways[0], BACKUP: self.gateways[1]},
            carrier=self.carrier,
            notifier=_Notifier(self.report),
            clock=self.clock,
            policy=self.policy,
            catalog=self.catalog,
            suppliers=[self.primary, self.backup],
            buys_labels=False,  # the supplier packs and buys the label: see pack()
        )
        self.repository.stored = self.stored
        # The scenario's quotes are the same for every parcel (fixed prices, no dates), so the
        # policy's choice among them is too: made once, by the real choose_service. One always
        # qualifies: the carriers share one currency, and only tracked ones are asked for
        # when there are some.
        self.choice = choose_service(self.carrier.quotes, self.policy)
        self.packing: set[str] = set()
        self.queue: list[tuple[float, int, str, Any]] = []
        self.sequence = itertools.count()
        self.pending: dict[str, Order] = {}  # the orders in flight, with their right data
        # Values are immutable, so orders share the equal ones: every order ships to the same
        # address, and a line is one of few (its number, product and quantity).
        self.address, self.unposted = make_address(), make_address(postal_code=None)
        self.customer = make_contact()
        self.lines: dict[tuple[int, str, int], LineItem] = {}
        self.next_order = part[0]  # this shard's orders: every part[1]-th, from part[0]

    # ------------------------------------------------------------------ time and events

    def stream(self, *name: object) -> random.Random:
        """The random stream of one thing (an order, a parcel, a packing): the same thing draws
        the same numbers whatever else a scenario changes, so two policies compared on one
        seed meet the same orders, stock and incidents."""
        return random.Random(":".join(str(part) for part in (self.scenario.seed, *name)))

    # The stdlib's arithmetic on pendulum's values: the same results (a pendulum DateTime for
    # ``at``), without pendulum building an Interval or a Duration on each of the many calls.

    def seconds(self, instant: dt.datetime) -> float:
        return dt.datetime.__sub__(instant, self.start).total_seconds()

    def at(self, seconds: float) -> pendulum.DateTime:
        moment = dt.timedelta(microseconds=round(seconds * 1_000_000))
        return dt.datetime.__add__(self.start, moment)

    def schedule(self, seconds: float, kind: str, payload: Any) -> None:
        heapq.heappush(self.queue, (seconds, next(self.sequence), kind, payload))

    def placement_time(self, index: int) -> float:
        """Orders arrive spread evenly over the days, each at a random moment in its slot."""
        slot = self.scenario.days * 86400 / self.scenario.orders
        return (index + self.rng_at_placement[index]) * slot

    def run(self) -> Report:
        scenario = self.scenario
        shard, shards = self.part
        # One draw per order decides when in its slot it arrives (drawn up front: cheap; every
        # shard draws them all, so an order arrives at the same moment in any shard).
        arrivals = self.stream("arrivals")
        self.rng_at_placement = [arrivals.random() for _ in range(scenario.orders)]
        tick = scenario.tick_hours * 3600
        self.schedule(tick, "tick", 1)
        horizon = (scenario.days + _HORIZON_DAYS) * 86400
        mine = len(range(shard, scenario.orders, shards))
        step = max(1, mine // 10)
        # The run ends as its last order is counted (checked before every step: a shard may
        # have no orders at all). When a shard is the last to end, its end is the whole run's,
        # so the shards' reports combine into exactly the whole run's.
        while self.next_order < scenario.orders or self.pending:
            next_order = (
                self.placement_time(self.next_order) if self.next_order < scenario.orders else None
            )
            if next_order is not None and (not self.queue or next_order <= self.queue[0][0]):
                self.clock.set(max(self.clock.now(), self.at(next_order)))
                self.place(self.next_order)
                self.next_order += shards
                placed = self.report.placed
                if self.progress and (placed % step == 0 or placed == mine):
                    self.progress(placed, mine)
            else:  # never empty here: a tick is queued while an order is in flight
                seconds, _, kind, payload = heapq.heappop(self.queue)
                if seconds > horizon:  # given up: the run was simulated up to the horizon
                    self.clock.set(max(self.clock.now(), self.at(horizon)))
                    break
                self.clock.set(max(self.clock.now(), self.at(seconds)))
                self.dispatch(kind, payload, tick)
            self.settle()
        self.report.simulated_until = self.clock.now()
        for order_id in list(self.pending):
            self.count(order_id, finished=False)
        return self.report

    def dispatch(self, kind: str, payload: Any, tick: float) -> None:
        if kind == "pack":
            self.pack(payload)
            return
        if kind == "tick":
            # Sampled at the ticks, moments every shard shares, so the shards' counts add up.
            self.report.in_flight[payload] = len(self.pending)
            self.handle(Tick(key=f"tick-{payload}"))
            if self.next_order < self.scenario.orders or self.pending:
                self.schedule(payload * tick + tick, "tick", payload + 1)
            return
        message: Message = payload
        order_id = getattr(message, "order_id", None) or self.order_of(message)
        if order_id is None or order_id in self.pending:
            self.handle(message)
        # else: the order was counted and forgotten, the message comes too late
        if isinstance(message, PurchaseArrived):  # the suppliers forget the purchase either way
            for gateway in self.gateways:
                gateway.arrived(message.purchase_id)

    def order_of(self, message: Message) -> str | None:
        fo_id = getattr(message, "fulfillment_order_id", None)
        if fo_id is None:
            order = getattr(message, "order", None)
            return order.id if isinstance(order, Order) else None
        return self.repository.order_of.get(fo_id, "")

    def handle(self, message: Message) -> None:
        self.report.messages[type(message).__name__] += 1
        self.service.handle(message)

    # ------------------------------------------------------------------ the orders

    def place(self, index: int) -> None:
        scenario, rng = self.scenario, self.stream("order", index)
        order_id = f"SIM{index + 1:07d}"
        count = min(
            rng.randint(scenario.lines.min_days, scenario.lines.max_days), len(self.products)
        )
        chosen = rng.sample(self.products, count)
        lines = tuple(
            self.line(
                number,
                product.sku,
                rng.randint(scenario.quantity.min_days, scenario.quantity.max_days),
            )
            for number, product in enumerate(chosen)
        )
        placed_at = self.clock.now()
        good = Order(
            id=order_id,
            reference=f"#{index + 1}",
            placed_at=placed_at,
            currency="USD",
            line_items=lines,
            shipping_address=self.address,
            contact=self.customer,
            payment_status="paid",
        )
        broken = rng.random() < scenario.missing_data_share
        cancels = rng.random() < scenario.cancel_share
        first = attrs.evolve(good, shipping_address=self.unposted) if broken else good
        self.pending[order_id] = good
        self.report.placed += 1
        now = self.seconds(placed_at)
        if broken:
            hours = rng.randint(scenario.fix_hours.min_days, scenario.fix_hours.max_days)
            fixed = OrderDataUpdated(key=f"{order_id}-fixed", order=good)
            self.schedule(now + hours * 3600 + 1, "message", fixed)
        if cancels:
            hours = rng.randint(scenario.cancel_hours.min_days, scenario.cancel_hours.max_days)
            cancel = OrderCancellationRequested(
                key=f"{order_id}-cancel", order_id=order_id, reason="the customer cancelled"
            )
            self.schedule(now + hours * 3600 + 2, "message", cancel)
        self.handle(OrderPlaced(key=f"{order_id}-placed", order=first))

    def line(self, number: int, sku: str, quantity: int) -> LineItem:
        """Line ``number`` of an order: ``quantity`` of ``sku``, shared by the orders that have
        that very line (up to ``_SHARED_LINES`` of them are kept, so memory stays bounded however
        many products and quantities a scenario has)."""
        key = (number, sku, quantity)
        line = self.lines.get(key)
        if line is None:
            line = make_line(number, sku=sku, title=f"Product {sku}", quantity=quantity)
            if len(self.lines) < _SHARED_LINES:
                self.lines[key] = line
        return line

    def stock_of(self, supplier_sku: str, backup: bool) -> StockStatus:
        now = self.clock.now()
        product = self.by_sku.get(supplier_sku[2:])
        if product is None:
            return Discontinued(supplier_sku, as_of=now)
        if backup:
            return InWarehouse(supplier_sku, as_of=now, quantity=_PLENTY)
        if product.kind == "warehouse":
            return InWarehouse(supplier_sku, as_of=now, quantity=_PLENTY)
        if product.kind == "factory":
            ready = now.add(days=product.factory_days)
            return AtFactory(supplier_sku, as_of=now, quantity=_PLENTY, ready_by=ready)
        if product.kind == "discontinued":
            return Discontinued(supplier_sku, as_of=now)
        # Out of stock but for a window after each restock (as long as ticks are apart, so
        # the tick after a restock finds the goods).
        period = product.restock_every * 86400
        elapsed = self.seconds(now) - period  # the first restock comes one period in
        window = self.scenario.tick_hours * 3600
        if elapsed >= 0 and elapsed % period < window:
            return InWarehouse(supplier_sku, as_of=now, quantity=_PLENTY)
        cycles = 0 if elapsed < 0 else int(elapsed // period) + 1
        eta = self.at(period + cycles * period)
        return OutOfStock(supplier_sku, as_of=now, restock_eta=eta)

    def stored(self, fo: FulfillmentOrder) -> None:
        """Called as work is saved: work with goods ready to go gets packed, in the supplier's
        processing days (business days in its calendar)."""
        if fo.id in self.packing or not self.packable(fo):
            return
        self.packing.add(fo.id)
        scenario = self.scenario
        # Drawn by the work and the parcels it sent before, not its version: how many events
        # the library records on the way must not change the shop's luck.
        rng = self.stream("pack", fo.id, len(fo.shipments))
        days = rng.randint(scenario.processing_days.min_days, scenario.processing_days.max_days)
        handover = self.calendar.add_business_days(self.clock.now(), days)
        self.schedule(self.seconds(handover), "pack", fo.id)

    def packable(self, fo: FulfillmentOrder) -> bool:
        totals = fo.totals
        return (
            totals.in_progress > 0
            and not fo.holds
            and fo.request_status is not RequestStatus.CANCELLATION_REQUESTED
            and (fo.can("pack") or fo.can("ship"))
            and ready_to_ship(
                self.policy, ready=totals.in_progress, waiting=totals.open + totals.backordered
            )
        )

    def pack(self, fo_id: str) -> None:
        """The supplier packs what is in progress, buys the policy's service and hands the
        parcel over (a ``LabelBought``); a cancellation or a hold since stops it."""
        self.packing.discard(fo_id)
        fo = self.repository.fulfillment_orders.get(fo_id)
        if fo is None or not self.packable(fo):
            return
        items = {line.line_id: line.in_progress for line in fo.lines if line.in_progress}
        label = self.carrier.buy(self.choice.quote)
        self.handle(
            LabelBought(
                key=f"{fo_id}-{label.tracking_number}",
                fulfillment_order_id=fo_id,
                label=label,
                items=items,
            )
        )

    def shipped(self, fulfillment: StorefrontFulfillment) -> None:
        """Plan the carrier's scans for a parcel that just left, as tracking messages."""
        number = fulfillment.tracking_numbers[0]
        service = self.carrier.sold.pop(number)
        # Drawn by the work and which of its parcels this is, not the tracking number: labels
        # bought in another order (another policy) must not swap the parcels' incidents.
        work = self.repository.fulfillment_orders[fulfillment.fulfillment_order_id]
        nth = next(i for i, s in enumerate(work.shipments) if s.id == fulfillment.shipment_id)
        scenario = self.scenario
        rng = self.stream("parcel", fulfillment.fulfillment_order_id, nth)
        start = self.seconds(self.clock.now())
        day = 86400.0
        transit = rng.randint(service.transit.min_days, service.transit.max_days) * day
        # The scans: picked up at the handover, out of the origin a day later (or halfway for
        # a short trip); then the incidents; delivered when the transit time is up.
        departed = start + min(day, transit / 2)
        scans: list[tuple[float, list[TrackingEvent]]] = [
            (
                departed,
                [
                    TrackingEvent(TrackingStatus.PICKED_UP, self.at(start)),
                    TrackingEvent(TrackingStatus.IN_TRANSIT, self.at(departed)),
                ],
            )
        ]
        late = 0.0
        if rng.random() < scenario.customs_hold_share:
            held = departed + (transit - (departed - start)) * 0.8
            days = rng.randint(scenario.customs_days.min_days, scenario.customs_days.max_days)
            release = held + days * day
            scans.append(
                (held, [TrackingEvent(TrackingStatus.ON_HOLD, self.at(held), incident="customs")])
            )
            scans.append((release, [TrackingEvent(TrackingStatus.IN_TRANSIT, self.at(release))]))
            late += days * day
        if rng.random() < scenario.delay_share:
            stuck = departed + (transit - (departed - start)) * 0.5 + late
            days = rng.randint(scenario.delay_days.min_days, scenario.delay_days.max_days)
            moving = stuck + days * day
            delayed = TrackingEvent(TrackingStatus.DELAYED, self.at(stuck), incident="air freight")
            scans.append((stuck, [delayed]))
            scans.append((moving, [TrackingEvent(TrackingStatus.IN_TRANSIT, self.at(moving))]))
            late += days * day
        arrival = start + transit + late
        if rng.random() < scenario.failed_delivery_share:
            failed = arrival - day / 4
            missed = TrackingEvent(
                TrackingStatus.DELIVERY_FAILED, self.at(failed), incident="nobody home"
            )
            scans.append((failed, [missed]))
            arrival += day
        out = arrival - day / 4
        scans.append(
            (
                arrival,
                [
                    TrackingEvent(TrackingStatus.OUT_FOR_DELIVERY, self.at(out)),
                    TrackingEvent(TrackingStatus.DELIVERED, self.at(arrival)),
                ],
            )
        )
        for scan, (when, events) in enumerate(scans, start=1):
            message = TrackingReported(
                key=f"{fulfillment.shipment_id}-scan-{scan}",
                fulfillment_order_id=fulfillment.fulfillment_order_id,
                shipment_id=fulfillment.shipment_id,
                events=events,
            )
            self.schedule(when, "message", message)

    def purchased(self, fo_id: str, confirmation: PurchaseConfirmation) -> None:
        arrived = PurchaseArrived(
            key=f"{fo_id}-{confirmation.purchase_id}-arrived",
            fulfillment_order_id=fo_id,
            purchase_id=confirmation.purchase_id,
        )
        self.schedule(self.seconds(confirmation.ready_by), "message", arrived)

    # ------------------------------------------------------------------ counting

    def settle(self) -> None:
        """Count and forget every order whose work is all settled."""
        while self.repository.settled:
            order_id = self.repository.settled.pop()
            if order_id in self.pending and all(
                fo.is_settled for fo in self.repository.work_of(order_id)
            ):
                self.count(order_id, finished=True)

    def count(self, order_id: str, *, finished: bool) -> None:
        report = self.report
        works = self.repository.work_of(order_id)
        order = self.pending[order_id]
        status = rollup(order, works).status.value if works else "not_opened"
        report.by_status[status if finished else f"unfinished_{status}"] += 1
        shipments = [s for fo in works for s in fo.shipments]
        if shipments:
            # Processing ends when the last parcel leaves; shipping is the longest transit.
            handed = max(s.label_created_at for s in shipments)
            processing = self.calendar.business_days_between(order.placed_at, handed)
            report.processing_days[processing] += 1
            delivered = [(s, s.tracking.delivered_at()) for s in shipments]
            if all(at is not None for _, at in delivered):
                transits = [  # the stdlib's subtraction: a timedelta, not an interval
                    (dt.datetime.__sub__(at, s.label_created_at), s) for s, at in delivered if at
                ]
                longest = max(transits, key=lambda pair: pair[0])
                report.shipping_days[
                    max(_weekdays_between(s.label_created_at, at) for s, at in delivered if at)
                ] += 1
                last = max(at for _, at in delivered if at)
                self.judge(order, works, (handed, last), longest[1], longest[0])
        for fo in works:
            for reason, units in _cancelled(fo):
                report.cancelled_units[reason] += units
        del self.pending[order_id]
        self.repository.forget(order_id)

    def judge(
        self,
        order: Order,
        works: Sequence[FulfillmentOrder],
        ends: tuple[pendulum.DateTime, pendulum.DateTime],
        slowest: Any,
        transit: dt.timedelta,
    ) -> None:
        """On time against the promise made when it was placed; if late, why: the last parcel
        left after the promised ship-by (processing), or a parcel's transit took longer than
        promised (shipping), or both."""
        scenario, report = self.scenario, self.report
        handed, last = ends  # the last parcel handed over, the last delivered
        # promise_dates' late end (the scenario's ranges were checked when it was built)
        ship_by, deliver_by = _promised_by(
            self.calendar,
            order.placed_at,
            scenario.processing_days.max_days,
            scenario.transit_days.max_days,
        )
        report.delivered += 1
        if last <= deliver_by:
            report.on_time += 1
            return
        causes: set[str] = set()
        if handed > ship_by:
            history = [event for fo in works for event in fo.history]
            if any(
                isinstance(e, HoldPlaced) and e.hold.reason is HoldReason.INCORRECT_ADDRESS
                for e in history
            ):
                causes.add("missing_data")
            if any(isinstance(e, GoodsBackordered) for e in history):
                causes.add("stock")
            if not causes:
                causes.add("supplier_processing")
        if transit.total_seconds() > scenario.transit_days.max_days * 86400:
            held = any(event.incident == "customs" for event in slowest.events)
            causes.add("customs" if held else "carrier")
        for cause in causes or {"supplier_processing"}:  # late within both windows: the ends met
            report.delays[cause] += 1


def _weekdays_between(start: dt.datetime, end: dt.datetime) -> int:
    """Monday-to-Friday days after ``start``'s date up to and including ``end``'s (UTC)."""
    first, last = start.toordinal(), end.toordinal()  # ordinals: no pendulum interval
    if last <= first:
        return 0
    weeks, extra = divmod(last - first, 7)
    count = weeks * 5
    weekday = (first + 6) % 7  # ordinal 1 is a Monday
    for offset in range(1, extra + 1):
        if (weekday + offset) % 7 < 5:
            count += 1
    return count


def _reason(text: str | None) -> str:
    """A cancellation's reason, as a category the report can count."""
    said = (text or "").lower()
    for needle, category in (
        ("the customer", "customer cancelled"),
        ("factory needs", "factory too slow"),
        ("beyond the", "restock too far off"),
        ("no restock date", "no restock date"),
        ("discontinued", "discontinued"),
        ("rejected", "supplier rejected"),
    ):
        if needle in said:
            return category
    return said[:60] or "no reason given"


def _cancelled(fo: FulfillmentOrder) -> Iterable[tuple[str, int]]:
    """Cancelled units of one work by reason category, from the ledger as the history moved it
    (units moved to a backup left out)."""
    if not fo.totals.cancelled:
        return
    replayed = FulfillmentOrder.replay(fo.history[:1])
    reason: str | None = None
    for event in fo.history[1:]:
        before = replayed.totals.cancelled
        replayed.apply(event)
        if isinstance(event, (CancellationRequested, WorkCancelled)):
            reason = event.reason
        elif isinstance(event, WorkRejected):
            reason = f"rejected: {event.reason}"
        cancelled = replayed.totals.cancelled - before
        if cancelled and not (reason or "").startswith("switched to backup"):
            yield _reason(reason), cancelled
    if isinstance(fo.history[-1], WorkRejected) or fo.status.value == "rejected":
        yield _reason("rejected"), fo.totals.remaining


# --------------------------------------------------------------------------- the adapters


class _Repository(InMemoryRepository):
    """The in-memory repository that forgets counted orders (and tells the simulation of each
    save)."""

    def __init__(self) -> None:
        super().__init__()
        self.order_of: dict[str, str] = {}
        self.settled: set[str] = set()
        self.stored: Callable[[FulfillmentOrder], None] = lambda fo: None

    def _store(self, fulfillment_order: FulfillmentOrder) -> None:
        super()._store(fulfillment_order)
        self.order_of[fulfillment_order.id] = fulfillment_order.order_id
        if fulfillment_order.is_settled:
            self.settled.add(fulfillment_order.order_id)
        self.stored(fulfillment_order)

    def work_of(self, order_id: str) -> list[FulfillmentOrder]:
        return [self.fulfillment_orders[i] for i in self._by_order.get(order_id, ())]

    def forget(self, order_id: str) -> None:
        for fo_id in self._by_order.pop(order_id, ()):
            del self.fulfillment_orders[fo_id]
            del self.order_of[fo_id]
            self._active.pop(fo_id, None)
        self.orders.pop(order_id, None)

    def _call(self, operation: str) -> None:
        """No call log and no scripted failures: the simulation keeps nothing it need not."""


class _Supplier:
    """A supplier that accepts every request and answers stock from the scenario."""

    def __init__(self, simulation: _Simulation, *, backup: bool) -> None:
        self.simulation = simulation
        self.backup = backup
        self.purchases = itertools.count(1)
        self.confirmed: dict[str, PurchaseConfirmation] = {}  # by reference, until arrival
        self.references: dict[str, str] = {}  # purchase id: reference

    def arrived(self, purchase_id: str) -> None:
        reference = self.references.pop(purchase_id, None)
        if reference is not None:
            del self.confirmed[reference]

    def submit_request(self, request: FulfillmentRequest) -> SupplierAnswer:
        return SupplierAnswer(True)

    def stock(self, supplier_skus: Sequence[str]) -> Mapping[str, StockStatus]:
        return {sku: self.simulation.stock_of(sku, self.backup) for sku in supplier_skus}

    def purchase(
        self, fulfillment_order_id: str, supplier_sku: str, quantity: int, *, reference: str
    ) -> PurchaseConfirmation:
        known = self.confirmed.get(reference)
        if known is not None:
            return known
        simulation = self.simulation
        product = simulation.by_sku[supplier_sku[2:]]
        ready = simulation.clock.now().add(days=product.factory_days)
        confirmation = PurchaseConfirmation(f"PO-{next(self.purchases):07d}", ready)
        self.confirmed[reference] = confirmation
        self.references[confirmation.purchase_id] = reference
        simulation.purchased(fulfillment_order_id, confirmation)
        return confirmation

    def request_cancellation(
        self, fulfillment_order_id: str, quantities: Sequence[LineQuantity], *, key: str
    ) -> CancellationAnswer:
        return CancellationAnswer(True)


class _Carrier:
    """The scenario's carrier services, at their prices; labels kept until the parcel leaves."""

    def __init__(self, simulation: _Simulation) -> None:
        self.simulation = simulation
        self.services = {(c.carrier, c.service): c for c in simulation.scenario.carriers}
        self.sold: dict[str, CarrierService] = {}  # tracking number: service, until it leaves
        self.quotes = tuple(
            CarrierQuote(c.carrier, c.service, c.price, c.transit, c.tracked)
            for c in self.services.values()
        )
        self.numbers = itertools.count(1)

    def quote(self, parcel: ParcelRequest) -> Sequence[CarrierQuote]:
        return self.quotes  # fixed prices and transit ranges, whatever the parcel

    def buy(self, quote: CarrierQuote) -> Label:
        """A label for the quoted service (the supplier buys it, not the service)."""
        service = self.services[(quote.carrier, quote.service)]
        number = f"SIM{next(self.numbers):010d}"
        self.sold[number] = service
        return Label(quote.carrier, quote.service, number, self.simulation.clock.now())

    def buy_label(self, parcel: ParcelRequest, quote: CarrierQuote) -> Label:
        return self.buy(quote)  # not called: the service is built with buys_labels=False

    def void_label(self, tracking_number: str) -> None:
        return None


class _Storefront:
    """The shop: a pushed fulfillment starts the parcel's journey."""

    def __init__(self, simulation: _Simulation) -> None:
        self.simulation = simulation

    def push_fulfillment(self, fulfillment: StorefrontFulfillment) -> str:
        if fulfillment.tracking_numbers[0] in self.simulation.carrier.sold:  # not pushed before
            self.simulation.shipped(fulfillment)
        return f"storefront-{fulfillment.shipment_id}"

    def report_holds(self, order_id: str, fulfillment_order_id: str, holds: Any) -> None:
        return None

    def report_cancellation(
        self, order_id: str, fulfillment_order_id: str, quantities: Any, reason: str, *, key: str
    ) -> None:
        return None


class _Notifier:
    """Counts what is sent, by audience and kind."""

    def __init__(self, report: Report) -> None:
        self.report = report

    def send(self, notification: Notification) -> None:
        self.report.notifications[(notification.audience.value, notification.kind.value)] += 1


def simulate(
    scenario: Scenario,
    *,
    progress: Callable[[int, int], None] | None = None,
    shard: int = 0,
    shards: int = 1,
) -> Report:
    """Run ``scenario`` through the service and return its report. Deterministic: the same
    scenario, the same report.

    ``progress(placed, total)`` is called every tenth of the orders and after the last (of
    this shard's orders, with shards). ``shards`` splits the run: this call places only every
    ``shards``-th order, from order ``shard`` (counted from 0), and :meth:`Report.combined`
    adds the reports of all ``shards`` calls up to exactly the report of one call without
    shards; the calls can run in separate processes (the command line's ``--workers``).
    """
    if not isinstance(scenario, Scenario):
        raise ValidationError(
            "simulate", [Problem("scenario", "must be a Scenario", "load_scenario(text)")]
        )
    problems = []
    if type(shards) is not int or shards < 1:
        problems.append(Problem("shards", f"must be a whole number from 1, got {shards!r}", "1"))
    elif type(shard) is not int or not 0 <= shard < shards:
        problems.append(
            Problem("shard", f"must be a whole number from 0 to {shards - 1}, got {shard!r}", "0")
        )
    if problems:
        raise ValidationError("simulate", problems)
    return _Simulation(scenario, progress, (shard, shards)).run()
