"""Supplier routing: lines to the first-ranked supplier that can ship them there."""

from __future__ import annotations

import attrs
import pendulum
import pytest

from fulfillment_core import (
    CatalogEntry,
    HoldReason,
    SkuSource,
    ValidationError,
    WorkStatus,
    route_order,
)

from factories import make_address, make_catalog, make_line, make_order, make_supplier

SZ = make_supplier()
YW = make_supplier(id="sup-yw-02", name="Yiwu Home", destinations=["US", "CA", "GB"])
CATALOG = make_catalog(
    CatalogEntry(
        "LAMP-SUNSET-01",
        [SkuSource("sup-yw-02", "YW-L1"), SkuSource("sup-sz-01", "SZ-L1")],
    ),
    CatalogEntry("MUG-CAT-350", [SkuSource("sup-xx-09", "XX-M")]),
)


def test_lines_go_to_their_first_ranked_supplier_and_are_grouped() -> None:
    order = make_order(
        line_items=[make_line(0), make_line(1, sku="LAMP-SUNSET-01"), make_line(2, quantity=2)]
    )
    plan = route_order(order, CATALOG, [SZ, YW])
    assert plan.fully_routed
    assert [(w.supplier_id, [ln.line_id for ln in w.lines]) for w in plan.work] == [
        ("sup-sz-01", ["line-1", "line-3"]),
        ("sup-yw-02", ["line-2"]),
    ]
    (lamp,) = plan.work[1].lines
    assert (lamp.sku, lamp.supplier_sku, lamp.ordered) == ("LAMP-SUNSET-01", "YW-L1", 1)


def test_a_supplier_that_does_not_serve_the_destination_is_skipped_for_the_next() -> None:
    berlin = make_address(province=None, postal_code="10117", country_code="DE")
    order = make_order(shipping_address=berlin, line_items=[make_line(0, sku="LAMP-SUNSET-01")])
    plan = route_order(order, CATALOG, {"sup-sz-01": SZ, "sup-yw-02": YW})
    assert [w.supplier_id for w in plan.work] == ["sup-sz-01"]


def test_unroutable_lines_become_holds_not_exceptions() -> None:
    order = make_order(
        line_items=[
            make_line(0),
            make_line(1, sku="NOPE"),
            make_line(2, sku=None),
            make_line(3, sku="MUG-CAT-350"),  # its only supplier is unknown
        ]
    )
    plan = route_order(order, CATALOG, [SZ, YW])
    assert [(h.reason, h.path) for h in plan.holds] == [
        (HoldReason.INVALID_SKU, "line_items[1].sku"),
        (HoldReason.INVALID_SKU, "line_items[2].sku"),
        (HoldReason.UNDELIVERABLE_DESTINATION, "line_items[3].sku"),
    ]
    assert not plan.fully_routed
    assert [w.supplier_id for w in plan.work] == ["sup-sz-01"]


def test_lines_that_need_no_shipping_are_not_routed() -> None:
    order = make_order(line_items=[make_line(0), make_line(1, sku=None, requires_shipping=False)])
    plan = route_order(order, CATALOG, [SZ])
    assert plan.fully_routed
    assert [ln.line_id for ln in plan.work[0].lines] == ["line-1"]


def test_the_plan_opens_one_fulfillment_order_per_supplier() -> None:
    order = make_order(line_items=[make_line(0), make_line(1, sku="LAMP-SUNSET-01")])
    at = pendulum.datetime(2026, 3, 2, tz="UTC")
    opened = route_order(order, CATALOG, [SZ, YW]).open_all(at=at)
    assert [fo.id for fo in opened] == [f"{order.id}:sup-sz-01", f"{order.id}:sup-yw-02"]
    assert all(fo.status is WorkStatus.PENDING and fo.order_id == order.id for fo in opened)


def test_routing_is_deterministic() -> None:
    order = make_order(line_items=[make_line(i, sku=s) for i, s in enumerate(
        ["LAMP-SUNSET-01", "CASE-IP15-BLK", "LAMP-SUNSET-01"])])  # fmt: skip
    assert route_order(order, CATALOG, [SZ, YW]) == route_order(order, CATALOG, [YW, SZ])


def test_a_hold_says_why_each_source_could_not_take_the_line() -> None:
    order = make_order(line_items=[make_line(0, sku="LAMP-SUNSET-01")])
    berlin = make_address(province=None, postal_code="10117", country_code="DE")
    plan = route_order(attrs.evolve(order, shipping_address=berlin), CATALOG, [YW])
    (hold,) = plan.holds
    assert "sup-yw-02 does not ship there" in hold.message
    assert "sup-sz-01 is not among the suppliers given" in hold.message


def test_a_single_supplier_may_be_passed_alone() -> None:
    assert route_order(make_order(), CATALOG, SZ) == route_order(make_order(), CATALOG, [SZ])


def test_bad_arguments_are_named() -> None:
    with pytest.raises(ValidationError) as caught:
        route_order("order", None, "sup-sz-01")  # type: ignore[arg-type]
    assert caught.value.paths == ("order", "catalog", "suppliers")


def test_suppliers_may_come_from_any_iterable() -> None:
    plan = route_order(make_order(), CATALOG, [SZ])
    assert route_order(make_order(), CATALOG, {"a": SZ}.values()) == plan
    assert route_order(make_order(), CATALOG, (s for s in [SZ])) == plan
