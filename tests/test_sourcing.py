"""The sourcing decision: warehouse, factory, wait, switch or cancel, each with its reason."""

from __future__ import annotations

import itertools

import pendulum
import pytest
from hypothesis import given
from hypothesis import strategies as st

from fulfillment_core import (
    AtFactory,
    BackupOffer,
    BusinessCalendar,
    Discontinued,
    InWarehouse,
    OutOfStock,
    ShipmentPolicy,
    SkuSource,
    SourcingAction,
    StockStatus,
    ValidationError,
    decide_sourcing,
)

from factories import make_supplier

# Monday 2 March 2026, 09:00 in Shenzhen.
NOW = pendulum.datetime(2026, 3, 2, 9, tz="Asia/Shanghai")
CALENDAR = BusinessCalendar.of(make_supplier())
POLICY = ShipmentPolicy(max_restock_wait_days=5)
A = SourcingAction


def restock_in(business_days: int) -> pendulum.DateTime:
    return CALENDAR.add_business_days(NOW, business_days)


def decide(
    stock: StockStatus,
    quantity: int = 3,
    *,
    backups: tuple[BackupOffer, ...] = (),
    policy: ShipmentPolicy = POLICY,
) -> list[tuple[SourcingAction, int, str]]:
    decision = decide_sourcing(
        "line-1",
        quantity,
        stock,
        supplier_id="sup-sz-01",
        policy=policy,
        calendar=CALENDAR,
        now=NOW,
        backups=backups,
    )
    assert sum(a.quantity for a in decision.allocations) == quantity
    return [(a.action, a.quantity, a.supplier_id) for a in decision.allocations]


def backup(stock: StockStatus, supplier_id: str = "sup-yw-02") -> BackupOffer:
    return BackupOffer(SkuSource(supplier_id, "YW-1"), stock)


def test_warehouse_stock_is_used_first() -> None:
    assert decide(InWarehouse("SZ-1", as_of=NOW, quantity=10)) == [
        (A.USE_WAREHOUSE, 3, "sup-sz-01")
    ]


def test_factory_stock_is_bought_and_arrives_by_its_ready_date() -> None:
    ready = NOW.add(days=1)
    decision = decide_sourcing(
        "line-1",
        3,
        AtFactory("SZ-1", as_of=NOW, quantity=500, ready_by=ready),
        supplier_id="sup-sz-01",
        policy=POLICY,
        calendar=CALENDAR,
        now=NOW,
    )
    (allocation,) = decision.allocations
    assert (allocation.action, allocation.ready_by) == (A.BUY_FROM_FACTORY, ready)


def test_a_short_restock_is_waited_for() -> None:
    decision = decide_sourcing(
        "line-1",
        3,
        OutOfStock("SZ-1", as_of=NOW, restock_eta=restock_in(4)),
        supplier_id="sup-sz-01",
        policy=POLICY,
        calendar=CALENDAR,
        now=NOW,
    )
    (allocation,) = decision.allocations
    assert allocation.action is A.WAIT_FOR_RESTOCK
    assert allocation.ready_by == restock_in(4)
    assert "4 business days, within the 5-day limit" in allocation.reason


def test_a_restock_exactly_at_the_limit_is_still_waited_for() -> None:
    stock = OutOfStock("SZ-1", as_of=NOW, restock_eta=restock_in(5))
    assert decide(stock) == [(A.WAIT_FOR_RESTOCK, 3, "sup-sz-01")]


def test_a_missed_restock_date_is_waited_for_up_to_the_limit_past_it() -> None:
    missed = CALENDAR.add_business_days(NOW.subtract(days=14), 5)  # 5 business days ago
    stock = OutOfStock("SZ-1", as_of=missed.subtract(days=7), restock_eta=missed)  # stale
    (allocation,) = decide_sourcing(
        "line-1", 3, stock, supplier_id="sup-sz-01", policy=POLICY, calendar=CALENDAR, now=NOW
    ).allocations
    assert (allocation.action, allocation.ready_by) == (A.WAIT_FOR_RESTOCK, missed)
    assert "overdue, within the 5-day limit" in allocation.reason
    stale = ShipmentPolicy(max_restock_wait_days=3)
    (allocation,) = decide_sourcing(
        "line-1", 3, stock, supplier_id="sup-sz-01", policy=stale, calendar=CALENDAR, now=NOW
    ).allocations
    assert allocation.action is A.CANCEL
    assert "overdue with no new date, beyond the 3-day limit" in allocation.reason


def test_a_long_restock_cancels_and_tells_the_merchant_to_find_another_source() -> None:
    decision = decide_sourcing(
        "line-1",
        3,
        OutOfStock("SZ-1", as_of=NOW, restock_eta=restock_in(12)),
        supplier_id="sup-sz-01",
        policy=POLICY,
        calendar=CALENDAR,
        now=NOW,
    )
    (allocation,) = decision.allocations
    assert allocation.action is A.CANCEL
    assert "12 business days, beyond the 5-day limit" in allocation.reason
    assert "find another source" in allocation.reason
    assert decision.needs_merchant


def test_a_long_restock_switches_to_a_backup_that_has_stock() -> None:
    stock = OutOfStock("SZ-1", as_of=NOW, restock_eta=restock_in(12))
    offers = (
        backup(OutOfStock("YW-1", as_of=NOW), "sup-yw-02"),
        backup(InWarehouse("XM-1", as_of=NOW, quantity=50), "sup-xm-03"),
    )
    assert decide(stock, backups=offers) == [(A.SWITCH_SUPPLIER, 3, "sup-xm-03")]


def test_backups_are_not_used_when_the_policy_says_no() -> None:
    stock = Discontinued("SZ-1", as_of=NOW)
    policy = ShipmentPolicy(use_backup_suppliers=False)
    offers = (backup(InWarehouse("YW-1", as_of=NOW, quantity=50)),)
    decision = decide(stock, backups=offers, policy=policy)
    assert decision == [(A.CANCEL, 3, "sup-sz-01")]


def test_the_restock_wait_counts_business_days_in_the_suppliers_calendar() -> None:
    # Friday 16 Jan 2026 to Friday 23 Jan: 5 business days, 7 calendar days.
    friday = pendulum.datetime(2026, 1, 16, 9, tz="Asia/Shanghai")
    decision = decide_sourcing(
        "line-1",
        1,
        OutOfStock("SZ-1", as_of=friday, restock_eta=friday.add(days=7)),
        supplier_id="sup-sz-01",
        policy=POLICY,
        calendar=CALENDAR,
        now=friday,
    )
    assert decision.actions == (A.WAIT_FOR_RESTOCK,)


def test_a_partial_warehouse_stock_is_used_and_the_rest_decided_separately() -> None:
    stock = InWarehouse("SZ-1", as_of=NOW, quantity=2)
    offers = (backup(AtFactory("YW-1", as_of=NOW, quantity=9, ready_by=NOW.add(days=1))),)
    assert decide(stock, 5, backups=offers) == [
        (A.USE_WAREHOUSE, 2, "sup-sz-01"),
        (A.SWITCH_SUPPLIER, 3, "sup-yw-02"),
    ]


# --------------------------------------------------------------------------- exhaustive

STOCK_KINDS = {
    "in_warehouse_enough": lambda: InWarehouse("SZ-1", as_of=NOW, quantity=10),
    "in_warehouse_short": lambda: InWarehouse("SZ-1", as_of=NOW, quantity=1),
    "at_factory_enough": lambda: AtFactory(
        "SZ-1", as_of=NOW, quantity=10, ready_by=NOW.add(days=1)
    ),
    "at_factory_short": lambda: AtFactory("SZ-1", as_of=NOW, quantity=1, ready_by=NOW.add(days=1)),
    "out_of_stock_known": None,  # the restock date comes from the lead-time axis
    "out_of_stock_unknown": lambda: OutOfStock("SZ-1", as_of=NOW),
    "discontinued": lambda: Discontinued("SZ-1", as_of=NOW),
}
LEAD_TIMES = {"within": 3, "at_limit": 5, "beyond": 9}
BACKUPS = {
    "none": (),
    "with_stock": (backup(InWarehouse("YW-1", as_of=NOW, quantity=10)),),
    "without_stock": (backup(OutOfStock("YW-1", as_of=NOW)),),
}


@pytest.mark.parametrize(
    ("kind", "lead", "backup_kind"),
    list(itertools.product(STOCK_KINDS, LEAD_TIMES, BACKUPS)),
)
def test_every_stock_kind_lead_time_and_backup_gets_the_seed_rule(
    kind: str, lead: str, backup_kind: str
) -> None:
    build = STOCK_KINDS[kind]
    stock = (
        OutOfStock("SZ-1", as_of=NOW, restock_eta=restock_in(LEAD_TIMES[lead]))
        if build is None
        else build()
    )
    actions = [action for action, _, _ in decide(stock, 3, backups=BACKUPS[backup_kind])]
    covered = kind.endswith("_enough")
    short_restock = kind == "out_of_stock_known" and lead != "beyond"
    first = {
        "in_warehouse": A.USE_WAREHOUSE,
        "at_factory": A.BUY_FROM_FACTORY,
    }.get(kind.rsplit("_", 1)[0])
    if covered:
        assert actions == [first]
        return
    rest = (
        A.WAIT_FOR_RESTOCK
        if short_restock
        else A.SWITCH_SUPPLIER
        if backup_kind == "with_stock"
        else A.CANCEL
    )
    assert actions == ([first, rest] if first else [rest])


@given(
    quantity=st.integers(1, 50),
    on_hand=st.integers(1, 60),
    lead=st.integers(0, 40),
    max_wait=st.integers(0, 20),
    kind=st.sampled_from(["warehouse", "factory", "out", "unknown", "discontinued"]),
    backup_units=st.none() | st.integers(1, 60),
)
def test_every_unit_is_allocated_exactly_once(
    *,
    quantity: int,
    on_hand: int,
    lead: int,
    max_wait: int,
    kind: str,
    backup_units: int | None,
) -> None:
    stock: StockStatus = {
        "warehouse": lambda: InWarehouse("SZ-1", as_of=NOW, quantity=on_hand),
        "factory": lambda: AtFactory("SZ-1", as_of=NOW, quantity=on_hand, ready_by=NOW),
        "out": lambda: OutOfStock("SZ-1", as_of=NOW, restock_eta=restock_in(lead)),
        "unknown": lambda: OutOfStock("SZ-1", as_of=NOW),
        "discontinued": lambda: Discontinued("SZ-1", as_of=NOW),
    }[kind]()
    offers = (
        ()
        if backup_units is None
        else (backup(InWarehouse("Y", as_of=NOW, quantity=backup_units)),)
    )
    decision = decide_sourcing(
        "line-1",
        quantity,
        stock,
        supplier_id="sup-sz-01",
        policy=ShipmentPolicy(max_restock_wait_days=max_wait),
        calendar=CALENDAR,
        now=NOW,
        backups=offers,
    )
    assert sum(a.quantity for a in decision.allocations) == quantity
    assert all(a.quantity > 0 and a.reason for a in decision.allocations)
    if kind == "out":
        waited = decision.quantity(A.WAIT_FOR_RESTOCK)
        assert (waited == quantity) is (lead <= max_wait)


def test_bad_arguments_are_named() -> None:
    with pytest.raises(ValidationError) as caught:
        decide_sourcing(
            "line-1",
            0,
            "in stock",  # type: ignore[arg-type]
            supplier_id="sup-sz-01",
            policy=POLICY,
            calendar=CALENDAR,
            now=NOW,
        )
    assert caught.value.paths == ("quantity", "stock")


# --------------------------------------------------------------------------- review findings


def test_a_factory_slower_than_the_wait_limit_is_not_used() -> None:
    slow = AtFactory("SZ-1", as_of=NOW, quantity=50, ready_by=restock_in(30))
    offers = (backup(InWarehouse("YW-1", as_of=NOW, quantity=10)),)
    assert decide(slow, backups=offers) == [(A.SWITCH_SUPPLIER, 3, "sup-yw-02")]
    assert decide(slow) == [(A.CANCEL, 3, "sup-sz-01")]


def test_a_backup_slower_than_the_wait_limit_is_not_switched_to() -> None:
    stock = OutOfStock("SZ-1", as_of=NOW, restock_eta=restock_in(14))
    slow_backup = backup(AtFactory("YW-1", as_of=NOW, quantity=50, ready_by=restock_in(60)))
    assert decide(stock, backups=(slow_backup,)) == [(A.CANCEL, 3, "sup-sz-01")]


def test_backups_that_each_have_part_share_the_missing_units_in_rank_order() -> None:
    stock = Discontinued("SZ-1", as_of=NOW)
    offers = (
        backup(InWarehouse("YW-1", as_of=NOW, quantity=3), "sup-yw-02"),
        backup(InWarehouse("XM-1", as_of=NOW, quantity=3), "sup-xm-03"),
    )
    assert decide(stock, 5, backups=offers) == [
        (A.SWITCH_SUPPLIER, 3, "sup-yw-02"),
        (A.SWITCH_SUPPLIER, 2, "sup-xm-03"),
    ]
    assert decide(stock, 8, backups=offers)[-1] == (A.CANCEL, 2, "sup-sz-01")


def test_the_primary_supplier_is_never_its_own_backup() -> None:
    stock = Discontinued("SZ-1", as_of=NOW)
    itself = backup(InWarehouse("SZ-1", as_of=NOW, quantity=50), "sup-sz-01")
    assert decide(stock, backups=(itself,)) == [(A.CANCEL, 3, "sup-sz-01")]


def test_one_day_reads_as_one_day() -> None:
    decision = decide_sourcing(
        "line-1",
        1,
        OutOfStock("SZ-1", as_of=NOW, restock_eta=restock_in(1)),
        supplier_id="sup-sz-01",
        policy=POLICY,
        calendar=CALENDAR,
        now=NOW,
    )
    assert "in 1 business day," in decision.allocations[0].reason


def test_a_backup_listed_twice_is_still_one_suppliers_stock() -> None:
    offer = backup(InWarehouse("YW-1", as_of=NOW, quantity=3))
    assert decide(Discontinued("SZ-1", as_of=NOW), 5, backups=(offer, offer)) == [
        (A.SWITCH_SUPPLIER, 3, "sup-yw-02"),
        (A.CANCEL, 2, "sup-sz-01"),
    ]
