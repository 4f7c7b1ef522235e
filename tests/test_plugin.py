"""The pytest plugin's fixtures, seen from a test suite that loads it (run by an inner pytest).

Installed, the package's ``pytest11`` entry point loads the plugin by itself; run from a source
tree without installing, each inner run loads it with ``-p fulfillment_core.testing.plugin``,
as an integrator without the entry point would.
"""

from __future__ import annotations

from importlib.metadata import entry_points
from pathlib import Path

import pytest

pytest_plugins = ["pytester"]

INSTALLED = any(
    ep.value == "fulfillment_core.testing.plugin" for ep in entry_points(group="pytest11")
)
PLUGIN: tuple[str, ...] = () if INSTALLED else ("-p", "fulfillment_core.testing.plugin")


def test_the_package_declares_the_plugin_entry_point() -> None:
    pyproject = (Path(__file__).resolve().parent.parent / "pyproject.toml").read_text()
    assert 'fulfillment_core = "fulfillment_core.testing.plugin"' in pyproject


def run(pytester: pytest.Pytester, source: str, *args: str) -> pytest.RunResult:
    pytester.makepyfile(test_suite=source)
    return pytester.runpytest(*PLUGIN, *args)


def test_every_fixture_is_a_fresh_fake_or_factory_value(pytester: pytest.Pytester) -> None:
    result = run(
        pytester,
        """
        from fulfillment_core import ShipmentPolicy, Supplier, SupplierCatalog
        from fulfillment_core.testing import (
            FakeCarrier, FakeClock, FakeNotifier, FakeStorefront, FakeSupplier,
            InMemoryRepository, make_catalog, make_policy, make_supplier,
        )

        def test_fakes(fc_clock, fake_storefront, fake_supplier, fake_carrier, fake_notifier,
                       memory_repository):
            assert isinstance(fc_clock, FakeClock)
            assert isinstance(fake_storefront, FakeStorefront)
            assert isinstance(fake_supplier, FakeSupplier)
            assert isinstance(fake_carrier, FakeCarrier)
            assert isinstance(fake_notifier, FakeNotifier)
            assert isinstance(memory_repository, InMemoryRepository)

        def test_factory_values(fc_supplier, fc_catalog, fc_policy):
            assert fc_supplier == make_supplier()
            assert fc_catalog == make_catalog()
            assert fc_policy == make_policy()
        """,
    )
    result.assert_outcomes(passed=2)


def test_fc_clock_starts_when_the_default_order_is_placed(pytester: pytest.Pytester) -> None:
    result = run(
        pytester,
        """
        import pendulum

        from fulfillment_core.testing import PLACED_AT
        from fulfillment_core.testing.plugin import CLOCK_START

        def test_start(fc_clock):
            assert fc_clock.now() == CLOCK_START == PLACED_AT
            assert CLOCK_START == pendulum.datetime(2026, 11, 23, 15, 14, 5, tz="UTC")
        """,
    )
    result.assert_outcomes(passed=1)


def test_the_supplier_and_the_carrier_keep_time_by_fc_clock(pytester: pytest.Pytester) -> None:
    result = run(
        pytester,
        """
        from fulfillment_core.testing import make_parcel_request

        def test_shared_clock(fc_clock, fake_supplier, fake_carrier):
            later = fc_clock.advance(hours=3)
            bought = fake_supplier.purchase("fo-1", "SZ-PC-1501-B", 1, reference="r-1")
            assert bought.ready_by == later.add(hours=24)
            parcel = make_parcel_request()
            quote = fake_carrier.quote(parcel)[0]
            assert fake_carrier.buy_label(parcel, quote).created_at == later
        """,
    )
    result.assert_outcomes(passed=1)


def test_fake_carrier_sells_an_economy_and_an_express_tracked_service(
    pytester: pytest.Pytester,
) -> None:
    result = run(
        pytester,
        """
        from fulfillment_core import Money, choose_service
        from fulfillment_core.testing import make_parcel_request

        def test_services(fake_carrier, fc_policy):
            quotes = fake_carrier.quote(make_parcel_request())
            assert [(q.carrier, q.service, q.price, q.tracked) for q in quotes] == [
                ("YunExpress", "Global Direct", Money("6.40", "USD"), True),
                ("DHL", "Express Worldwide", Money("24.00", "USD"), True),
            ]
            assert choose_service(quotes, fc_policy).quote.carrier == "DHL"  # the fastest
        """,
    )
    result.assert_outcomes(passed=1)


def test_fake_supplier_starts_with_an_empty_stock_table(pytester: pytest.Pytester) -> None:
    result = run(
        pytester,
        """
        from fulfillment_core import StockKind

        def test_empty(fake_supplier):
            assert fake_supplier.stock_table == {}
            answer = fake_supplier.stock(["SZ-PC-1501-B"])["SZ-PC-1501-B"]
            assert answer.kind is StockKind.DISCONTINUED
        """,
    )
    result.assert_outcomes(passed=1)


def test_each_test_gets_its_own_fakes(pytester: pytest.Pytester) -> None:
    result = run(
        pytester,
        """
        from fulfillment_core.testing import make_fulfillment_order, make_storefront_fulfillment

        def test_first(fc_clock, fake_storefront, memory_repository):
            fc_clock.advance(days=1)
            fake_storefront.push_fulfillment(make_storefront_fulfillment())
            memory_repository.add(make_fulfillment_order())

        def test_second(fc_clock, fake_storefront, memory_repository):
            assert fc_clock.now().day == 23
            assert fake_storefront.fulfillments == {}
            assert list(memory_repository.ids()) == []
        """,
    )
    result.assert_outcomes(passed=2)


def test_a_conftest_fixture_overrides_the_plugins(pytester: pytest.Pytester) -> None:
    pytester.makeconftest(
        """
        import pendulum
        import pytest

        from fulfillment_core.testing import FakeClock

        @pytest.fixture
        def fc_clock():
            return FakeClock(pendulum.datetime(2027, 2, 5, 9, tz="Asia/Shanghai"))
        """
    )
    result = run(
        pytester,
        """
        def test_overridden(fc_clock, fake_supplier):
            assert fake_supplier.clock is fc_clock
            assert fc_clock.now().isoformat() == "2027-02-05T01:00:00+00:00"
        """,
    )
    result.assert_outcomes(passed=1)


def test_the_plugin_fixtures_pass_the_port_contracts(pytester: pytest.Pytester) -> None:
    result = run(
        pytester,
        """
        import pytest

        from fulfillment_core.testing.contracts import (
            FulfillmentRepositoryContract, StorefrontContract,
        )

        class TestPluginStorefront(StorefrontContract):
            @pytest.fixture
            def storefront(self, fake_storefront):
                return fake_storefront

        class TestPluginRepository(FulfillmentRepositoryContract):
            @pytest.fixture
            def repository(self, memory_repository):
                return memory_repository
        """,
    )
    result.assert_outcomes(passed=26, skipped=3)  # the storefront's hold checks need a hook


def test_the_fixtures_are_listed_with_what_they_give(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_empty="")
    result = pytester.runpytest(*PLUGIN, "--fixtures")
    result.stdout.fnmatch_lines_random(
        [
            "fc_clock*",
            "*A FakeClock at CLOCK_START (2026-11-23 15:14:05 UTC)*",
            "fake_carrier*",
            "*YunExpress Global Direct and DHL Express Worldwide*",
            "memory_repository*",
            "fc_policy*",
        ]
    )
