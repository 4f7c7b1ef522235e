"""The simulator: reproducible to the byte, and right on scenarios worked out by hand."""

from __future__ import annotations

import gc
import json
import re
from pathlib import Path
from typing import Any

import attrs
import pendulum
import pytest
from hypothesis import given
from hypothesis import strategies as st

from fulfillment_core.exceptions import ValidationError
from fulfillment_core.policy import ServiceStrategy, SplitMode
from fulfillment_core.scenario import _SECTIONS, Scenario, load_scenario
from fulfillment_core.simulate import Report, percentile, simulate
from fulfillment_core.supplier import DayRange

#: Nothing goes wrong: every product on the shelf, good data, no incidents, no cancellations.
CALM = Scenario(
    orders=120,
    days=6,
    warehouse_share=1.0,
    factory_share=0.0,
    out_of_stock_share=0.0,
    discontinued_share=0.0,
    missing_data_share=0.0,
    cancel_share=0.0,
    customs_hold_share=0.0,
    delay_share=0.0,
    failed_delivery_share=0.0,
    holidays=(),
)


def _json(scenario: Scenario) -> str:
    return json.dumps(simulate(scenario).as_dict(), indent=2, sort_keys=True)


def test_the_same_seed_gives_the_same_report_to_the_byte() -> None:
    scenario = Scenario(orders=150, days=5, seed=7)
    assert _json(scenario) == _json(scenario)


def test_another_seed_gives_another_run() -> None:
    assert _json(Scenario(orders=150, days=5, seed=7)) != _json(
        Scenario(orders=150, days=5, seed=8)
    )


def test_with_everything_in_stock_and_nothing_going_wrong_every_order_ships_in_time() -> None:
    report = simulate(CALM)
    assert report.by_status == {"delivered": 120}
    assert set(report.processing_days) <= {1, 2, 3}  # the supplier's 1-3 processing days
    assert report.on_time == report.delivered == 120
    assert report.delays == {}
    assert report.cancelled_units == {}
    told = {kind for (_, kind) in report.notifications}
    assert told == {"shipped", "delivered"}


def _all_out_of_stock(orders: int, days: int, *, restock: DayRange, wait: int) -> Scenario:
    """One unit per order, every SKU out of stock with a restock in ``restock`` days, no backup,
    no bad data, nothing cancelled: only the restock wait decides."""
    return Scenario(
        orders=orders,
        days=days,
        lines=DayRange(1, 1),
        quantity=DayRange(1, 1),
        warehouse_share=0.0,
        out_of_stock_share=1.0,
        factory_share=0.0,
        discontinued_share=0.0,
        restock_days=restock,
        backup_share=0.0,
        max_restock_wait_days=wait,
        cancel_share=0.0,
        missing_data_share=0.0,
    )


def test_a_restock_beyond_the_wait_with_no_backup_cancels_every_order_with_that_reason() -> None:
    report = simulate(_all_out_of_stock(60, 4, restock=DayRange(30, 40), wait=5))
    assert report.by_status == {"cancelled": 60}
    assert report.cancelled_units == {"restock too far off": 60}
    assert report.notifications[("merchant", "cancelled")] == 60
    assert report.delivered == 0


def test_the_same_restock_within_a_longer_wait_is_waited_for_instead() -> None:
    report = simulate(_all_out_of_stock(40, 2, restock=DayRange(10, 10), wait=10))
    assert report.by_status == {"delivered": 40}
    assert report.notifications[("merchant", "backordered")] == 40
    assert min(report.processing_days) >= 6  # ten calendar days of waiting, then packing


def test_every_order_with_missing_data_asks_the_merchant_once_and_is_released_once() -> None:
    report = simulate(
        Scenario(
            orders=50, days=3, missing_data_share=1.0, fix_hours=DayRange(5, 5), cancel_share=0.0
        )
    )
    assert report.notifications[("merchant", "data_requested")] == 50
    assert report.notifications[("merchant", "hold_released")] == 50
    assert report.messages["OrderDataUpdated"] == 50


def test_memory_follows_the_orders_in_flight_not_the_orders_simulated() -> None:
    # Ten orders a day for 30 days, then for 120: four times the orders at the same pace. An
    # order is in flight about three weeks, so both runs reach the same steady state.
    short = simulate(Scenario(orders=300, days=30, seed=3, holidays=()))
    long = simulate(Scenario(orders=1200, days=120, seed=3, holidays=()))
    assert long.placed == 4 * short.placed
    assert long.peak_in_flight < 1.3 * short.peak_in_flight
    assert long.peak_in_flight < 0.4 * long.placed


def test_percentiles_are_nearest_rank_over_the_histogram() -> None:
    histogram = {1: 50, 2: 40, 3: 9, 9: 1}
    assert (percentile(histogram, 0.5), percentile(histogram, 0.9)) == (1, 2)
    assert (percentile(histogram, 0.99), percentile({}, 0.5)) == (3, None)


def test_a_scenario_file_names_every_bad_and_unknown_key() -> None:
    text = """
orders = 0
[stock]
warehouse = 2
colour = "red"
[policy]
split = "sometimes"
"""
    with pytest.raises(ValidationError) as error:
        load_scenario(text)
    assert error.value.paths == ("orders", "stock.warehouse", "stock.colour", "policy.split")


def test_the_stock_shares_must_add_up_to_one() -> None:
    with pytest.raises(ValidationError, match="not 1"):
        load_scenario("[stock]\nwarehouse = 0.5\n")


def test_what_keys_break_together_is_named_with_the_bad_keys_at_once() -> None:
    with pytest.raises(ValidationError) as error:
        load_scenario("orders = -5\n[stock]\nwarehouse = 0.9\n")
    assert error.value.paths == ("orders", "stock")


def test_a_scenario_file_reads_every_section() -> None:
    scenario = load_scenario(
        """
seed = 9
orders = 10
days = 2
start = 2026-12-01
[order_mix]
lines = [1, 1]
[stock]
warehouse = 0.5
factory = 0.5
out_of_stock = 0
discontinued = 0
[supplier]
timezone = "Europe/Berlin"
holidays = [{start = 2026-12-24, end = 2026-12-26, name = "Christmas"}]
[promise]
transit_days = [3, 5]
[[carriers]]
carrier = "DHL"
service = "Paket"
price = "4.99"
currency = "EUR"
transit = [2, 4]
[incidents]
customs_hold_share = 0
[policy]
service_strategy = "fastest"
[simulation]
tick_hours = 12
"""
    )
    assert (scenario.seed, scenario.timezone, scenario.tick_hours) == (9, "Europe/Berlin", 12)
    assert scenario.carriers[0].price.currency == "EUR"
    assert scenario.holidays[0].name == "Christmas"
    report = simulate(scenario)
    assert report.placed == 10
    assert report.delivered == report.by_status["delivered"] > 0


def test_toml_that_does_not_parse_is_a_validation_error() -> None:
    with pytest.raises(ValidationError, match="not valid TOML"):
        load_scenario("orders = ")


DOCS = Path(__file__).resolve().parent.parent / "docs" / "simulate.md"


def test_the_example_scenario_in_the_docs_loads() -> None:
    text = DOCS.read_text(encoding="utf-8")
    (example,) = re.findall(r"```toml\n(.*?)```", text, re.S)
    scenario = load_scenario(example)
    assert (scenario.seed, scenario.orders, scenario.max_restock_wait_days) == (42, 5000, 10)


def test_the_docs_explain_every_scenario_key() -> None:
    text = DOCS.read_text(encoding="utf-8")
    for section, keys in _SECTIONS.items():
        for key in keys:
            documented = f"`{section}.{key}`" if section else f"`{key}`"
            assert documented in text, documented
    assert "`[[carriers]]`" in text


@pytest.mark.parametrize(
    ("toml", "path", "said"),
    [
        ("seed = -1", "seed", "must be from 0"),
        ("orders = true", "orders", "whole number"),
        ("days = 1.5", "days", "whole number"),
        ("start = 2026-11-02T10:00:00", "start", "a date like"),
        ("colour = 1", "colour", "is not a scenario key or section"),
        ("order_mix = 3", "order_mix", "must be a table"),
        ("[order_mix]\nlines = [3, 1]", "order_mix.lines", "fewest <= most"),
        ("[order_mix]\nlines = 2", "order_mix.lines", "[fewest, most]"),
        ("[order_mix]\ncancel_share = '0.1'", "order_mix.cancel_share", "a number from 0 to 1"),
        ("[policy]\nuse_backup_suppliers = 1", "policy.use_backup_suppliers", "true or false"),
        ("[supplier]\ntimezone = 'Mars/Olympus'", "supplier.timezone", "IANA timezone"),
        ("[supplier]\ntimezone = ''", "supplier.timezone", "non-empty string"),
        ("[supplier]\nholidays = 3", "supplier.holidays", "list of {start, end, name}"),
        ("[supplier]\nholidays = [3]", "supplier.holidays[0]", "must be a table"),
        (
            "[supplier]\nholidays = [{start = 2027-01-02, end = 2027-01-01}]",
            "supplier.holidays[0].end",
            "before start",
        ),
        ("[supplier]\nholidays = [{end = 2027-01-01}]", "supplier.holidays[0].start", "required"),
        ("carriers = []", "carriers", "non-empty list"),
        ("[[carriers]]\ncarrier = 'X'", "carriers[0].service", "required"),
        (
            "[[carriers]]\ncarrier = 'X'\nservice = 'Y'\nprice = 'cheap'\ntransit = [1, 2]",
            "carriers[0].price",
            "a price like",
        ),
        (
            "[[carriers]]\ncarrier = 'X'\nservice = 'Y'\nprice = '1.234'\ntransit = [1, 2]",
            "carriers[0].price",
            "more decimal places than USD allows",
        ),
        (
            "[[carriers]]\ncarrier = 'X'\nservice = 'Y'\nprice = 'NaN'\ntransit = [1, 2]",
            "carriers[0].price",
            "a price like",
        ),
        (
            "[[carriers]]\ncarrier='X'\nservice='Y'\nprice='1'\ntransit=[1,2]\n"
            "[[carriers]]\ncarrier='Z'\nservice='Y'\nprice='2'\ncurrency='EUR'\ntransit=[1,2]",
            "carriers",
            "priced in EUR, USD",
        ),
        (
            "[[carriers]]\ncarrier='X'\nservice='Y'\nprice='1'\ntransit=[1,2]\n"
            "[[carriers]]\ncarrier='X'\nservice='Y'\nprice='2'\ntransit=[1,2]",
            "carriers[1]",
            "listed twice",
        ),
    ],
)
def test_a_bad_scenario_value_is_named_with_its_key(toml: str, path: str, said: str) -> None:
    with pytest.raises(ValidationError) as error:
        load_scenario(toml)
    (problem,) = [p for p in error.value.problems if p.path == path]
    assert said in problem.message


def test_simulate_takes_a_scenario_only() -> None:
    with pytest.raises(ValidationError, match="scenario"):
        simulate({"orders": 10})  # type: ignore[arg-type]


def test_a_scenario_built_in_python_is_checked_too() -> None:
    with pytest.raises(ValidationError) as error:
        Scenario(tick_hours=0, missing_data_share=3, carriers=())
    assert error.value.paths == ("tick_hours", "missing_data_share", "carriers")


def _pair(**changes: object) -> tuple[Report, Report]:
    base = Scenario(orders=300, days=10, seed=5, holidays=())
    return simulate(base), simulate(attrs.evolve(base, **changes))


def test_waiting_longer_for_restocks_cancels_fewer_units() -> None:
    hasty, patient = _pair(max_restock_wait_days=20)
    assert hasty.cancelled_units["restock too far off"] > 0
    assert patient.cancelled_units.get("restock too far off", 0) == 0
    assert (
        patient.notifications[("merchant", "backordered")]
        > hasty.notifications[("merchant", "backordered")]
    )


def test_without_backups_nothing_is_switched() -> None:
    with_backups, without = _pair(use_backup_suppliers=False)
    assert with_backups.notifications[("merchant", "supplier_switched")] > 0
    assert ("merchant", "supplier_switched") not in without.notifications


def test_the_fastest_service_ships_faster_than_the_cheapest() -> None:
    cheapest, fastest = _pair(service_strategy=ServiceStrategy.FASTEST)
    assert percentile(fastest.shipping_days, 0.5) < percentile(cheapest.shipping_days, 0.5)


def test_a_compared_policy_meets_the_same_orders() -> None:
    first, second = _pair(max_restock_wait_days=20)
    data_requests = ("merchant", "data_requested")
    assert first.notifications[data_requests] == second.notifications[data_requests]


def test_customers_who_cancel_within_the_hour_stop_their_orders_before_they_leave() -> None:
    report = simulate(attrs.evolve(CALM, cancel_share=1.0, cancel_hours=DayRange(1, 1)))
    assert report.by_status == {"cancelled": 120}
    assert set(report.cancelled_units) == {"customer cancelled"}
    assert ("customer", "shipped") not in report.notifications


def test_failed_delivery_attempts_reach_the_customer() -> None:
    report = simulate(attrs.evolve(CALM, failed_delivery_share=1.0))
    assert (
        report.notifications[("customer", "delivery_failed")]
        == report.notifications[("customer", "shipped")]
    )


def _cyclic_garbage_after(orders: int, **scenario: Any) -> int:
    gc.collect()
    gc.disable()
    try:
        simulate(Scenario(orders=orders, days=3, **scenario))
        gc.set_debug(gc.DEBUG_SAVEALL)
        return gc.collect()
    finally:
        gc.set_debug(0)
        gc.garbage.clear()
        gc.enable()


_TROUBLED = {  # every path an order can take: held, cancelled, switched, held at customs...
    "missing_data_share": 0.4,
    "cancel_share": 0.3,
    "customs_hold_share": 0.3,
    "delay_share": 0.3,
    "failed_delivery_share": 0.3,
    "use_backup_suppliers": True,
}


@pytest.mark.parametrize("scenario", [{}, _TROUBLED], ids=["default", "troubled"])
def test_a_simulation_makes_no_reference_cycles_per_order(scenario: dict[str, Any]) -> None:
    # The command keeps what is alive out of the collector's sight between checkpoints:
    # cycles made per order would pile up. Only the run's own objects may be left (the
    # scenario's products, the report, the line items orders share), nearly the same whatever
    # the number of orders: with 5 products, both runs have made every line item there is
    # (5 products x 3 line numbers x 2 quantities).
    fewer, more = (_cyclic_garbage_after(n, products=5, **scenario) for n in (150, 450))
    assert more - fewer < 30, f"{more - fewer} more objects left in cycles by 300 more orders"


def test_purchases_of_orders_counted_before_their_goods_arrive_are_forgotten_too() -> None:
    from fulfillment_core.simulate import _Simulation

    simulation = _Simulation(Scenario(orders=400, days=5, cancel_share=0.3), None)
    simulation.run()
    now = simulation.clock.now()
    kept = [
        confirmation
        for gateway in simulation.gateways
        for confirmation in gateway.confirmed.values()
        if confirmation.ready_by < now  # arrived during the run
    ]
    assert kept == []


# --------------------------------------------------------------------------- shards

_shares = st.tuples(*[st.integers(0, 4)] * 4).filter(any)


@st.composite
def _scenarios(draw: st.DrawFn) -> Scenario:
    stock = draw(_shares)
    return Scenario(
        seed=draw(st.integers(0, 10_000)),
        orders=draw(st.integers(1, 40)),
        days=draw(st.integers(1, 4)),
        tick_hours=draw(st.sampled_from([1, 7, 24, 60, 168])),
        # Some supplier so slow that the run gives up at the horizon with work still open.
        processing_days=draw(st.sampled_from([DayRange(1, 3), DayRange(0, 1), DayRange(110, 140)])),
        missing_data_share=draw(st.sampled_from([0.0, 0.3, 1.0])),
        cancel_share=draw(st.sampled_from([0.0, 0.3, 1.0])),
        products=draw(st.integers(1, 12)),
        warehouse_share=stock[0] / sum(stock),
        factory_share=stock[1] / sum(stock),
        out_of_stock_share=stock[2] / sum(stock),
        discontinued_share=1 - sum(stock[:3]) / sum(stock),
        customs_hold_share=draw(st.sampled_from([0.0, 0.5])),
        delay_share=draw(st.sampled_from([0.0, 0.5])),
        failed_delivery_share=draw(st.sampled_from([0.0, 0.5])),
        max_restock_wait_days=draw(st.sampled_from([0, 5, 30])),
        use_backup_suppliers=draw(st.booleans()),
        split=draw(st.sampled_from(list(SplitMode))),
        service_strategy=draw(st.sampled_from(list(ServiceStrategy))),
    )


def _whole_and_shards(scenario: Scenario, shards: int) -> tuple[Report, Report]:
    parts = [simulate(scenario, shard=shard, shards=shards) for shard in range(shards)]
    return simulate(scenario), Report.combined(reversed(parts))


@given(scenario=_scenarios(), shards=st.integers(1, 5))
def test_the_shards_of_a_run_add_up_to_exactly_the_whole_run(
    scenario: Scenario, shards: int
) -> None:
    whole, combined = _whole_and_shards(scenario, shards)
    assert combined.as_dict() == whole.as_dict()
    assert combined.in_flight == whole.in_flight


def test_shards_split_the_default_shop_exactly_too() -> None:
    whole, combined = _whole_and_shards(Scenario(orders=900, days=6, seed=11), 3)
    assert combined.as_dict() == whole.as_dict()
    assert 0 < whole.peak_in_flight < 900


def test_each_shard_places_every_nth_order_from_its_own() -> None:
    parts = [simulate(Scenario(orders=10, days=1), shard=k, shards=4) for k in range(4)]
    assert [part.placed for part in parts] == [3, 3, 2, 2]
    assert [part.part for part in parts] == [(0, 4), (1, 4), (2, 4), (3, 4)]


def test_orders_in_flight_are_counted_at_each_tick() -> None:
    # Ten orders on the first day, none of which can be delivered before the first tick.
    report = simulate(attrs.evolve(CALM, orders=10, days=1))
    assert report.in_flight[1] == 10
    assert report.peak_in_flight == 10


def test_a_run_ends_as_its_last_order_is_counted() -> None:
    # Every product discontinued, no backup: each order is cancelled as it is placed, so the
    # run ends at the last placing, before any tick (and no tick counts anything in flight).
    gone = attrs.evolve(
        CALM, orders=20, days=1, warehouse_share=0.0, discontinued_share=1.0, backup_share=0.0
    )
    report = simulate(gone)
    assert report.by_status == {"cancelled": 20}
    assert report.simulated_until is not None
    assert report.simulated_until < pendulum.datetime(2026, 11, 3, tz="UTC")
    assert "Tick" not in report.messages
    assert report.peak_in_flight == 0


@pytest.mark.parametrize(
    ("shard", "shards", "path"),
    [(0, 0, "shards"), (0, True, "shards"), (3, 3, "shard"), (-1, 2, "shard"), (1.0, 2, "shard")],
)
def test_a_shard_out_of_range_is_refused_naming_it(shard: Any, shards: Any, path: str) -> None:
    with pytest.raises(ValidationError) as raised:
        simulate(CALM, shard=shard, shards=shards)
    assert [problem.path for problem in raised.value.problems] == [path]


_SMALL = Scenario(orders=6, days=1)
_FIRST, _SECOND = (simulate(_SMALL, shard=k, shards=2) for k in range(2))
_OTHER = simulate(attrs.evolve(_SMALL, seed=2), shard=1, shards=2)


@pytest.mark.parametrize(
    ("parts", "said"),
    [
        ([], "no shard's report given"),
        ([_FIRST], "are not each of 2 once"),
        ([_FIRST, _FIRST], "are not each of 2 once"),
        ([_FIRST, _OTHER], "the shards ran different scenarios"),
        ([_FIRST, _SECOND.as_dict()], "must all be Reports"),
    ],
    ids=["none", "one missing", "one twice", "two scenarios", "not a report"],
)
def test_combining_refuses_anything_but_each_shard_of_one_scenario_once(
    parts: list[Any], said: str
) -> None:
    with pytest.raises(ValidationError, match=said):
        Report.combined(parts)


def test_combining_takes_the_shards_in_any_order() -> None:
    assert Report.combined([_SECOND, _FIRST]).as_dict() == simulate(_SMALL).as_dict()


def test_a_shard_with_no_orders_ends_at_once_and_adds_nothing() -> None:
    one = Scenario(orders=1, days=1, tick_hours=60)
    empty = simulate(one, shard=1, shards=2)
    assert (empty.placed, empty.messages, empty.in_flight) == (0, {}, {})
    whole, combined = _whole_and_shards(one, 3)
    assert combined.as_dict() == whole.as_dict()


def test_work_still_open_180_days_after_the_last_order_is_counted_unfinished() -> None:
    # Parcels 190-200 days at sea: none arrives before the run gives up on them.
    slow = load_scenario(
        """
        orders = 30
        days = 2
        [order_mix]
        cancel_share = 0.0
        [[carriers]]
        carrier = "Slow Boat"
        service = "Sea"
        price = "1.00"
        transit = [190, 200]
        """
    )
    report = simulate(slow)
    assert set(report.by_status) <= {"unfinished_shipped", "cancelled"}
    assert report.by_status["unfinished_shipped"] > 0
    assert report.delivered == 0
    # The last order was placed on day 2: the run stops at the horizon, 180 days later.
    assert report.simulated_until == pendulum.datetime(2027, 5, 3, tz="UTC")
    whole, combined = _whole_and_shards(slow, 4)
    assert combined.as_dict() == whole.as_dict()


def test_shards_agree_when_the_run_gives_up_at_the_horizon() -> None:
    # Packing takes months: the one order not cancelled is still open at the horizon, while
    # the cancelled one's packing comes due after the last tick (a shard never sees it).
    slow = attrs.evolve(
        CALM,
        seed=16,
        orders=2,
        days=1,
        tick_hours=168,
        products=1,
        processing_days=DayRange(110, 140),
        cancel_share=0.5,
    )
    whole, combined = _whole_and_shards(slow, 2)
    assert combined.as_dict() == whole.as_dict()
    assert whole.simulated_until == pendulum.datetime(2027, 5, 2, tz="UTC")  # 1 + 180 days in


def test_progress_is_told_every_tenth_and_after_the_last_order() -> None:
    told: list[tuple[int, int]] = []
    simulate(
        Scenario(orders=23, days=1), progress=lambda placed, total: told.append((placed, total))
    )
    assert told == [(n, 23) for n in (2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 23)]
    told.clear()
    simulate(Scenario(orders=23, days=1), progress=lambda *p: told.append(p), shard=1, shards=2)
    assert told[-1] == (11, 11)


def test_the_shared_line_items_are_bounded_and_change_nothing(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from fulfillment_core import simulate as simulation_module

    scenario = Scenario(orders=60, days=2, products=50)
    unbounded = simulation_module._Simulation(scenario, None)
    report = unbounded.run()
    assert len(unbounded.lines) > 10
    monkeypatch.setattr(simulation_module, "_SHARED_LINES", 10)
    bounded = simulation_module._Simulation(scenario, None)
    assert bounded.run().as_dict() == report.as_dict()
    assert len(bounded.lines) == 10
