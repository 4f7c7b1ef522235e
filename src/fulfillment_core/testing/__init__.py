"""Test kit: in-memory fakes for every port, a clock moved by hand, and realistic factories.

Test a service, a job or an adapter's caller without a network, a database or the wall clock:
the fakes keep plain data to assert on, can be scripted (stock, rejections, failures) and pass
the same contract tests (:mod:`fulfillment_core.testing.contracts`) a real adapter runs. The
Hypothesis strategies live in :mod:`fulfillment_core.testing.strategies`, which needs
``hypothesis`` installed, so they are not imported here.

>>> import pendulum
>>> from fulfillment_core import InWarehouse, check_order
>>> from fulfillment_core.testing import FakeClock, FakeSupplier, make_catalog, make_order
>>> assert check_order(make_order(), make_catalog()).can_proceed
>>> clock = FakeClock(pendulum.datetime(2026, 3, 2, 1, tz="UTC"))
>>> supplier = FakeSupplier(clock)
>>> supplier.set_stock("SZ-PC-1501-B", InWarehouse("SZ-PC-1501-B", as_of=clock.now(),
...                                                quantity=12))
>>> supplier.stock(["SZ-PC-1501-B"])["SZ-PC-1501-B"].available_quantity
12
"""

from fulfillment_core.testing.factories import (
    PHONE_CASE_CUSTOMS,
    PLACED_AT,
    T_SHIRT_CUSTOMS,
    make_address,
    make_catalog,
    make_contact,
    make_fulfillment_order,
    make_fulfillment_request,
    make_line,
    make_order,
    make_parcel_request,
    make_policy,
    make_storefront_fulfillment,
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
    "DEFAULT_SERVICE_OFFERS",
    "PHONE_CASE_CUSTOMS",
    "PLACED_AT",
    "T_SHIRT_CUSTOMS",
    "AsyncFakeCarrier",
    "AsyncFakeClock",
    "AsyncFakeNotifier",
    "AsyncFakeStorefront",
    "AsyncFakeSupplier",
    "AsyncInMemoryRepository",
    "FakeCarrier",
    "FakeClock",
    "FakeNotifier",
    "FakeStorefront",
    "FakeSupplier",
    "InMemoryRepository",
    "ServiceOffer",
    "make_address",
    "make_catalog",
    "make_contact",
    "make_fulfillment_order",
    "make_fulfillment_request",
    "make_line",
    "make_order",
    "make_parcel_request",
    "make_policy",
    "make_storefront_fulfillment",
    "make_supplier",
]
