"""A pytest plugin: the fakes and factories of :mod:`fulfillment_core.testing` as fixtures.

Installed with the package, pytest loads it by itself (the ``pytest11`` entry point); without
the entry point, load it with ``pytest -p fulfillment_core.testing.plugin`` or
``pytest_plugins = ["fulfillment_core.testing.plugin"]`` in the root ``conftest.py``.

==================  ==================================================================
fixture             what it gives each test (a fresh one every test)
==================  ==================================================================
fc_clock            a :class:`~fulfillment_core.testing.FakeClock` at :data:`CLOCK_START`
fake_storefront     a :class:`~fulfillment_core.testing.FakeStorefront`
fake_supplier       a :class:`~fulfillment_core.testing.FakeSupplier` on ``fc_clock``,
                    with an empty stock table (every SKU answers ``Discontinued`` until
                    the test sets its stock)
fake_carrier        a :class:`~fulfillment_core.testing.FakeCarrier` on ``fc_clock``
                    selling :data:`CARRIER_SERVICES`
fake_notifier       a :class:`~fulfillment_core.testing.FakeNotifier`
memory_repository   an empty :class:`~fulfillment_core.testing.InMemoryRepository`
fc_supplier         :func:`~fulfillment_core.testing.make_supplier` (Shenzhen Gadget Works)
fc_catalog          :func:`~fulfillment_core.testing.make_catalog` (the phone case, a tee)
fc_policy           :func:`~fulfillment_core.testing.make_policy` (the default policy)
fc_service          a :class:`~fulfillment_core.FulfillmentService` wired to all of the
                    above: ``memory_repository``, ``fake_storefront``, ``fake_supplier``
                    (the gateway of ``fc_supplier``), ``fake_carrier``, ``fake_notifier``,
                    ``fc_clock``, ``fc_policy`` and ``fc_catalog``
fc_async_service    an :class:`~fulfillment_core.AsyncFulfillmentService` wired to the
                    same fakes through their ``Async...`` twins (the data is shared)
==================  ==================================================================

The fakes that need time share ``fc_clock``: move it, and the supplier's purchases and the
carrier's labels move with it. Override any fixture in your own ``conftest.py`` by its name:
override ``fc_policy`` or ``fc_catalog``, and ``fc_service`` uses yours.
"""

from __future__ import annotations

import pendulum
import pytest

from fulfillment_core.catalog import SupplierCatalog
from fulfillment_core.policy import ShipmentPolicy
from fulfillment_core.service import AsyncFulfillmentService, FulfillmentService
from fulfillment_core.supplier import Supplier
from fulfillment_core.testing.factories import (
    PLACED_AT,
    make_catalog,
    make_policy,
    make_supplier,
)
from fulfillment_core.testing.fakes import (
    DEFAULT_SERVICE_OFFERS,
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
    ServiceOffer,
)

__all__ = [
    "CARRIER_SERVICES",
    "CLOCK_START",
    "fake_carrier",
    "fake_notifier",
    "fake_storefront",
    "fake_supplier",
    "fc_async_service",
    "fc_catalog",
    "fc_clock",
    "fc_policy",
    "fc_service",
    "fc_supplier",
    "memory_repository",
]

#: Where ``fc_clock`` starts: :data:`~fulfillment_core.testing.factories.PLACED_AT`
#: (Monday 23 November 2026, 15:14:05 UTC), the moment the factories' default order is placed,
#: so a test begins as that order arrives.
CLOCK_START: pendulum.DateTime = PLACED_AT

#: What ``fake_carrier`` sells: the tracked services of
#: :data:`~fulfillment_core.testing.fakes.DEFAULT_SERVICE_OFFERS`, YunExpress Global Direct
#: (6.40 USD, 8-12 days) and DHL Express Worldwide (24.00 USD, 2-4 days): an economy and an
#: express choice, both of which the default policy accepts.
CARRIER_SERVICES: tuple[ServiceOffer, ...] = tuple(
    offer for offer in DEFAULT_SERVICE_OFFERS if offer.tracked
)


@pytest.fixture
def fc_clock() -> FakeClock:
    """A FakeClock at CLOCK_START (2026-11-23 15:14:05 UTC); only the test moves it."""
    return FakeClock(CLOCK_START)


@pytest.fixture
def fake_storefront() -> FakeStorefront:
    """A FakeStorefront: read ``fulfillments``, ``holds`` and ``cancellations``."""
    return FakeStorefront()


@pytest.fixture
def fake_supplier(fc_clock: FakeClock) -> FakeSupplier:
    """A FakeSupplier on fc_clock with an empty stock table: ``set_stock`` what the test needs."""
    return FakeSupplier(fc_clock)


@pytest.fixture
def fake_carrier(fc_clock: FakeClock) -> FakeCarrier:
    """A FakeCarrier on fc_clock selling YunExpress Global Direct and DHL Express Worldwide."""
    return FakeCarrier(fc_clock, CARRIER_SERVICES)


@pytest.fixture
def fake_notifier() -> FakeNotifier:
    """A FakeNotifier: read ``sent``."""
    return FakeNotifier()


@pytest.fixture
def memory_repository() -> InMemoryRepository:
    """An empty InMemoryRepository, with the optimistic concurrency of a real one."""
    return InMemoryRepository()


@pytest.fixture
def fc_supplier() -> Supplier:
    """make_supplier(): Shenzhen Gadget Works (sup-sz-01, Asia/Shanghai)."""
    return make_supplier()


@pytest.fixture
def fc_catalog() -> SupplierCatalog:
    """make_catalog(): the iPhone 15 case (two suppliers) and a red tee."""
    return make_catalog()


@pytest.fixture
def fc_policy() -> ShipmentPolicy:
    """make_policy(): the library's default shipment policy."""
    return make_policy()


@pytest.fixture
def fc_service(
    *,
    memory_repository: InMemoryRepository,
    fake_storefront: FakeStorefront,
    fake_supplier: FakeSupplier,
    fake_carrier: FakeCarrier,
    fake_notifier: FakeNotifier,
    fc_clock: FakeClock,
    fc_policy: ShipmentPolicy,
    fc_catalog: SupplierCatalog,
    fc_supplier: Supplier,
) -> FulfillmentService:
    """A FulfillmentService on the fakes: handle messages, then assert on the fakes' data."""
    return FulfillmentService(
        repository=memory_repository,
        storefront=fake_storefront,
        gateways={fc_supplier.id: fake_supplier},
        carrier=fake_carrier,
        notifier=fake_notifier,
        clock=fc_clock,
        policy=fc_policy,
        catalog=fc_catalog,
        suppliers=[fc_supplier],
    )


@pytest.fixture
def fc_async_service(
    *,
    memory_repository: InMemoryRepository,
    fake_storefront: FakeStorefront,
    fake_supplier: FakeSupplier,
    fake_carrier: FakeCarrier,
    fake_notifier: FakeNotifier,
    fc_clock: FakeClock,
    fc_policy: ShipmentPolicy,
    fc_catalog: SupplierCatalog,
    fc_supplier: Supplier,
) -> AsyncFulfillmentService:
    """An AsyncFulfillmentService on the async twins of the same fakes (``await`` it)."""
    return AsyncFulfillmentService(
        repository=AsyncInMemoryRepository(memory_repository),
        storefront=AsyncFakeStorefront(fake_storefront),
        gateways={fc_supplier.id: AsyncFakeSupplier(fake_supplier)},
        carrier=AsyncFakeCarrier(fake_carrier),
        notifier=AsyncFakeNotifier(fake_notifier),
        clock=AsyncFakeClock(fc_clock),
        policy=fc_policy,
        catalog=fc_catalog,
        suppliers=[fc_supplier],
    )
