"""The in-memory fakes behave like the adapters they stand in for, and keep plain data."""

from __future__ import annotations

import asyncio
import copy
import datetime as dt
from collections.abc import Callable, Coroutine
from typing import Any

import attrs
import pendulum
import pytest

from fulfillment_core import (
    Audience,
    CarrierQuote,
    Channel,
    Discontinued,
    Hold,
    InWarehouse,
    LineQuantity,
    Money,
    Notification,
    NotificationKind,
    OutOfStock,
    TrackingStatus,
    ValidationError,
    ports,
    reduce_tracking,
)
from fulfillment_core.calendar import BusinessCalendar
from fulfillment_core.exceptions import (
    AdapterError,
    ConcurrencyError,
    NotFoundError,
    PermanentAdapterError,
    RetryableAdapterError,
)
from fulfillment_core.ports import RequestLine
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
    ServiceOffer,
    make_address,
    make_fulfillment_order,
    make_fulfillment_request,
    make_order,
    make_parcel_request,
    make_storefront_fulfillment,
    make_supplier,
)
from fulfillment_core.tracking import is_customs_hold

START = pendulum.datetime(2026, 3, 2, 1, 0, tz="UTC")  # Monday 09:00 in Shenzhen


def run(coroutine: Coroutine[Any, Any, Any]) -> Any:
    return asyncio.run(coroutine)


def timeout(port: str, operation: str) -> RetryableAdapterError:
    return RetryableAdapterError(port, operation, "timed out after 30 s")


def shipped_notification(at: pendulum.DateTime = START) -> Notification:
    return Notification(
        Audience.CUSTOMER,
        NotificationKind.SHIPPED,
        Channel.EMAIL,
        "5912338890017",
        "fo-5912338890017-1",
        at,
        (("tracking_numbers", "YT000000001"),),
    )


def address_hold() -> Hold:
    return Hold(
        "incorrect_address",
        "shipping_address.postal_code",
        "customer",
        "the postal code is missing; ask for it",
    )


# --------------------------------------------------------------------------- clock


def test_the_clock_tells_the_start_in_utc() -> None:
    clock = FakeClock(pendulum.datetime(2026, 3, 2, 9, tz="Asia/Shanghai"))
    assert clock.now() == START
    assert clock.now().timezone_name == "UTC"


def test_advance_moves_the_clock_forward_by_a_duration() -> None:
    clock = FakeClock(START)
    assert clock.advance(days=1, hours=2, milliseconds=500) == START.add(
        days=1, hours=2, microseconds=500_000
    )
    assert clock.now() == START.add(days=1, hours=2, microseconds=500_000)


def test_advance_business_days_lands_on_the_suppliers_next_business_moment() -> None:
    calendar = BusinessCalendar.of(make_supplier())
    clock = FakeClock(pendulum.datetime(2026, 3, 6, 17, tz="Asia/Shanghai"))  # Friday, late
    moved = clock.advance_business_days(2, calendar)
    assert moved.in_tz("Asia/Shanghai").isoformat() == "2026-03-11T00:00:00+08:00"
    assert clock.now() == moved


def test_set_moves_the_clock_to_an_aware_instant() -> None:
    clock = FakeClock(START)
    later = dt.datetime(2026, 3, 3, 12, tzinfo=dt.UTC)
    assert clock.set(later) == later
    assert isinstance(clock.now(), pendulum.DateTime)


def test_the_clock_refuses_a_naive_start() -> None:
    with pytest.raises(ValidationError, match="timezone-aware") as error:
        FakeClock(dt.datetime(2026, 3, 2, 9))
    assert error.value.paths == ("start",)


def test_the_clock_refuses_a_naive_instant_and_keeps_its_time() -> None:
    clock = FakeClock(START)
    with pytest.raises(ValidationError, match="timezone-aware"):
        clock.set(dt.datetime(2026, 3, 3, 9))
    assert clock.now() == START


@pytest.mark.parametrize(
    "move_back",
    [
        lambda clock: clock.set(START.subtract(seconds=1)),
        lambda clock: clock.advance(hours=-1),
        lambda clock: clock.advance(days=1, hours=-25),
    ],
    ids=["set", "advance", "net-negative"],
)
def test_the_clock_never_goes_back(move_back: Callable[[FakeClock], object]) -> None:
    clock = FakeClock(START)
    with pytest.raises(ValidationError, match="back"):
        move_back(clock)
    assert clock.now() == START


def test_the_async_clock_reads_the_clock_it_shares() -> None:
    clock = FakeClock(START)
    async_clock = AsyncFakeClock(clock)
    clock.advance(hours=3)
    assert run(async_clock.now()) == START.add(hours=3)
    assert isinstance(async_clock, ports.AsyncClock)
    assert isinstance(clock, ports.Clock)


def test_an_async_clock_without_a_clock_starts_its_own() -> None:
    assert run(AsyncFakeClock().now()) == AsyncFakeClock().clock.now()


# --------------------------------------------------------------------------- every port is faked


def test_every_sync_fake_is_its_port() -> None:
    clock = FakeClock(START)
    assert isinstance(FakeStorefront(), ports.Storefront)
    assert isinstance(FakeSupplier(clock), ports.SupplierGateway)
    assert isinstance(FakeCarrier(clock), ports.Carrier)
    assert isinstance(FakeNotifier(), ports.Notifier)
    assert isinstance(InMemoryRepository(), ports.FulfillmentRepository)


def test_every_async_twin_is_its_async_port() -> None:
    clock = FakeClock(START)
    assert isinstance(AsyncFakeStorefront(), ports.AsyncStorefront)
    assert isinstance(AsyncFakeSupplier(FakeSupplier(clock)), ports.AsyncSupplierGateway)
    assert isinstance(AsyncFakeCarrier(FakeCarrier(clock)), ports.AsyncCarrier)
    assert isinstance(AsyncFakeNotifier(), ports.AsyncNotifier)
    assert isinstance(AsyncInMemoryRepository(), ports.AsyncFulfillmentRepository)


# --------------------------------------------------------------------------- scripted failures

# (fake, operation, the call, the fake's plain data): a failed call must leave the data as it was.
Scripted = tuple[Any, str, Callable[[Any], object], Callable[[Any], object]]


def _scripted_cases() -> list[Scripted]:
    clock = FakeClock(START)
    carrier = FakeCarrier(clock)
    parcel = make_parcel_request()
    repo = InMemoryRepository()
    repo.add(make_fulfillment_order())
    asked = FakeSupplier(clock)  # a cancellation is about a request the supplier has
    asked.submit_request(make_fulfillment_request(fulfillment_order_id="fo-1"))
    return [
        (
            FakeStorefront(),
            "push_fulfillment",
            lambda f: f.push_fulfillment(make_storefront_fulfillment()),
            lambda f: (f.fulfillments, f.fulfillment_ids, f.pushes),
        ),
        (
            FakeStorefront(),
            "report_holds",
            lambda f: f.report_holds("o-1", "fo-1", [address_hold()]),
            lambda f: f.holds,
        ),
        (
            FakeStorefront(),
            "report_cancellation",
            lambda f: f.report_cancellation(
                "o-1", "fo-1", [LineQuantity("line-1", 1)], "oos", key="k-1"
            ),
            lambda f: f.cancellations,
        ),
        (
            FakeSupplier(clock),
            "submit_request",
            lambda f: f.submit_request(make_fulfillment_request()),
            lambda f: (f.requests, f.answers),
        ),
        (
            FakeSupplier(clock),
            "stock",
            lambda f: f.stock(["SZ-PC-1501-B"]),
            lambda f: f.stock_table,
        ),
        (
            FakeSupplier(clock),
            "purchase",
            lambda f: f.purchase("fo-1", "SZ-PC-1501-B", 2, reference="r-1"),
            lambda f: f.purchases,
        ),
        (
            asked,
            "request_cancellation",
            lambda f: f.request_cancellation("fo-1", [LineQuantity("line-1", 1)], key="k-1"),
            lambda f: f.cancellation_requests,
        ),
        (carrier, "quote", lambda f: f.quote(parcel), lambda f: f.quote_requests),
        (
            FakeCarrier(clock),
            "buy_label",
            lambda f: f.buy_label(parcel, f.services[0].quote_at(START)),
            lambda f: f.labels,
        ),
        (FakeNotifier(), "send", lambda f: f.send(shipped_notification()), lambda f: f.sent),
        (
            repo,
            "add",
            lambda f: f.add(make_fulfillment_order(id="fo-2")),
            lambda f: (list(f.fulfillment_orders), f.saves),
        ),
        (
            repo,
            "put_order",
            lambda f: f.put_order(make_order()),
            lambda f: f.orders,
        ),
    ]


@pytest.mark.parametrize(
    ("fake", "operation", "call", "data"),
    [pytest.param(*case, id=f"{type(case[0]).__name__}.{case[1]}") for case in _scripted_cases()],
)
def test_a_scripted_failure_is_raised_before_anything_changes(
    fake: Any, operation: str, call: Callable[[Any], object], data: Callable[[Any], object]
) -> None:
    error = timeout(fake.port, operation)
    fake.fail_next(operation, error)
    before = copy.deepcopy(data(fake))
    with pytest.raises(RetryableAdapterError) as raised:
        call(fake)
    assert raised.value is error
    assert data(fake) == before
    call(fake)  # the failure was used up: the retry goes through
    assert fake.calls[-2:] == [operation, operation]


def test_a_failure_scripted_for_several_calls_runs_out_after_them() -> None:
    notifier = FakeNotifier()
    notifier.fail_next("send", timeout("notifier", "send"), times=2)
    for _ in range(2):
        with pytest.raises(RetryableAdapterError):
            notifier.send(shipped_notification())
    notifier.send(shipped_notification())
    assert notifier.calls == ["send", "send", "send"]
    assert len(notifier.sent) == 1


def test_scripted_failures_queue_in_the_order_they_were_scripted() -> None:
    storefront = FakeStorefront()
    first = timeout("storefront", "report_holds")
    second = PermanentAdapterError("storefront", "report_holds", "fulfillment order is closed")
    storefront.fail_next("report_holds", first)
    storefront.fail_next("report_holds", second)
    raised: list[AdapterError] = []
    for _ in range(2):
        with pytest.raises(AdapterError) as error:
            storefront.report_holds("o-1", "fo-1", [])
        raised.append(error.value)
    assert raised == [first, second]


def test_a_failure_for_one_method_leaves_the_others_alone() -> None:
    supplier = FakeSupplier(FakeClock(START))
    supplier.fail_next("purchase", timeout("supplier", "purchase"))
    assert supplier.submit_request(make_fulfillment_request()).accepted
    assert supplier.calls == ["submit_request"]


def test_fail_next_refuses_what_is_not_a_method_of_the_port() -> None:
    carrier = FakeCarrier(FakeClock(START))
    with pytest.raises(ValidationError, match="buy_label") as error:
        carrier.fail_next("buy_lable", timeout("carrier", "buy_label"))
    assert error.value.paths == ("operation",)


def test_fail_next_refuses_zero_times_and_errors_that_are_not_adapter_errors() -> None:
    notifier = FakeNotifier()
    with pytest.raises(ValidationError) as error:
        notifier.fail_next("send", RuntimeError("boom"), times=0)  # type: ignore[arg-type]
    assert error.value.paths == ("error", "times")


# --------------------------------------------------------------------------- storefront


def test_the_storefront_gives_each_parcel_its_own_fulfillment_id() -> None:
    storefront = FakeStorefront()
    first = storefront.push_fulfillment(make_storefront_fulfillment(shipment_id="shp-1"))
    second = storefront.push_fulfillment(make_storefront_fulfillment(shipment_id="shp-2"))
    assert (first, second) == (
        "gid://shopify/Fulfillment/1000001",
        "gid://shopify/Fulfillment/1000002",
    )
    assert storefront.fulfillment_ids == {"shp-1": first, "shp-2": second}


def test_pushing_a_parcel_again_returns_its_first_fulfillment_and_changes_none() -> None:
    storefront = FakeStorefront()
    original = make_storefront_fulfillment()
    first = storefront.push_fulfillment(original)
    again = storefront.push_fulfillment(make_storefront_fulfillment(notify_customer=False))
    assert again == first
    assert storefront.fulfillments == {original.shipment_id: original}
    assert len(storefront.pushes) == 2


def test_reported_holds_replace_the_last_report_and_none_means_released() -> None:
    storefront = FakeStorefront()
    storefront.report_holds("5912338890017", "fo-1", [address_hold()])
    assert storefront.holds == {"fo-1": (address_hold(),)}
    storefront.report_holds("5912338890017", "fo-1", [])
    assert storefront.holds == {"fo-1": ()}


def test_the_storefront_records_each_cancellation_report() -> None:
    storefront = FakeStorefront()
    for _ in range(2):  # the second is a retry under the same key
        storefront.report_cancellation(
            "5912338890017",
            "fo-1",
            [LineQuantity("line-1", 2)],
            "discontinued by the supplier",
            key="fo-1/e3-report_cancellation",
        )
    assert storefront.cancellations == [
        ("5912338890017", "fo-1", (LineQuantity("line-1", 2),), "discontinued by the supplier")
    ]


def test_the_storefront_refuses_what_is_not_a_fulfillment() -> None:
    with pytest.raises(ValidationError, match="StorefrontFulfillment"):
        FakeStorefront().push_fulfillment({"shipment_id": "shp-1"})  # type: ignore[arg-type]


def test_the_async_storefront_shares_the_fakes_data() -> None:
    storefront = AsyncFakeStorefront()

    async def scenario() -> str:
        pushed = await storefront.push_fulfillment(make_storefront_fulfillment())
        await storefront.report_holds("5912338890017", "fo-1", [address_hold()])
        await storefront.report_cancellation(
            "5912338890017",
            "fo-1",
            [LineQuantity("line-1", 1)],
            "customer changed their mind",
            key="k-1",
        )
        return pushed

    assert run(scenario()) == storefront.fake.fulfillment_ids["shp-5912338890017-1"]
    assert storefront.fake.calls == ["push_fulfillment", "report_holds", "report_cancellation"]
    assert len(storefront.fake.cancellations) == 1


# --------------------------------------------------------------------------- supplier


def test_a_sku_the_supplier_never_heard_of_is_discontinued_as_of_now() -> None:
    clock = FakeClock(START)
    supplier = FakeSupplier(clock)
    clock.advance(hours=1)
    assert supplier.stock(["SZ-UNKNOWN"]) == {
        "SZ-UNKNOWN": Discontinued("SZ-UNKNOWN", as_of=START.add(hours=1))
    }


def test_the_supplier_answers_every_sku_asked_with_what_was_set() -> None:
    clock = FakeClock(START)
    supplier = FakeSupplier(clock)
    case = InWarehouse("SZ-PC-1501-B", as_of=START, quantity=40)
    tee = OutOfStock("SZ-88121-R-M", as_of=START, restock_eta=START.add(days=6))
    supplier.set_stock("SZ-PC-1501-B", case)
    supplier.set_stock("SZ-88121-R-M", tee)
    answer = supplier.stock(["SZ-88121-R-M", "SZ-PC-1501-B"])
    assert answer == {"SZ-88121-R-M": tee, "SZ-PC-1501-B": case}
    assert supplier.stock_table == {"SZ-PC-1501-B": case, "SZ-88121-R-M": tee}


def test_set_stock_refuses_an_answer_about_another_sku() -> None:
    supplier = FakeSupplier(FakeClock(START))
    with pytest.raises(ValidationError, match="SZ-OTHER") as error:
        supplier.set_stock("SZ-PC-1501-B", InWarehouse("SZ-OTHER", as_of=START, quantity=1))
    assert error.value.paths == ("status.sku",)
    assert supplier.stock_table == {}


def test_stock_refuses_a_bare_sku_that_would_be_read_letter_by_letter() -> None:
    with pytest.raises(ValidationError, match="list"):
        FakeSupplier(FakeClock(START)).stock("SZ-PC-1501-B")


def test_the_supplier_accepts_a_request_by_default_and_records_it() -> None:
    supplier = FakeSupplier(FakeClock(START))
    request = make_fulfillment_request()
    assert supplier.submit_request(request) == ports.SupplierAnswer(True)
    assert supplier.requests == [request]
    assert supplier.answers == {request.fulfillment_order_id: ports.SupplierAnswer(True)}


def test_a_request_with_a_rejected_sku_is_rejected_with_the_reason() -> None:
    supplier = FakeSupplier(FakeClock(START))
    supplier.reject_sku("SZ-88121-R-M", "mould broken, no more production")
    request = make_fulfillment_request(
        lines=[RequestLine("line-1", "SZ-PC-1501-B", 1), RequestLine("line-2", "SZ-88121-R-M", 2)]
    )
    assert supplier.submit_request(request) == ports.SupplierAnswer(
        False, "mould broken, no more production"
    )


def test_submitting_the_same_work_twice_returns_the_first_answer_and_records_it_once() -> None:
    supplier = FakeSupplier(FakeClock(START))
    first = supplier.submit_request(make_fulfillment_request())
    supplier.reject_sku("SZ-PC-1501-B", "out of production")
    again = supplier.submit_request(make_fulfillment_request())
    assert again == first
    assert len(supplier.requests) == 1
    assert supplier.calls == ["submit_request", "submit_request"]


def test_each_purchase_gets_the_next_id_and_is_ready_after_the_factory_lead_time() -> None:
    clock = FakeClock(START)
    supplier = FakeSupplier(clock, factory_lead_hours=36)
    first = supplier.purchase("fo-1", "SZ-PC-1501-B", 3, reference="r-1")
    clock.advance(hours=2)
    second = supplier.purchase("fo-1", "SZ-PC-1501-B", 3, reference="r-2")
    assert first == ports.PurchaseConfirmation("PO-000001", START.add(hours=36))
    assert second == ports.PurchaseConfirmation("PO-000002", START.add(hours=38))
    assert supplier.purchases == [
        ("fo-1", "SZ-PC-1501-B", 3, first),
        ("fo-1", "SZ-PC-1501-B", 3, second),
    ]


def test_a_purchase_retried_with_its_reference_buys_nothing_more() -> None:
    supplier = FakeSupplier(FakeClock(START))
    first = supplier.purchase("fo-1", "SZ-PC-1501-B", 3, reference="fo-1/e4-purchase")
    again = supplier.purchase("fo-1", "SZ-PC-1501-B", 3, reference="fo-1/e4-purchase")
    assert again == first
    assert len(supplier.purchases) == 1


def test_a_notification_sent_again_under_its_key_is_delivered_once() -> None:
    notifier = FakeNotifier()
    keyed = attrs.evolve(shipped_notification(), key="fo-1/e7-notify")
    notifier.send(keyed)
    notifier.send(keyed)
    assert notifier.sent == [keyed]
    assert notifier.calls == ["send", "send"]


def test_a_purchase_of_no_units_is_refused() -> None:
    supplier = FakeSupplier(FakeClock(START))
    with pytest.raises(ValidationError, match="at least 1"):
        supplier.purchase("fo-1", "SZ-PC-1501-B", 0, reference="r-1")
    assert supplier.purchases == []


def test_the_supplier_cancels_work_that_has_not_shipped() -> None:
    supplier = FakeSupplier(FakeClock(START))
    supplier.submit_request(make_fulfillment_request(fulfillment_order_id="fo-1"))
    answer = supplier.request_cancellation("fo-1", [LineQuantity("line-1", 1)], key="k-1")
    again = supplier.request_cancellation("fo-1", [LineQuantity("line-1", 1)], key="k-1")
    assert answer == again == ports.CancellationAnswer(True)
    assert supplier.cancellation_requests == [("fo-1", (LineQuantity("line-1", 1),))]


def test_the_supplier_refuses_to_cancel_work_that_already_shipped() -> None:
    supplier = FakeSupplier(FakeClock(START))
    for fo_id in ("fo-1", "fo-2"):
        supplier.submit_request(make_fulfillment_request(fulfillment_order_id=fo_id))
    supplier.mark_shipped("fo-1")
    answer = supplier.request_cancellation("fo-1", [LineQuantity("line-1", 1)], key="k-1")
    assert answer == ports.CancellationAnswer(False, "already shipped")
    assert supplier.request_cancellation("fo-2", [LineQuantity("line-1", 1)], key="k-2").accepted


def test_the_supplier_does_not_know_a_request_it_never_got() -> None:
    supplier = FakeSupplier(FakeClock(START))
    with pytest.raises(NotFoundError, match="fo-9"):
        supplier.request_cancellation("fo-9", [LineQuantity("line-1", 1)], key="k-1")
    assert supplier.cancellation_requests == []


def test_the_async_supplier_shares_the_fakes_data() -> None:
    clock = FakeClock(START)
    supplier = AsyncFakeSupplier(FakeSupplier(clock))

    async def scenario() -> None:
        request = make_fulfillment_request(fulfillment_order_id="fo-1")
        assert (await supplier.submit_request(request)).accepted
        assert (await supplier.stock(["SZ-X"]))["SZ-X"] == Discontinued("SZ-X", as_of=START)
        await supplier.purchase("fo-1", "SZ-PC-1501-B", 1, reference="r-1")
        await supplier.request_cancellation("fo-1", [LineQuantity("line-1", 1)], key="k-1")

    run(scenario())
    assert supplier.fake.calls == ["submit_request", "stock", "purchase", "request_cancellation"]
    assert len(supplier.fake.purchases) == 1


# --------------------------------------------------------------------------- carrier


def test_the_carrier_quotes_each_service_with_delivery_at_its_slowest() -> None:
    clock = FakeClock(START)
    carrier = FakeCarrier(clock)
    quotes = carrier.quote(make_parcel_request())
    assert [(q.carrier, q.service) for q in quotes] == [
        ("YunExpress", "Global Direct"),
        ("DHL", "Express Worldwide"),
        ("China Post", "Small Packet"),
    ]
    assert [q.estimated_delivery for q in quotes] == [
        START.add(days=12),
        START.add(days=4),
        START.add(days=30),
    ]
    assert carrier.quote_requests == [make_parcel_request()]


def test_quotes_follow_the_clock_and_the_services_a_test_puts_in() -> None:
    clock = FakeClock(START)
    carrier = FakeCarrier(clock)
    first = carrier.quote(make_parcel_request())
    assert carrier.quote(make_parcel_request()) == first
    clock.advance(days=1)
    assert [q.estimated_delivery for q in carrier.quote(make_parcel_request())] == [
        q.estimated_delivery.add(days=1) for q in first
    ]
    carrier.services = carrier.services[1:]  # a test replaces the services
    assert [q.service for q in carrier.quote(make_parcel_request())] == [
        "Express Worldwide",
        "Small Packet",
    ]
    offers = list(carrier.services)
    carrier.services = offers  # type: ignore[assignment]  # a list, then changed in place
    assert len(carrier.quote(make_parcel_request())) == 2
    del offers[0]
    assert [q.service for q in carrier.quote(make_parcel_request())] == ["Small Packet"]


def test_a_service_limited_to_some_countries_is_not_quoted_elsewhere() -> None:
    eu_only = ServiceOffer(
        "PostNL", "Packet Tracked", Money("5.20", "USD"), (6, 10), destinations={"DE", "FR"}
    )
    carrier = FakeCarrier(FakeClock(START), [eu_only])
    assert carrier.quote(make_parcel_request()) == ()
    to_berlin = make_parcel_request(
        destination=make_address(
            city="Berlin", province=None, postal_code="10115", country_code="DE"
        )
    )
    assert len(carrier.quote(to_berlin)) == 1


def test_labels_are_numbered_per_carrier_prefix() -> None:
    carrier = FakeCarrier(FakeClock(START))
    yun, dhl, _ = carrier.services
    numbers = [
        carrier.buy_label(
            make_parcel_request(shipment_id=sid), offer.quote_at(START)
        ).tracking_number
        for sid, offer in (("shp-1", yun), ("shp-2", dhl), ("shp-3", yun))
    ]
    assert numbers == ["YT000000001", "JD000000001", "YT000000002"]


def test_a_label_carries_the_service_the_time_and_a_tracking_url() -> None:
    clock = FakeClock(START)
    carrier = FakeCarrier(clock)
    clock.advance(minutes=5)
    label = carrier.buy_label(make_parcel_request(), carrier.services[0].quote_at(START))
    assert label == ports.Label(
        "YunExpress",
        "Global Direct",
        "YT000000001",
        START.add(minutes=5),
        tracking_url="https://t.17track.net/en#nums=YT000000001",
    )
    assert carrier.labels == {"shp-5912338890017-1": label}


def test_buying_for_the_same_shipment_again_returns_the_same_label() -> None:
    carrier = FakeCarrier(FakeClock(START))
    parcel = make_parcel_request()
    first = carrier.buy_label(parcel, carrier.services[0].quote_at(START))
    again = carrier.buy_label(parcel, carrier.services[1].quote_at(START))
    assert again == first
    assert len(carrier.labels) == 1


def test_a_quote_the_carrier_never_gave_is_refused_and_buys_nothing() -> None:
    carrier = FakeCarrier(FakeClock(START))
    quote = carrier.services[0].quote_at(START)
    cheaper = CarrierQuote(
        quote.carrier, quote.service, Money("0.99", "USD"), quote.transit, quote.tracked
    )
    with pytest.raises(PermanentAdapterError, match="not a service on offer") as error:
        carrier.buy_label(make_parcel_request(), cheaper)
    assert (error.value.port, error.value.operation) == ("carrier", "buy_label")
    assert carrier.labels == {}


def test_voiding_a_label_records_it_once_and_frees_the_shipment_for_a_new_label() -> None:
    carrier = FakeCarrier(FakeClock(START))
    parcel = make_parcel_request()
    first = carrier.buy_label(parcel, carrier.services[0].quote_at(START))
    carrier.void_label(first.tracking_number)
    carrier.void_label(first.tracking_number)  # a retried void changes nothing
    second = carrier.buy_label(parcel, carrier.services[0].quote_at(START))
    assert carrier.voided == ["YT000000001"]
    assert second.tracking_number == "YT000000002"
    assert carrier.labels == {parcel.shipment_id: second}


def test_voiding_a_label_the_carrier_never_sold_is_refused() -> None:
    carrier = FakeCarrier(FakeClock(START))
    with pytest.raises(PermanentAdapterError, match="YT999"):
        carrier.void_label("YT999")
    assert carrier.voided == []


def test_a_carrier_refuses_the_same_service_offered_twice() -> None:
    offer = ServiceOffer("YunExpress", "Global Direct", Money("6.40", "USD"), (8, 12))
    with pytest.raises(ValidationError, match="offered twice"):
        FakeCarrier(FakeClock(START), [offer, offer])


def test_a_service_offer_validates_its_fields() -> None:
    with pytest.raises(ValidationError) as error:
        ServiceOffer("", "Express", Money("-1.00", "USD"), (5, 2), tracking_prefix="Y-T")
    assert error.value.paths == ("carrier", "price", "transit.max_days", "tracking_prefix")


def test_without_a_prefix_a_service_numbers_its_labels_after_the_carrier() -> None:
    assert ServiceOffer("4PX", "Global Express", Money("9.00", "USD"), (6, 9)).prefix == "4P"


def _bought_label() -> tuple[FakeCarrier, ports.Label]:
    carrier = FakeCarrier(FakeClock(START))
    return carrier, carrier.buy_label(make_parcel_request(), carrier.services[0].quote_at(START))


def test_a_plain_journey_is_picked_up_carried_and_delivered_cleanly() -> None:
    carrier, label = _bought_label()
    events = carrier.journey(label)
    assert [e.status.value for e in events] == [
        "picked_up",
        "in_transit",
        "in_transit",
        "out_for_delivery",
        "delivered",
    ]
    state = reduce_tracking(label.created_at, events)
    assert state.status is TrackingStatus.DELIVERED
    assert state.anomalies == ()
    assert events[-1].location == "Mountain View, US"
    assert state.delivered_at() == label.created_at.add(days=10, hours=6)  # halfway in 8-12


def test_a_customs_hold_is_reported_and_costs_two_days() -> None:
    carrier, label = _bought_label()
    events = carrier.journey(label, customs_hold=True)
    held = [e for e in events if e.status is TrackingStatus.ON_HOLD]
    assert [e.incident for e in held] == ["customs"]
    up_to_hold = [e for e in events if e.occurred_at <= held[0].occurred_at]
    assert is_customs_hold(reduce_tracking(label.created_at, up_to_hold))
    delivered = reduce_tracking(label.created_at, events).delivered_at()
    assert delivered == label.created_at.add(days=12, hours=6)


def test_a_delay_is_reported_and_pushes_delivery_back() -> None:
    carrier, label = _bought_label()
    events = carrier.journey(label, delay_days=3)
    assert [e.incident for e in events if e.status is TrackingStatus.DELAYED] == ["weather"]
    delivered = reduce_tracking(label.created_at, events).delivered_at()
    assert delivered == label.created_at.add(days=13, hours=6)


def test_a_lost_parcel_is_declared_lost_and_never_delivered() -> None:
    carrier, label = _bought_label()
    events = carrier.journey(label, customs_hold=True, lost=True)
    statuses = [e.status for e in events]
    assert statuses[-1] is TrackingStatus.LOST
    assert TrackingStatus.DELIVERED not in statuses
    assert reduce_tracking(label.created_at, events).status is TrackingStatus.LOST


def test_a_journey_refuses_a_negative_delay() -> None:
    carrier, label = _bought_label()
    with pytest.raises(ValidationError, match="delay_days"):
        carrier.journey(label, delay_days=-1)


def test_the_async_carrier_shares_the_fakes_data() -> None:
    carrier = AsyncFakeCarrier(FakeCarrier(FakeClock(START)))

    async def scenario() -> ports.Label:
        quotes = await carrier.quote(make_parcel_request())
        label = await carrier.buy_label(make_parcel_request(), quotes[0])
        await carrier.void_label(label.tracking_number)
        return label

    label = run(scenario())
    assert carrier.fake.voided == [label.tracking_number]
    assert carrier.fake.calls == ["quote", "buy_label", "void_label"]


# --------------------------------------------------------------------------- notifier


def test_the_notifier_keeps_what_it_sent_and_lists_kinds_per_audience() -> None:
    notifier = FakeNotifier()
    shipped = shipped_notification()
    backordered = Notification(
        Audience.MERCHANT, NotificationKind.BACKORDERED, Channel.IN_APP, "o-1", "fo-1", START
    )
    notifier.send(shipped)
    notifier.send(backordered)
    assert notifier.sent == [shipped, backordered]
    assert notifier.kinds() == [NotificationKind.SHIPPED, NotificationKind.BACKORDERED]
    assert notifier.kinds(Audience.MERCHANT) == [NotificationKind.BACKORDERED]


def test_the_async_notifier_shares_the_fakes_data() -> None:
    notifier = AsyncFakeNotifier()
    run(notifier.send(shipped_notification()))
    assert notifier.fake.kinds(Audience.CUSTOMER) == [NotificationKind.SHIPPED]


# --------------------------------------------------------------------------- repository


def test_getting_work_that_was_never_added_is_not_found() -> None:
    with pytest.raises(NotFoundError, match="fo-404") as error:
        InMemoryRepository().get("fo-404")
    assert (error.value.kind, error.value.key) == ("fulfillment order", "fo-404")


def test_each_get_hands_out_an_independent_copy() -> None:
    repo = InMemoryRepository()
    repo.add(make_fulfillment_order())
    mine = repo.get("fo-5912338890017-1")
    theirs = repo.get("fo-5912338890017-1")
    mine.submit(at=START)
    assert mine.version == 2
    assert theirs.version == 1
    assert repo.get("fo-5912338890017-1").version == 1


def test_changes_after_adding_do_not_reach_the_stored_work() -> None:
    repo = InMemoryRepository()
    fo = make_fulfillment_order()
    repo.add(fo)
    fo.submit(at=START)
    assert repo.fulfillment_orders[fo.id].version == 1


def test_adding_work_whose_id_is_taken_is_a_concurrency_error() -> None:
    repo = InMemoryRepository()
    repo.add(make_fulfillment_order())
    with pytest.raises(ConcurrencyError) as error:
        repo.add(make_fulfillment_order())
    assert (error.value.expected, error.value.actual) == (0, 1)


def test_saving_with_the_stored_version_keeps_a_copy_and_counts_the_save() -> None:
    repo = InMemoryRepository()
    repo.add(make_fulfillment_order())
    fo = repo.get("fo-5912338890017-1")
    fo.submit(at=START)
    repo.save(fo, expected_version=1)
    fo.accept(at=START)  # not saved
    assert repo.get(fo.id).version == 2
    assert repo.saves == 1


def test_a_stale_save_is_refused_and_changes_nothing() -> None:
    repo = InMemoryRepository()
    repo.add(make_fulfillment_order())
    first, second = repo.get("fo-5912338890017-1"), repo.get("fo-5912338890017-1")
    first.submit(at=START)
    repo.save(first, expected_version=1)
    second.cancel(at=START)
    with pytest.raises(ConcurrencyError) as error:
        repo.save(second, expected_version=1)
    assert (error.value.expected, error.value.actual) == (1, 2)
    assert repo.get(first.id) == first
    assert repo.saves == 1


def test_saving_work_that_was_never_added_is_a_concurrency_error() -> None:
    with pytest.raises(ConcurrencyError, match="nothing stored") as error:
        InMemoryRepository().save(make_fulfillment_order(), expected_version=0)
    assert error.value.actual is None


def test_work_is_listed_in_the_order_it_was_added() -> None:
    repo = InMemoryRepository()
    for fo_id, order_id in (("fo-b", "o-1"), ("fo-a", "o-2"), ("fo-c", "o-1")):
        repo.add(make_fulfillment_order(id=fo_id, order_id=order_id))
    assert repo.ids() == ("fo-b", "fo-a", "fo-c")
    assert [fo.id for fo in repo.for_order("o-1")] == ["fo-b", "fo-c"]
    assert repo.for_order("o-404") == ()
    fo_b = repo.get("fo-b")
    fo_b.submit(at=fo_b.history[0].at)
    repo.save(fo_b, expected_version=1)  # a save lists the work once still, with its changes
    assert [(fo.id, fo.version) for fo in repo.for_order("o-1")] == [("fo-b", 2), ("fo-c", 1)]
    del repo.fulfillment_orders["fo-c"]  # a test may take stored work away
    assert [fo.id for fo in repo.for_order("o-1")] == ["fo-b"]


def test_the_repository_keeps_the_latest_version_of_each_order() -> None:
    repo = InMemoryRepository()
    repo.put_order(make_order())
    repo.put_order(make_order(note="leave at the door"))
    assert repo.get_order("5912338890017").note == "leave at the door"
    with pytest.raises(NotFoundError, match="no order '404'"):
        repo.get_order("404")


def test_the_async_repository_shares_the_repositorys_data() -> None:
    repo = AsyncInMemoryRepository()

    async def scenario() -> None:
        await repo.add(make_fulfillment_order())
        fo = await repo.get("fo-5912338890017-1")
        fo.submit(at=START)
        await repo.save(fo, 1)
        await repo.put_order(make_order())
        assert (await repo.get_order("5912338890017")).reference == "#1001"
        assert [f.version for f in await repo.for_order("5912338890017")] == [2]
        assert await repo.ids() == ("fo-5912338890017-1",)

    run(scenario())
    assert repo.repo.saves == 1
