"""A shop wired to the fakes, for the service tests: two suppliers, three products, a carrier.

``World`` builds the sync service and, on the same fakes, the async one.
"""

from __future__ import annotations

from typing import Any

import pendulum

from fulfillment_core import (
    AtFactory,
    CatalogEntry,
    InWarehouse,
    OutOfStock,
    ShipmentPolicy,
    SkuSource,
    Supplier,
)
from fulfillment_core.messages import Message, Outcome
from fulfillment_core.service import AsyncFulfillmentService, FulfillmentService
from fulfillment_core.testing import (
    PHONE_CASE_CUSTOMS,
    PLACED_AT,
    AsyncFakeCarrier,
    AsyncFakeClock,
    AsyncFakeNotifier,
    AsyncFakeStorefront,
    AsyncFakeSupplier,
    AsyncInMemoryRepository,
    FakeCarrier,
    FakeClock,
    FakeNotifier,
    FakeStorefront,
    FakeSupplier,
    InMemoryRepository,
    make_catalog,
    make_line,
    make_policy,
    make_supplier,
)
from fulfillment_core.testing.plugin import CARRIER_SERVICES

PRIMARY = "sup-sz-01"
BACKUP = "sup-yw-02"

#: A white mug only the primary supplier makes (no backup).
MUG = CatalogEntry(
    "MUG-WHT",
    [SkuSource(PRIMARY, "SZ-MUG-W")],
    title="Ceramic mug - White",
    customs=PHONE_CASE_CUSTOMS,
    grams=350,
)

#: The seed's order: a case (warehouse), a tee (factory) and a mug (short restock).
THREE_LINES = (
    make_line(0),
    make_line(1, sku="TEE-RED-M", title="Classic tee - Red / M"),
    make_line(2, sku="MUG-WHT", title="Ceramic mug - White"),
)


class World:
    """The fakes, the shop's setup, and services on them."""

    def __init__(
        self,
        policy: ShipmentPolicy | None = None,
        *,
        start: pendulum.DateTime = PLACED_AT,
        **service_options: Any,
    ) -> None:
        self.clock = FakeClock(start)
        self.primary = make_supplier()
        self.backup = make_supplier(id=BACKUP, name="Yiwu Case Co")
        self.catalog = make_catalog(MUG)
        self.policy = policy or make_policy()
        self.supplier = FakeSupplier(self.clock)
        self.backup_supplier = FakeSupplier(self.clock)
        self.repository = InMemoryRepository()
        self.storefront = FakeStorefront()
        self.carrier = FakeCarrier(self.clock, CARRIER_SERVICES)
        self.notifier = FakeNotifier()
        self.options = service_options
        self.service = self.sync_service()

    def sync_service(self, **options: Any) -> FulfillmentService:
        arguments: dict[str, Any] = {
            "repository": self.repository,
            "storefront": self.storefront,
            "gateways": {PRIMARY: self.supplier, BACKUP: self.backup_supplier},
            "carrier": self.carrier,
            "notifier": self.notifier,
            "clock": self.clock,
            "policy": self.policy,
            "catalog": self.catalog,
            "suppliers": [self.primary, self.backup],
        }
        return FulfillmentService(**{**arguments, **self.options, **options})

    def async_service(self, **options: Any) -> AsyncFulfillmentService:
        arguments: dict[str, Any] = {
            "repository": AsyncInMemoryRepository(self.repository),
            "storefront": AsyncFakeStorefront(self.storefront),
            "gateways": {
                PRIMARY: AsyncFakeSupplier(self.supplier),
                BACKUP: AsyncFakeSupplier(self.backup_supplier),
            },
            "carrier": AsyncFakeCarrier(self.carrier),
            "notifier": AsyncFakeNotifier(self.notifier),
            "clock": AsyncFakeClock(self.clock),
            "policy": self.policy,
            "catalog": self.catalog,
            "suppliers": [self.primary, self.backup],
        }
        return AsyncFulfillmentService(**{**arguments, **self.options, **options})

    def handle(self, message: Message) -> Outcome:
        return self.service.handle(message)

    # ------------------------------------------------------------------ scripting stock

    def in_warehouse(self, sku: str, quantity: int = 40, *, backup: bool = False) -> None:
        gateway = self.backup_supplier if backup else self.supplier
        gateway.set_stock(sku, InWarehouse(sku, as_of=self.clock.now(), quantity=quantity))

    def at_factory(self, sku: str, *, ready_in_days: int = 1) -> None:
        now = self.clock.now()
        ready = now.add(days=ready_in_days)
        self.supplier.set_stock(sku, AtFactory(sku, as_of=now, quantity=500, ready_by=ready))

    def out_of_stock(self, sku: str, *, restock_in_days: int | None, backup: bool = False) -> None:
        now = self.clock.now()
        eta = None if restock_in_days is None else now.add(days=restock_in_days)
        gateway = self.backup_supplier if backup else self.supplier
        gateway.set_stock(sku, OutOfStock(sku, as_of=now, restock_eta=eta))

    # ------------------------------------------------------------------ reading

    def work(self, fulfillment_order_id: str) -> Any:
        return self.repository.get(fulfillment_order_id)

    def told(self) -> list[tuple[str, str]]:
        """``(audience, kind)`` of every notification delivered, in order."""
        return [(n.audience.value, n.kind.value) for n in self.notifier.sent]

    def primary_supplier(self) -> Supplier:
        return self.primary
