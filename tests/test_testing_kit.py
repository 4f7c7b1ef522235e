"""The test kit's factories build values that fit together, and its strategies keep their word."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
from collections.abc import Callable
from typing import Any

import pendulum
import pytest
from hypothesis import find, given, settings
from hypothesis import strategies as st

import fulfillment_core.testing as kit
from fulfillment_core import (
    Address,
    BusinessCalendar,
    CatalogEntry,
    HoldReason,
    Money,
    Order,
    RequestStatus,
    ServiceStrategy,
    SkuSource,
    TrackingEvent,
    TrackingStatus,
    ValidationError,
    WorkStatus,
    check_order,
    reduce_tracking,
)
from fulfillment_core.testing import (
    PLACED_AT,
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
from fulfillment_core.testing.strategies import (
    ADDRESS_COUNTRIES,
    addresses,
    orders,
    tracking_histories,
)
from fulfillment_core.tracking import TERMINAL_TRACKING_STATUSES

label_times = st.datetimes(
    min_value=dt.datetime(2024, 1, 1), max_value=dt.datetime(2030, 1, 1)
).map(lambda moment: pendulum.instance(moment, tz="UTC"))
labelled_histories = label_times.flatmap(lambda at: st.tuples(st.just(at), tracking_histories(at)))

# --------------------------------------------------------------------------- the package


def test_the_kit_lists_every_public_name_once_and_each_imports() -> None:
    assert len(kit.__all__) == len(set(kit.__all__))
    for name in kit.__all__:
        assert hasattr(kit, name), name


def test_importing_the_kit_does_not_need_hypothesis() -> None:
    code = "import sys, fulfillment_core.testing; print('hypothesis' in sys.modules)"
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "False"


# --------------------------------------------------------------------------- factories


def test_the_default_order_passes_the_data_check_with_its_shenzhen_supplier() -> None:
    check = check_order(make_order(), make_catalog(), make_supplier())
    assert check.holds == ()
    assert check.warnings == ()


def test_the_default_order_passes_the_data_check_before_it_is_routed() -> None:
    assert check_order(make_order(), make_catalog()).can_proceed


def test_an_order_of_both_catalogue_products_passes_the_data_check() -> None:
    lines = (make_line(0), make_line(1, sku="TEE-RED-M", quantity=2, title="Classic tee"))
    order = make_order(line_items=lines)
    assert check_order(order, make_catalog(), make_supplier()).can_proceed


def test_a_broken_field_gives_exactly_the_hold_it_is_about() -> None:
    order = make_order(shipping_address=make_address(province="Atlantis"))
    assert check_order(order, make_catalog(), make_supplier()).paths == (
        "shipping_address.province",
    )


@pytest.mark.parametrize(
    ("build", "keywords", "read"),
    [
        (make_address, {"city": "Austin", "province": "TX", "postal_code": "78701"}, "city"),
        (make_contact, {"email": "k.tanaka@example.jp"}, "email"),
        (make_line, {"quantity": 3}, "quantity"),
        (make_order, {"reference": "#2002"}, "reference"),
        (make_supplier, {"timezone": "Asia/Hong_Kong"}, "timezone"),
        (make_policy, {"service_strategy": "cheapest"}, "service_strategy"),
        (make_fulfillment_order, {"supplier_id": "sup-yw-02"}, "supplier_id"),
        (make_fulfillment_request, {"order_id": "5912338890099"}, "order_id"),
        (make_parcel_request, {"grams": 450}, "grams"),
        (make_storefront_fulfillment, {"tracking_company": "DHL"}, "tracking_company"),
    ],
    ids=lambda value: value.__name__ if callable(value) else "",
)
def test_every_factory_takes_the_values_own_field_names(
    build: Callable[..., Any], keywords: dict[str, Any], read: str
) -> None:
    assert getattr(build(**keywords), read) == keywords[read]


def test_a_misspelt_field_fails_loudly() -> None:
    with pytest.raises(TypeError, match="postcode"):
        make_address(postcode="94043")


def test_an_order_in_another_currency_prices_its_default_line_in_it() -> None:
    order = make_order(currency="EUR")
    assert order.line_items[0].unit_price == Money("19.99", "EUR")


def test_extra_catalogue_entries_join_the_defaults_and_entries_replace_them() -> None:
    mug = CatalogEntry("MUG-WHT-11", [SkuSource("sup-yw-02", "YW-MUG-11W")])
    assert [e.sku for e in make_catalog(mug)] == ["CASE-IP15-BLK", "TEE-RED-M", "MUG-WHT-11"]
    assert [e.sku for e in make_catalog(entries=[mug])] == ["MUG-WHT-11"]


def test_the_default_supplier_works_in_shanghai_time() -> None:
    calendar = BusinessCalendar.of(make_supplier())
    assert calendar.timezone == "Asia/Shanghai"
    # PLACED_AT is 23:14 on a Monday in Shenzhen, after the cut-off: work starts on Tuesday.
    assert calendar.next_business_moment(PLACED_AT).in_tz("Asia/Shanghai").day == 24


def test_the_default_policy_is_the_librarys_default() -> None:
    assert make_policy().service_strategy is ServiceStrategy.FASTEST


def test_the_default_work_is_new_pending_work_on_the_default_order() -> None:
    fo = make_fulfillment_order()
    assert (fo.status, fo.request_status, fo.version) == (
        WorkStatus.PENDING,
        RequestStatus.UNSUBMITTED,
        1,
    )
    assert fo.order_id == make_order().id
    assert fo.history[0].at == PLACED_AT


def test_the_default_values_tell_one_story() -> None:
    order, catalog, supplier = make_order(), make_catalog(), make_supplier()
    fo, request = make_fulfillment_order(), make_fulfillment_request()
    source = catalog.source_for(order.line_items[0].sku, supplier.id)
    assert source is not None
    assert [line.supplier_sku for line in request.lines] == [source.supplier_sku]
    assert fo.lines[0].supplier_sku == source.supplier_sku
    assert request.fulfillment_order_id == fo.id
    assert make_parcel_request().destination == order.shipping_address
    assert make_storefront_fulfillment().fulfillment_order_id == fo.id


# --------------------------------------------------------------------------- address strategies


@given(addresses())
def test_a_valid_address_passes_the_data_check_from_shenzhen(address: Address) -> None:
    order = make_order(shipping_address=address)
    assert check_order(order, make_catalog(), make_supplier()).holds == ()


@given(addresses())
def test_a_valid_address_passes_the_data_check_before_routing(address: Address) -> None:
    assert check_order(make_order(shipping_address=address), make_catalog()).can_proceed


@given(addresses(valid=False))
def test_an_invalid_address_is_held_for_the_customer_to_correct(address: Address) -> None:
    check = check_order(make_order(shipping_address=address), make_catalog(), make_supplier())
    assert HoldReason.INCORRECT_ADDRESS in check.reasons
    assert all(hold.path.startswith("shipping_address.") for hold in check.holds)


@given(addresses(countries=["jp", "BR"]))
def test_addresses_can_be_drawn_from_chosen_countries(address: Address) -> None:
    assert address.country_code in {"JP", "BR"}


@pytest.mark.parametrize("country", ADDRESS_COUNTRIES)
@settings(max_examples=10)
@given(data=st.data())
def test_each_promised_country_gives_addresses_both_ways(country: str, data: st.DataObject) -> None:
    valid = data.draw(addresses(countries=[country]))
    invalid = data.draw(addresses(valid=False, countries=[country]))
    assert valid.country_code == country
    assert (
        check_order(make_order(shipping_address=valid), make_catalog(), make_supplier()).holds == ()
    )
    held = check_order(make_order(shipping_address=invalid), make_catalog(), make_supplier())
    assert HoldReason.INCORRECT_ADDRESS in held.reasons


def test_addresses_refuse_a_country_they_cannot_draw() -> None:
    with pytest.raises(ValidationError, match="ZZ"):
        addresses(countries=["US", "ZZ"])


# --------------------------------------------------------------------------- order strategies


@given(orders())
def test_a_valid_order_passes_the_whole_data_check(order: Order) -> None:
    assert check_order(order, make_catalog(), make_supplier()).holds == ()
    assert check_order(order, make_catalog()).holds == ()


@given(orders(valid=False))
def test_an_invalid_order_is_held(order: Order) -> None:
    assert not check_order(order, make_catalog(), make_supplier()).can_proceed


@given(orders(catalog=make_catalog(entries=[CatalogEntry("MUG", [SkuSource("sup-x", "X-1")])])))
def test_orders_take_their_skus_from_the_catalogue_given(order: Order) -> None:
    assert {line.sku for line in order.line_items} == {"MUG"}


def test_orders_refuse_an_empty_catalogue() -> None:
    with pytest.raises(ValidationError, match="catalog"):
        orders(catalog=make_catalog(entries=[]))


# --------------------------------------------------------------------------- tracking strategies


def _carrier_order(events: list[TrackingEvent]) -> list[TrackingEvent]:
    return sorted(set(events), key=TrackingEvent.sort_key)


@given(labelled_histories)
def test_every_scan_follows_the_label_and_the_first_is_the_pickup(
    labelled: tuple[pendulum.DateTime, list[TrackingEvent]],
) -> None:
    label_created_at, events = labelled
    assert all(event.occurred_at > label_created_at for event in events)
    assert _carrier_order(events)[0].status is TrackingStatus.PICKED_UP


@given(labelled_histories)
def test_a_history_reports_at_most_one_fate_and_no_unmapped_codes(
    labelled: tuple[pendulum.DateTime, list[TrackingEvent]],
) -> None:
    _, events = labelled
    fates = {event.status for event in events} & TERMINAL_TRACKING_STATUSES
    assert len(fates) <= 1
    assert TrackingStatus.UNKNOWN not in {event.status for event in events}


@given(labelled_histories)
def test_a_history_reduces_cleanly_whatever_order_it_arrived_in(
    labelled: tuple[pendulum.DateTime, list[TrackingEvent]],
) -> None:
    label_created_at, events = labelled
    arrived = reduce_tracking(label_created_at, events)
    in_order = reduce_tracking(label_created_at, _carrier_order(events))
    assert arrived == in_order
    assert all(noted.applied for noted in arrived.history)


@pytest.mark.parametrize(
    ("messiness", "condition"),
    [
        ("repeated", lambda events: len(events) != len(set(events))),
        ("out of order", lambda events: events != sorted(events, key=TrackingEvent.sort_key)),
        ("returned", lambda events: events[-1].status is TrackingStatus.RETURNED_TO_SENDER),
        ("customs", lambda events: any(e.incident == "customs" for e in events)),
    ],
)
def test_histories_include_the_messy_and_the_eventful(
    messiness: str, condition: Callable[[list[TrackingEvent]], bool]
) -> None:
    found = find(
        tracking_histories(PLACED_AT),
        condition,
        settings=settings(database=None, derandomize=True, max_examples=500),
    )
    assert condition(found), messiness


def test_tracking_histories_refuse_a_naive_label_time() -> None:
    with pytest.raises(ValidationError, match="timezone-aware"):
        tracking_histories(dt.datetime(2026, 3, 2, 9))
