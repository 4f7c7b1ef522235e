"""The library's fakes pass the port contracts a real adapter runs (sync and async alike).

Each class subclasses a contract from ``fulfillment_core.testing.contracts`` exactly as an
integrator would, and provides every optional hook too (the fakes keep plain data, so what a
port call did can always be read back): no contract check is skipped here.
"""

from __future__ import annotations

from collections.abc import Sequence

import pendulum
import pytest

from fulfillment_core import Hold, InWarehouse, Notification
from fulfillment_core.ports import FulfillmentRequest, ParcelRequest, RequestLine
from fulfillment_core.testing import (
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
    make_fulfillment_request,
    make_parcel_request,
)
from fulfillment_core.testing.contracts import (
    AsyncCarrierContract,
    AsyncClockContract,
    AsyncFulfillmentRepositoryContract,
    AsyncNotifierContract,
    AsyncStorefrontContract,
    AsyncSupplierGatewayContract,
    CarrierContract,
    ClockContract,
    FulfillmentRepositoryContract,
    HoldsReader,
    NotificationsReader,
    NotifierContract,
    StorefrontContract,
    SupplierGatewayContract,
)

START = pendulum.datetime(2026, 3, 2, 1, 0, tz="UTC")
STOCKED_SKU = "SZ-PC-1501-B"
REFUSED_SKU = "SZ-DISCONTINUED-01"


@pytest.fixture
def fake_clock() -> FakeClock:
    return FakeClock(START)


# --------------------------------------------------------------------------- storefront


@pytest.fixture
def fake_storefront() -> FakeStorefront:
    return FakeStorefront()


def _holds_of(fake: FakeStorefront) -> HoldsReader:
    def shown(order_id: str, fulfillment_order_id: str) -> Sequence[Hold]:
        return fake.holds.get(fulfillment_order_id, ())

    return shown


class TestFakeStorefront(StorefrontContract):
    @pytest.fixture
    def storefront(self, fake_storefront: FakeStorefront) -> FakeStorefront:
        return fake_storefront

    @pytest.fixture
    def shown_holds(self, fake_storefront: FakeStorefront) -> HoldsReader:
        return _holds_of(fake_storefront)


class TestAsyncFakeStorefront(AsyncStorefrontContract):
    @pytest.fixture
    def async_storefront(self, fake_storefront: FakeStorefront) -> AsyncFakeStorefront:
        return AsyncFakeStorefront(fake_storefront)

    @pytest.fixture
    def shown_holds(self, fake_storefront: FakeStorefront) -> HoldsReader:
        return _holds_of(fake_storefront)


# --------------------------------------------------------------------------- supplier


@pytest.fixture
def fake_supplier(fake_clock: FakeClock) -> FakeSupplier:
    supplier = FakeSupplier(fake_clock)
    supplier.set_stock(STOCKED_SKU, InWarehouse(STOCKED_SKU, as_of=fake_clock.now(), quantity=40))
    supplier.reject_sku(REFUSED_SKU, "discontinued by the factory")
    return supplier


class _FakeSupplierScenario:
    """The scenario both supplier classes share: one SKU stocked, one refused."""

    @pytest.fixture
    def stocked_sku(self) -> str:
        return STOCKED_SKU

    @pytest.fixture
    def refused_request(self) -> FulfillmentRequest:
        return make_fulfillment_request(lines=[RequestLine("line-1", REFUSED_SKU, 1)])

    @pytest.fixture
    def reference_clock(self, fake_clock: FakeClock) -> FakeClock:
        return fake_clock


class TestFakeSupplier(_FakeSupplierScenario, SupplierGatewayContract):
    @pytest.fixture
    def supplier_gateway(self, fake_supplier: FakeSupplier) -> FakeSupplier:
        return fake_supplier


class TestAsyncFakeSupplier(_FakeSupplierScenario, AsyncSupplierGatewayContract):
    @pytest.fixture
    def async_supplier_gateway(self, fake_supplier: FakeSupplier) -> AsyncFakeSupplier:
        return AsyncFakeSupplier(fake_supplier)


# --------------------------------------------------------------------------- carrier


class _ParcelScenario:
    @pytest.fixture
    def parcel(self) -> ParcelRequest:
        return make_parcel_request()


class TestFakeCarrier(_ParcelScenario, CarrierContract):
    @pytest.fixture
    def carrier(self, fake_clock: FakeClock) -> FakeCarrier:
        return FakeCarrier(fake_clock)


class TestAsyncFakeCarrier(_ParcelScenario, AsyncCarrierContract):
    @pytest.fixture
    def async_carrier(self, fake_clock: FakeClock) -> AsyncFakeCarrier:
        return AsyncFakeCarrier(FakeCarrier(fake_clock))


# --------------------------------------------------------------------------- notifier


@pytest.fixture
def fake_notifier() -> FakeNotifier:
    return FakeNotifier()


def _sent_by(fake: FakeNotifier) -> NotificationsReader:
    def sent() -> Sequence[Notification]:
        return fake.sent

    return sent


class TestFakeNotifier(NotifierContract):
    @pytest.fixture
    def notifier(self, fake_notifier: FakeNotifier) -> FakeNotifier:
        return fake_notifier

    @pytest.fixture
    def sent_notifications(self, fake_notifier: FakeNotifier) -> NotificationsReader:
        return _sent_by(fake_notifier)


class TestAsyncFakeNotifier(AsyncNotifierContract):
    @pytest.fixture
    def async_notifier(self, fake_notifier: FakeNotifier) -> AsyncFakeNotifier:
        return AsyncFakeNotifier(fake_notifier)

    @pytest.fixture
    def sent_notifications(self, fake_notifier: FakeNotifier) -> NotificationsReader:
        return _sent_by(fake_notifier)


# --------------------------------------------------------------------------- clock


class TestFakeClock(ClockContract):
    @pytest.fixture
    def clock(self, fake_clock: FakeClock) -> FakeClock:
        return fake_clock


class TestAsyncFakeClock(AsyncClockContract):
    @pytest.fixture
    def async_clock(self, fake_clock: FakeClock) -> AsyncFakeClock:
        return AsyncFakeClock(fake_clock)


# --------------------------------------------------------------------------- repository


class TestInMemoryRepository(FulfillmentRepositoryContract):
    @pytest.fixture
    def repository(self) -> InMemoryRepository:
        return InMemoryRepository()


class TestAsyncInMemoryRepository(AsyncFulfillmentRepositoryContract):
    @pytest.fixture
    def async_repository(self) -> AsyncInMemoryRepository:
        return AsyncInMemoryRepository(InMemoryRepository())


# --------------------------------------------------------------------------- the contracts
#
# The contracts themselves, run by an inner pytest: alone they are no tests, and an adapter
# that breaks a promise fails the check named after it.

pytest_plugins = ["pytester"]


def test_a_contract_alone_collects_no_tests(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        test_nothing="from fulfillment_core.testing.contracts import *  # noqa: F403"
    )
    result = pytester.runpytest()
    assert result.ret == pytest.ExitCode.NO_TESTS_COLLECTED


def test_a_storefront_that_pushes_a_shipment_twice_fails_its_contract(
    pytester: pytest.Pytester,
) -> None:
    pytester.makepyfile(
        test_adapter="""
        import itertools

        import pytest

        from fulfillment_core.testing.contracts import StorefrontContract

        class Duplicating:
            def __init__(self):
                self.ids = itertools.count(1)

            def push_fulfillment(self, fulfillment):
                return f"fulfillment-{next(self.ids)}"

            def report_holds(self, order_id, fulfillment_order_id, holds):
                pass

            def report_cancellation(
                self, order_id, fulfillment_order_id, quantities, reason, *, key
            ):
                pass

        class TestDuplicating(StorefrontContract):
            @pytest.fixture
            def storefront(self):
                return Duplicating()
        """
    )
    result = pytester.runpytest("-rfs")
    result.assert_outcomes(passed=5, failed=1, skipped=3)
    result.stdout.fnmatch_lines(
        [
            "E * pushing one shipment twice must not make a second fulfillment",
            "FAILED *::test_pushing_the_same_shipment_again_returns_the_first_id*",
        ]
    )
    result.stdout.fnmatch_lines(["SKIPPED *give the contract a `shown_holds` fixture*"])


def test_a_repository_that_ignores_versions_fails_its_contract(
    pytester: pytest.Pytester,
) -> None:
    pytester.makepyfile(
        test_adapter="""
        import pytest

        from fulfillment_core.testing import InMemoryRepository
        from fulfillment_core.testing.contracts import FulfillmentRepositoryContract

        class LastWriterWins(InMemoryRepository):
            def save(self, fulfillment_order, expected_version):
                self.fulfillment_orders[fulfillment_order.id] = fulfillment_order.copy()

        class TestLastWriterWins(FulfillmentRepositoryContract):
            @pytest.fixture
            def repository(self):
                return LastWriterWins()
        """
    )
    result = pytester.runpytest("-rf")
    result.assert_outcomes(passed=15, failed=5)  # active_versions follows the stale saves too
    result.stdout.fnmatch_lines(
        [
            "FAILED *::test_save_with_a_stale_version_raises_concurrency_error_and_stores_nothing*",
            "FAILED *::test_save_of_work_never_added_raises_concurrency_error_and_stores_nothing*",
        ]
    )


def test_a_naive_clock_that_goes_backwards_fails_its_contract(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        test_adapter="""
        import datetime as dt

        import pytest

        from fulfillment_core.testing.contracts import ClockContract

        class Unwound:
            def __init__(self):
                self.time = dt.datetime(2026, 3, 2, 1, 0)

            def now(self):
                self.time -= dt.timedelta(seconds=1)
                return self.time

        class TestUnwound(ClockContract):
            @pytest.fixture
            def clock(self):
                return Unwound()
        """
    )
    result = pytester.runpytest()
    result.assert_outcomes(passed=1, failed=2)


def test_an_async_adapter_with_a_plain_method_fails_the_port_check(
    pytester: pytest.Pytester,
) -> None:
    pytester.makepyfile(
        test_adapter="""
        import pytest

        from fulfillment_core.testing.contracts import AsyncNotifierContract

        class HalfAsync:
            def send(self, notification):
                pass

        class TestHalfAsync(AsyncNotifierContract):
            @pytest.fixture
            def async_notifier(self):
                return HalfAsync()

            def test_only_the_port_check(self):
                pass
        """
    )
    result = pytester.runpytest("-k", "it_has")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*send: must be `async def`*"])
