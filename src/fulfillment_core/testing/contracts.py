"""Contract tests: the promises of every port, as pytest classes an adapter's tests subclass.

Each port in :mod:`fulfillment_core.ports` states what an implementation must do (pushing the
same shipment twice records one fulfillment, a stale save is refused, the clock never goes
backwards...). The classes here check those promises. Subclass one in a test module, give it a
fixture with your adapter, and pytest runs every check against it::

    import pytest

    from fulfillment_core.testing.contracts import StorefrontContract


    class TestShopifyStorefront(StorefrontContract):
        @pytest.fixture
        def storefront(self, shopify_sandbox):
            return ShopifyStorefront(shopify_sandbox)

The library's own fakes (:mod:`fulfillment_core.testing.fakes`) pass the same classes, so the
fakes your other tests use and the adapter you ship are held to the same promises.

The classes are named without pytest's ``Test`` prefix, so they are never collected on their
own: only a ``Test...`` subclass runs them. Each class docstring lists the fixtures a subclass
**must** provide and those it **may** provide: scenario data, with a default from
:mod:`~fulfillment_core.testing.factories` where one can be guessed, and *observation hooks*
that read back what the adapter did where the port itself cannot say. A check whose fixture
has no default is skipped, naming the fixture to add, until the subclass provides it (so
``pytest -rs`` lists what is left unproven). Fixtures are function-scoped, so every check gets
a fresh adapter; against a stateful sandbox, give each test fresh ids too.

The ``Async...`` twins run the same checks against the ``Async...`` ports. Their subclass
provides ``async_storefront`` (and so on) instead of ``storefront``, and every call runs to
completion on one event loop per test (an :class:`asyncio.Runner`, what :func:`asyncio.run`
uses), so no pytest-asyncio is needed. A fixture that must build the adapter on that loop (an
HTTP session, a connection pool) asks for the ``asyncio_runner`` fixture and runs its set-up
with ``asyncio_runner.run(...)``.
"""

from __future__ import annotations

import asyncio
import inspect
import itertools
from collections.abc import Callable, Iterator, Sequence
from typing import Any, ClassVar, cast

import attrs
import pendulum
import pytest

from fulfillment_core.exceptions import ConcurrencyError, NotFoundError, PermanentAdapterError
from fulfillment_core.fulfillment import FulfillmentOrder
from fulfillment_core.holds import Actor, Hold, HoldReason
from fulfillment_core.money import Money
from fulfillment_core.notifications import Notification
from fulfillment_core.order import Order
from fulfillment_core.outbox import Effect
from fulfillment_core.policy import Channel, NotificationKind
from fulfillment_core.ports import (
    AsyncCarrier,
    AsyncClock,
    AsyncFulfillmentRepository,
    AsyncNotifier,
    AsyncStorefront,
    AsyncSupplierGateway,
    CancellationAnswer,
    Carrier,
    Clock,
    FulfillmentRepository,
    FulfillmentRequest,
    Label,
    Notifier,
    ParcelRequest,
    PurchaseConfirmation,
    RequestLine,
    Storefront,
    StorefrontFulfillment,
    SupplierAnswer,
    SupplierGateway,
)
from fulfillment_core.shipment import LineQuantity
from fulfillment_core.shipping import CarrierQuote
from fulfillment_core.stock import StockStatus
from fulfillment_core.testing.factories import (
    PLACED_AT,
    make_fulfillment_order,
    make_fulfillment_request,
    make_order,
    make_storefront_fulfillment,
)

__all__ = [
    "AsyncCarrierContract",
    "AsyncClockContract",
    "AsyncFulfillmentRepositoryContract",
    "AsyncNotifierContract",
    "AsyncStorefrontContract",
    "AsyncSupplierGatewayContract",
    "CarrierContract",
    "ClockContract",
    "FulfillmentRepositoryContract",
    "HoldsReader",
    "NotificationsReader",
    "NotifierContract",
    "StorefrontContract",
    "SupplierGatewayContract",
]

#: An observation hook: the holds a storefront shows now on ``(order_id, fulfillment_order_id)``.
HoldsReader = Callable[[str, str], Sequence[Hold]]
#: An observation hook: every notification a notifier has delivered so far, oldest first.
NotificationsReader = Callable[[], Sequence[Notification]]


def _hold(reason: HoldReason, path: str, message: str) -> Hold:
    return Hold(reason, path, Actor.CUSTOMER, message)


_MISSING_ZIP = _hold(HoldReason.INCORRECT_ADDRESS, "shipping_address.postal_code", "it is missing")
_BAD_EMAIL = _hold(HoldReason.INVALID_CONTACT_INFO, "contact.email", "it is not an email address")


def _returned(method: Callable[..., object], *args: object, **kwargs: object) -> object:
    """What ``method`` returned (a port method typed ``-> None`` must indeed return nothing)."""
    return method(*args, **kwargs)


def _port_mismatches(request: pytest.FixtureRequest, fixture: str, port: type) -> list[str]:
    """What keeps the adapter in ``fixture`` from implementing ``port``: each method it lacks,
    or has as a plain function where the port's is ``async`` (or the other way round)."""
    adapter = request.getfixturevalue(fixture)
    mismatches: list[str] = []
    for name, member in vars(port).items():
        if name.startswith("_") or not callable(member):
            continue
        method = getattr(adapter, name, None)
        if method is None:
            mismatches.append(f"{name}: missing")
        elif inspect.iscoroutinefunction(member) != inspect.iscoroutinefunction(method):
            wanted = "async def" if inspect.iscoroutinefunction(member) else "def"
            mismatches.append(f"{name}: must be `{wanted}`")
    return mismatches


# --------------------------------------------------------------------------- storefront


class StorefrontContract:
    """What every :class:`~fulfillment_core.ports.Storefront` promises.

    The subclass must provide:

    * ``storefront``: the adapter under test.

    It may override:

    * ``storefront_fulfillment``: a fulfillment the storefront can record (default:
      :func:`~fulfillment_core.testing.factories.make_storefront_fulfillment`); against a real
      shop, one for a sandbox order.
    * ``another_storefront_fulfillment``: a second parcel of the same work (default: the first
      with ``-b`` added to its shipment id and another tracking number).
    * ``shown_holds``: a :data:`HoldsReader` that reads the holds the storefront shows; the
      checks that ``report_holds`` replaces them are skipped without it.
    """

    _port: ClassVar[tuple[str, type]] = ("storefront", Storefront)

    @pytest.fixture
    def storefront_fulfillment(self) -> StorefrontFulfillment:
        return make_storefront_fulfillment()

    @pytest.fixture
    def another_storefront_fulfillment(
        self, storefront_fulfillment: StorefrontFulfillment
    ) -> StorefrontFulfillment:
        return attrs.evolve(
            storefront_fulfillment,
            shipment_id=f"{storefront_fulfillment.shipment_id}-b",
            tracking_numbers=("YT000000099",),
            tracking_urls=(),
        )

    @pytest.fixture
    def shown_holds(self) -> HoldsReader:
        pytest.skip("give the contract a `shown_holds` fixture to check what report_holds shows")

    def test_it_has_the_storefront_methods(self, request: pytest.FixtureRequest) -> None:
        mismatches = _port_mismatches(request, *self._port)
        assert not mismatches, f"not a {self._port[1].__name__}: {'; '.join(mismatches)}"

    def test_push_fulfillment_returns_the_storefronts_id(
        self, storefront: Storefront, storefront_fulfillment: StorefrontFulfillment
    ) -> None:
        fulfillment_id = storefront.push_fulfillment(storefront_fulfillment)
        assert isinstance(fulfillment_id, str), f"the id must be a str, got {fulfillment_id!r}"
        assert fulfillment_id.strip(), "the storefront's id must not be blank"

    def test_pushing_the_same_shipment_again_returns_the_first_id(
        self, storefront: Storefront, storefront_fulfillment: StorefrontFulfillment
    ) -> None:
        first = storefront.push_fulfillment(storefront_fulfillment)
        again = storefront.push_fulfillment(storefront_fulfillment)
        assert again == first, "pushing one shipment twice must not make a second fulfillment"

    def test_pushing_another_shipment_returns_another_id(
        self,
        storefront: Storefront,
        storefront_fulfillment: StorefrontFulfillment,
        another_storefront_fulfillment: StorefrontFulfillment,
    ) -> None:
        first = storefront.push_fulfillment(storefront_fulfillment)
        second = storefront.push_fulfillment(another_storefront_fulfillment)
        assert second != first, f"two shipments were both recorded as {first!r}"

    def test_report_holds_and_their_release_return_nothing(
        self, storefront: Storefront, storefront_fulfillment: StorefrontFulfillment
    ) -> None:
        ids = storefront_fulfillment.order_id, storefront_fulfillment.fulfillment_order_id
        placed = _returned(storefront.report_holds, *ids, [_MISSING_ZIP])
        released = _returned(storefront.report_holds, *ids, [])
        assert (placed, released) == (None, None), f"returned {placed!r}, {released!r}"

    def test_report_holds_replaces_the_holds_shown(
        self,
        storefront: Storefront,
        storefront_fulfillment: StorefrontFulfillment,
        shown_holds: HoldsReader,
    ) -> None:
        ids = storefront_fulfillment.order_id, storefront_fulfillment.fulfillment_order_id
        storefront.report_holds(*ids, [_MISSING_ZIP, _BAD_EMAIL])
        storefront.report_holds(*ids, [_BAD_EMAIL])
        shown = list(shown_holds(*ids))
        assert shown == [_BAD_EMAIL], f"shows {shown}, not only the last report's hold"

    def test_report_holds_with_no_holds_releases_them_all(
        self,
        storefront: Storefront,
        storefront_fulfillment: StorefrontFulfillment,
        shown_holds: HoldsReader,
    ) -> None:
        ids = storefront_fulfillment.order_id, storefront_fulfillment.fulfillment_order_id
        storefront.report_holds(*ids, [_MISSING_ZIP, _BAD_EMAIL])
        storefront.report_holds(*ids, [])
        shown = list(shown_holds(*ids))
        assert shown == [], f"still shows {shown} after a report of no holds"

    def test_reporting_the_same_holds_again_shows_them_once(
        self,
        storefront: Storefront,
        storefront_fulfillment: StorefrontFulfillment,
        shown_holds: HoldsReader,
    ) -> None:
        ids = storefront_fulfillment.order_id, storefront_fulfillment.fulfillment_order_id
        storefront.report_holds(*ids, [_MISSING_ZIP])
        storefront.report_holds(*ids, [_MISSING_ZIP])
        shown = list(shown_holds(*ids))
        assert shown == [_MISSING_ZIP], f"shows {shown} after reporting one hold twice"

    def test_report_cancellation_returns_nothing(
        self, storefront: Storefront, storefront_fulfillment: StorefrontFulfillment
    ) -> None:
        returned = _returned(
            storefront.report_cancellation,
            storefront_fulfillment.order_id,
            storefront_fulfillment.fulfillment_order_id,
            list(storefront_fulfillment.items),
            "the customer cancelled",
            key="fo-5912338890017-1/e4-report_cancellation",
        )
        assert returned is None, f"returned {returned!r}"


# --------------------------------------------------------------------------- supplier


class SupplierGatewayContract:
    """What every :class:`~fulfillment_core.ports.SupplierGateway` promises.

    The subclass must provide:

    * ``supplier_gateway``: the adapter under test.
    * ``stocked_sku``: a supplier SKU it has in stock, so a request for one unit is accepted
      and a purchase of one unit confirmed.

    It may override:

    * ``unknown_sku``: a SKU the supplier does not carry (default ``"NO-SUCH-SKU-0000"``).
    * ``fulfillment_request``: a request the supplier accepts (default: one ``stocked_sku``
      from :func:`~fulfillment_core.testing.factories.make_fulfillment_request`).
    * ``refused_request``: a request the supplier refuses (a SKU it will not make, an address
      it does not ship to); the check that a refusal is an answer is skipped without it.
    * ``reference_clock``: the :class:`~fulfillment_core.ports.Clock` its answers are judged
      against (the adapter's own clock; the library never reads the time itself); the check
      that a purchase is not ready before now is skipped without it.
    """

    _port: ClassVar[tuple[str, type]] = ("supplier_gateway", SupplierGateway)

    @pytest.fixture
    def unknown_sku(self) -> str:
        return "NO-SUCH-SKU-0000"

    @pytest.fixture
    def fulfillment_request(self, stocked_sku: str) -> FulfillmentRequest:
        return make_fulfillment_request(lines=[RequestLine("line-1", stocked_sku, 1)])

    @pytest.fixture
    def refused_request(self) -> FulfillmentRequest:
        pytest.skip("give the contract a `refused_request` fixture to check refusals")

    @pytest.fixture
    def reference_clock(self) -> Clock:
        pytest.skip("give the contract a `reference_clock` fixture to check purchase times")

    def test_it_has_the_supplier_gateway_methods(self, request: pytest.FixtureRequest) -> None:
        mismatches = _port_mismatches(request, *self._port)
        assert not mismatches, f"not a {self._port[1].__name__}: {'; '.join(mismatches)}"

    def test_a_request_for_stocked_goods_is_accepted(
        self, supplier_gateway: SupplierGateway, fulfillment_request: FulfillmentRequest
    ) -> None:
        answer = supplier_gateway.submit_request(fulfillment_request)
        assert isinstance(answer, SupplierAnswer), f"answered {answer!r}"
        assert answer.accepted, f"refused: {answer.reason}"

    def test_a_refused_request_is_an_answer_with_a_reason(
        self, supplier_gateway: SupplierGateway, refused_request: FulfillmentRequest
    ) -> None:
        answer = supplier_gateway.submit_request(refused_request)
        assert isinstance(answer, SupplierAnswer), f"answered {answer!r}"
        assert not answer.accepted, "the contract's refused_request was accepted"

    def test_stock_answers_every_sku_asked(
        self, supplier_gateway: SupplierGateway, stocked_sku: str, unknown_sku: str
    ) -> None:
        answers = supplier_gateway.stock([stocked_sku, unknown_sku])
        assert set(answers) == {stocked_sku, unknown_sku}, f"asked 2 SKUs, answered {set(answers)}"
        odd = {sku: a for sku, a in answers.items() if not isinstance(a, StockStatus)}
        assert not odd, f"answers that are not a StockStatus: {odd}"

    def test_each_stock_answer_names_the_sku_asked(
        self, supplier_gateway: SupplierGateway, stocked_sku: str, unknown_sku: str
    ) -> None:
        answers = supplier_gateway.stock([stocked_sku, unknown_sku])
        wrong = {sku: answer.sku for sku, answer in answers.items() if answer.sku != sku}
        assert not wrong, f"answers about another SKU (asked: answered): {wrong}"

    def test_a_stocked_sku_is_available(
        self, supplier_gateway: SupplierGateway, stocked_sku: str
    ) -> None:
        answer = supplier_gateway.stock([stocked_sku])[stocked_sku]
        assert answer.available_quantity >= 1, f"the stocked SKU is answered {answer}"

    def test_an_unknown_sku_is_answered_as_unavailable(
        self, supplier_gateway: SupplierGateway, unknown_sku: str
    ) -> None:
        answer = supplier_gateway.stock([unknown_sku])[unknown_sku]
        assert answer.available_quantity == 0, f"an unknown SKU is answered {answer}"

    def test_stock_of_no_skus_is_empty(self, supplier_gateway: SupplierGateway) -> None:
        answers = dict(supplier_gateway.stock([]))
        assert answers == {}, f"asked nothing, answered {answers}"

    def test_a_purchase_is_ready_no_earlier_than_now(
        self, supplier_gateway: SupplierGateway, stocked_sku: str, reference_clock: Clock
    ) -> None:
        before = reference_clock.now()
        confirmation = supplier_gateway.purchase(
            "fo-5912338890017-1", stocked_sku, 1, reference="fo-5912338890017-1/purchase-1"
        )
        assert isinstance(confirmation, PurchaseConfirmation), f"confirmed {confirmation!r}"
        assert confirmation.ready_by >= before, f"ready by {confirmation.ready_by}, now {before}"

    def test_buying_again_with_the_same_reference_returns_the_first_confirmation(
        self, supplier_gateway: SupplierGateway, stocked_sku: str
    ) -> None:
        reference = "fo-5912338890017-1/purchase-1"
        first = supplier_gateway.purchase("fo-5912338890017-1", stocked_sku, 1, reference=reference)
        again = supplier_gateway.purchase("fo-5912338890017-1", stocked_sku, 1, reference=reference)
        other = supplier_gateway.purchase(
            "fo-5912338890017-1", stocked_sku, 1, reference="fo-5912338890017-1/purchase-2"
        )
        assert again == first, f"a retried purchase was confirmed as {again}, first {first}"
        assert other.purchase_id != first.purchase_id, "another reference bought nothing new"

    def test_a_cancellation_request_is_answered(
        self, supplier_gateway: SupplierGateway, fulfillment_request: FulfillmentRequest
    ) -> None:
        supplier_gateway.submit_request(fulfillment_request)
        answer = supplier_gateway.request_cancellation(
            fulfillment_request.fulfillment_order_id,
            [LineQuantity(line.line_id, line.quantity) for line in fulfillment_request.lines],
            key=f"{fulfillment_request.fulfillment_order_id}/e5-request_cancellation",
        )
        assert isinstance(answer, CancellationAnswer), f"answered {answer!r}"

    def test_asking_again_under_the_same_key_returns_the_first_answer(
        self, supplier_gateway: SupplierGateway, fulfillment_request: FulfillmentRequest
    ) -> None:
        supplier_gateway.submit_request(fulfillment_request)
        units = [LineQuantity(line.line_id, line.quantity) for line in fulfillment_request.lines]
        key = f"{fulfillment_request.fulfillment_order_id}/e5-request_cancellation"
        fo_id = fulfillment_request.fulfillment_order_id
        first = supplier_gateway.request_cancellation(fo_id, units, key=key)
        again = supplier_gateway.request_cancellation(fo_id, units, key=key)
        assert again == first, f"asked again, answered {again}; first {first}"

    def test_cancelling_a_request_it_never_got_raises_not_found(
        self, supplier_gateway: SupplierGateway, fulfillment_request: FulfillmentRequest
    ) -> None:
        # The service withdraws units of a request whose reply was lost; if the request never
        # came, it sends it and asks again: an answer now would cancel units twice.
        fo_id = f"{fulfillment_request.fulfillment_order_id}-never-sent"
        units = [LineQuantity(line.line_id, 1) for line in fulfillment_request.lines]
        with pytest.raises(NotFoundError):
            supplier_gateway.request_cancellation(fo_id, units, key=f"{fo_id}/e2-withdraw")

    def test_a_key_answered_not_found_is_answered_once_the_request_is_there(
        self, supplier_gateway: SupplierGateway, fulfillment_request: FulfillmentRequest
    ) -> None:
        # NotFoundError is not an answer to remember under the key: the service asks again
        # with the same key once the request has reached the supplier.
        fo_id = fulfillment_request.fulfillment_order_id
        units = [LineQuantity(line.line_id, line.quantity) for line in fulfillment_request.lines]
        key = f"{fo_id}/e2-withdraw"
        with pytest.raises(NotFoundError):
            supplier_gateway.request_cancellation(fo_id, units, key=key)
        supplier_gateway.submit_request(fulfillment_request)
        answer = supplier_gateway.request_cancellation(fo_id, units, key=key)
        assert isinstance(answer, CancellationAnswer), f"answered {answer!r}"


# --------------------------------------------------------------------------- carrier


class CarrierContract:
    """What every :class:`~fulfillment_core.ports.Carrier` promises.

    The subclass must provide:

    * ``carrier``: the adapter under test.
    * ``parcel``: a :class:`~fulfillment_core.ports.ParcelRequest` it quotes at least one
      service for (:func:`~fulfillment_core.testing.factories.make_parcel_request` is one).
      Labels are idempotent per shipment, so against a stateful sandbox give it a fresh
      ``shipment_id`` per test.

    It may override:

    * ``another_parcel``: a second parcel (default: ``parcel`` with ``-b`` added to its
      shipment id).
    """

    _port: ClassVar[tuple[str, type]] = ("carrier", Carrier)

    @pytest.fixture
    def another_parcel(self, parcel: ParcelRequest) -> ParcelRequest:
        return attrs.evolve(parcel, shipment_id=f"{parcel.shipment_id}-b")

    @staticmethod
    def _cheapest(carrier: Carrier, parcel: ParcelRequest) -> CarrierQuote:
        quotes = list(carrier.quote(parcel))
        assert quotes, f"no service was quoted for shipment {parcel.shipment_id}"
        return min(quotes, key=lambda quote: quote.price.amount)

    def test_it_has_the_carrier_methods(self, request: pytest.FixtureRequest) -> None:
        mismatches = _port_mismatches(request, *self._port)
        assert not mismatches, f"not a {self._port[1].__name__}: {'; '.join(mismatches)}"

    def test_quote_offers_services_as_carrier_quotes(
        self, carrier: Carrier, parcel: ParcelRequest
    ) -> None:
        quotes = list(carrier.quote(parcel))
        assert quotes, "the contract's parcel must be quoted at least one service"
        odd = [quote for quote in quotes if not isinstance(quote, CarrierQuote)]
        assert not odd, f"quotes that are not a CarrierQuote: {odd}"

    def test_a_label_bought_for_a_quoted_service_is_for_that_service(
        self, carrier: Carrier, parcel: ParcelRequest
    ) -> None:
        for number, quote in enumerate(carrier.quote(parcel), start=1):
            shipment = attrs.evolve(parcel, shipment_id=f"{parcel.shipment_id}-{number}")
            label = carrier.buy_label(shipment, quote)
            assert isinstance(label, Label), f"bought {label!r}"
            assert (label.carrier, label.service) == (quote.carrier, quote.service), (
                f"bought {label.carrier} / {label.service} for {quote.label}"
            )

    def test_buying_again_for_the_same_shipment_returns_the_same_label(
        self, carrier: Carrier, parcel: ParcelRequest
    ) -> None:
        quote = self._cheapest(carrier, parcel)
        first = carrier.buy_label(parcel, quote)
        again = carrier.buy_label(parcel, quote)
        assert again == first, "buying for one shipment twice must not buy a second label"

    def test_labels_of_different_shipments_have_different_tracking_numbers(
        self, carrier: Carrier, parcel: ParcelRequest, another_parcel: ParcelRequest
    ) -> None:
        quote = self._cheapest(carrier, parcel)
        first = carrier.buy_label(parcel, quote)
        second = carrier.buy_label(another_parcel, quote)
        assert second.tracking_number != first.tracking_number, (
            f"two shipments share tracking number {first.tracking_number}"
        )

    def test_a_label_for_a_service_never_quoted_raises_a_permanent_adapter_error(
        self, carrier: Carrier, parcel: ParcelRequest
    ) -> None:
        never_quoted = CarrierQuote(
            "No Such Carrier", "Teleport", Money("0.01", "USD"), (0, 0), tracked=True
        )
        with pytest.raises(PermanentAdapterError):
            carrier.buy_label(parcel, never_quoted)

    def test_void_label_of_a_bought_label_returns_nothing(
        self, carrier: Carrier, parcel: ParcelRequest
    ) -> None:
        label = carrier.buy_label(parcel, self._cheapest(carrier, parcel))
        returned = _returned(carrier.void_label, label.tracking_number)
        assert returned is None, f"returned {returned!r}"

    def test_void_label_of_an_unknown_label_raises_a_permanent_adapter_error(
        self, carrier: Carrier
    ) -> None:
        with pytest.raises(PermanentAdapterError):
            carrier.void_label("NO-SUCH-LABEL-0000")


# --------------------------------------------------------------------------- notifier


def _notification(kind: NotificationKind) -> Notification:
    return Notification(
        kind.audience,
        kind,
        Channel.EMAIL,
        "5912338890017",
        "fo-5912338890017-1",
        PLACED_AT,
        (("reference", "#1001"), ("tracking_number", "YT000000001")),
    )


class NotifierContract:
    """What every :class:`~fulfillment_core.ports.Notifier` promises.

    The subclass must provide:

    * ``notifier``: the adapter under test.

    It may override:

    * ``sent_notifications``: a :data:`NotificationsReader` that reads what the notifier
      delivered (an outbox table, a mail catcher); the delivery check is skipped without it.
    """

    _port: ClassVar[tuple[str, type]] = ("notifier", Notifier)

    @pytest.fixture
    def sent_notifications(self) -> NotificationsReader:
        pytest.skip("give the contract a `sent_notifications` fixture to check deliveries")

    def test_it_has_the_notifier_method(self, request: pytest.FixtureRequest) -> None:
        mismatches = _port_mismatches(request, *self._port)
        assert not mismatches, f"not a {self._port[1].__name__}: {'; '.join(mismatches)}"

    @pytest.mark.parametrize("kind", list(NotificationKind), ids=str)
    def test_send_takes_a_notification_of_every_kind(
        self, notifier: Notifier, kind: NotificationKind
    ) -> None:
        returned = _returned(notifier.send, _notification(kind))
        assert returned is None, f"returned {returned!r}"

    def test_notifications_are_delivered_in_the_order_sent(
        self, notifier: Notifier, sent_notifications: NotificationsReader
    ) -> None:
        shipped = _notification(NotificationKind.SHIPPED)
        delivered = _notification(NotificationKind.DELIVERED)
        notifier.send(shipped)
        notifier.send(delivered)
        last = list(sent_notifications())[-2:]
        assert last == [shipped, delivered], f"the last deliveries are {last}"

    def test_a_notification_whose_key_was_sent_is_not_delivered_again(
        self, notifier: Notifier, sent_notifications: NotificationsReader
    ) -> None:
        keyed = attrs.evolve(_notification(NotificationKind.SHIPPED), key="fo-1/notify-7")
        notifier.send(keyed)
        before = len(list(sent_notifications()))
        notifier.send(keyed)
        after = list(sent_notifications())
        assert len(after) == before, f"a repeated key was delivered again: {after[before:]}"

    def test_notifications_without_a_key_are_all_delivered(
        self, notifier: Notifier, sent_notifications: NotificationsReader
    ) -> None:
        unkeyed = _notification(NotificationKind.DELIVERED)
        notifier.send(unkeyed)
        notifier.send(unkeyed)
        last = list(sent_notifications())[-2:]
        assert last == [unkeyed, unkeyed], f"the last deliveries are {last}"


# --------------------------------------------------------------------------- clock


class ClockContract:
    """What every :class:`~fulfillment_core.ports.Clock` promises.

    The subclass must provide:

    * ``clock``: the adapter under test.
    """

    _port: ClassVar[tuple[str, type]] = ("clock", Clock)

    def test_it_has_the_clock_method(self, request: pytest.FixtureRequest) -> None:
        mismatches = _port_mismatches(request, *self._port)
        assert not mismatches, f"not a {self._port[1].__name__}: {'; '.join(mismatches)}"

    def test_now_is_an_aware_pendulum_datetime(self, clock: Clock) -> None:
        now = clock.now()
        assert isinstance(now, pendulum.DateTime), f"now() is a {type(now).__name__}"
        assert now.utcoffset() is not None, "a naive time does not say which instant it is"

    def test_now_never_goes_backwards(self, clock: Clock) -> None:
        readings = [clock.now() for _ in range(100)]
        back = [(a, b) for a, b in itertools.pairwise(readings) if b < a]
        assert not back, f"went back from {back[0][0]} to {back[0][1]}"


# --------------------------------------------------------------------------- repository


def _differs(got: FulfillmentOrder, wanted: FulfillmentOrder) -> str:
    """Which fields of ``got`` are not as ``wanted`` (an assertion message)."""
    fields = [
        field.name
        for field in attrs.fields(FulfillmentOrder)
        if field.eq and getattr(got, field.name) != getattr(wanted, field.name)
    ]
    return f"{got.id} differs from what was stored in: {', '.join(fields)}"


def _work(fulfillment_order_id: str, order_id: str = "5912338890017") -> FulfillmentOrder:
    return make_fulfillment_order(id=fulfillment_order_id, order_id=order_id)


class FulfillmentRepositoryContract:
    """What every :class:`~fulfillment_core.ports.FulfillmentRepository` promises.

    The subclass must provide:

    * ``repository``: the adapter under test, empty (a fresh schema, or a transaction rolled
      back after the test).

    The checks store fulfillment orders ``fo-1`` to ``fo-3`` of orders ``5912338890017`` and
    ``5912338890099``, and order ``5912338890017``, all from
    :mod:`~fulfillment_core.testing.factories`.
    """

    _port: ClassVar[tuple[str, type]] = ("repository", FulfillmentRepository)

    def test_it_has_the_repository_methods(self, request: pytest.FixtureRequest) -> None:
        mismatches = _port_mismatches(request, *self._port)
        assert not mismatches, f"not a {self._port[1].__name__}: {'; '.join(mismatches)}"

    def test_get_of_a_missing_id_raises_not_found(self, repository: FulfillmentRepository) -> None:
        with pytest.raises(NotFoundError):
            repository.get("fo-1")

    def test_add_then_get_returns_an_equal_fulfillment_order(
        self, repository: FulfillmentRepository
    ) -> None:
        work = _work("fo-1")
        repository.add(work)
        loaded = repository.get("fo-1")
        assert isinstance(loaded, FulfillmentOrder), f"get returned {loaded!r}"
        assert loaded == work, _differs(loaded, work)

    def test_adding_a_taken_id_raises_concurrency_error_and_keeps_the_first(
        self, repository: FulfillmentRepository
    ) -> None:
        first = _work("fo-1")
        repository.add(first)
        with pytest.raises(ConcurrencyError):
            repository.add(_work("fo-1", order_id="5912338890099"))
        assert repository.get("fo-1") == first, "the first work was replaced"

    def test_changing_what_get_returned_changes_nothing_stored(
        self, repository: FulfillmentRepository
    ) -> None:
        repository.add(_work("fo-1"))
        repository.get("fo-1").submit(at=PLACED_AT)
        stored = repository.get("fo-1")
        assert stored == _work("fo-1"), _differs(stored, _work("fo-1"))

    def test_changing_what_was_added_changes_nothing_stored(
        self, repository: FulfillmentRepository
    ) -> None:
        work = _work("fo-1")
        repository.add(work)
        work.submit(at=PLACED_AT)
        stored = repository.get("fo-1")
        assert stored == _work("fo-1"), _differs(stored, _work("fo-1"))

    def test_save_with_the_loaded_version_stores_the_change(
        self, repository: FulfillmentRepository
    ) -> None:
        repository.add(_work("fo-1"))
        loaded = repository.get("fo-1")
        loaded.submit(at=PLACED_AT)
        loaded.accept(at=PLACED_AT)
        repository.save(loaded, expected_version=1)
        stored = repository.get("fo-1")
        assert stored == loaded, _differs(stored, loaded)

    def test_save_with_a_stale_version_raises_concurrency_error_and_stores_nothing(
        self, repository: FulfillmentRepository
    ) -> None:
        repository.add(_work("fo-1"))
        mine, theirs = repository.get("fo-1"), repository.get("fo-1")
        theirs.submit(at=PLACED_AT)
        repository.save(theirs, expected_version=1)
        mine.cancel(at=PLACED_AT, reason="the customer cancelled")
        with pytest.raises(ConcurrencyError) as refused:
            repository.save(mine, expected_version=1)
        error = refused.value
        assert (error.aggregate_id, error.expected) == ("fo-1", 1), f"the error says {error}"
        stored = repository.get("fo-1")
        assert stored == theirs, _differs(stored, theirs)

    def test_a_save_that_does_not_continue_the_stored_history_is_refused(
        self, repository: FulfillmentRepository
    ) -> None:
        repository.add(_work("fo-1"))
        stale = repository.get("fo-1")
        fresh = repository.get("fo-1")
        fresh.submit(at=PLACED_AT)
        fresh.accept(at=PLACED_AT)
        repository.save(fresh, expected_version=1)
        with pytest.raises(ConcurrencyError):
            repository.save(stale, expected_version=3)  # an old copy under the current version
        stored = repository.get("fo-1")
        assert stored == fresh, _differs(stored, fresh)

    def test_save_of_work_never_added_raises_concurrency_error_and_stores_nothing(
        self, repository: FulfillmentRepository
    ) -> None:
        work = _work("fo-1")
        work.submit(at=PLACED_AT)
        with pytest.raises(ConcurrencyError):
            repository.save(work, expected_version=1)
        stored = list(repository.ids())
        assert stored == [], f"stored {stored}"

    def test_ids_are_in_the_order_added_and_a_save_keeps_it(
        self, repository: FulfillmentRepository
    ) -> None:
        for fulfillment_order_id in ("fo-2", "fo-1", "fo-3"):
            repository.add(_work(fulfillment_order_id))
        changed = repository.get("fo-2")
        changed.submit(at=PLACED_AT)
        repository.save(changed, expected_version=1)
        ids = list(repository.ids())
        assert ids == ["fo-2", "fo-1", "fo-3"], f"ids() lists {ids}"

    def test_active_ids_list_unsettled_work_and_drop_settled_work(
        self, repository: FulfillmentRepository
    ) -> None:
        for fulfillment_order_id in ("fo-2", "fo-1", "fo-3"):
            repository.add(_work(fulfillment_order_id))
        done = repository.get("fo-1")
        done.cancel(at=PLACED_AT)  # before work starts: cancelled at once, nothing pending
        repository.save(done, expected_version=1)
        active = list(repository.active_ids())
        assert active == ["fo-2", "fo-3"], f"active_ids() lists {active}"

    def test_terminal_work_with_pending_effects_stays_active(
        self, repository: FulfillmentRepository
    ) -> None:
        repository.add(_work("fo-1"))
        work = repository.get("fo-1")
        work.cancel(at=PLACED_AT)
        work.schedule_effects(
            [Effect("e1", "report_cancellation", quantities={"line-1": 1}, reason="test")],
            at=PLACED_AT,
        )
        repository.save(work, expected_version=1)
        active = list(repository.active_ids())
        assert active == ["fo-1"], f"active_ids() lists {active}"

    def test_active_versions_if_offered_give_each_active_id_its_stored_version(
        self, repository: FulfillmentRepository
    ) -> None:
        versions_of = getattr(repository, "active_versions", None)
        if not callable(versions_of):
            pytest.skip("no active_versions: the optional ActiveVersions is not offered")
        for fulfillment_order_id in ("fo-2", "fo-1", "fo-3"):
            repository.add(_work(fulfillment_order_id))
        changed = repository.get("fo-2")
        changed.submit(at=PLACED_AT)
        repository.save(changed, expected_version=1)
        done = repository.get("fo-1")
        done.cancel(at=PLACED_AT)
        repository.save(done, expected_version=1)
        versions = dict(versions_of())
        assert versions == {"fo-2": 2, "fo-3": 1}, f"active_versions() gives {versions}"
        assert list(versions) == list(repository.active_ids()), "not in active_ids() order"

    def test_for_order_returns_that_orders_work_in_the_order_added(
        self, repository: FulfillmentRepository
    ) -> None:
        repository.add(_work("fo-2", order_id="5912338890017"))
        repository.add(_work("fo-1", order_id="5912338890099"))
        repository.add(_work("fo-3", order_id="5912338890017"))
        found = repository.for_order("5912338890017")
        assert [work.id for work in found] == ["fo-2", "fo-3"], f"found {[w.id for w in found]}"
        assert list(found) == [_work("fo-2"), _work("fo-3")], "the work found is not as added"

    def test_for_order_of_an_order_without_work_is_empty(
        self, repository: FulfillmentRepository
    ) -> None:
        repository.add(_work("fo-1", order_id="5912338890017"))
        found = [work.id for work in repository.for_order("5912338890099")]
        assert found == [], f"found {found}"

    def test_get_order_of_a_missing_id_raises_not_found(
        self, repository: FulfillmentRepository
    ) -> None:
        with pytest.raises(NotFoundError):
            repository.get_order("5912338890017")

    def test_put_order_then_get_order_returns_an_equal_order(
        self, repository: FulfillmentRepository
    ) -> None:
        order = make_order()
        repository.put_order(order)
        loaded = repository.get_order(order.id)
        assert isinstance(loaded, Order), f"get_order returned {loaded!r}"
        assert loaded == order, "the order read back differs from the one put"

    def test_put_order_replaces_the_earlier_version(
        self, repository: FulfillmentRepository
    ) -> None:
        repository.put_order(make_order())
        edited = make_order(note="Leave it with the neighbour")
        repository.put_order(edited)
        assert repository.get_order(edited.id) == edited, "the earlier version is still kept"

    def test_put_order_never_replaces_a_newer_version(
        self, repository: FulfillmentRepository
    ) -> None:
        placed = make_order().placed_at
        newer = make_order(updated_at=placed.add(hours=2), note="the second edit")
        repository.put_order(newer)
        repository.put_order(make_order(updated_at=placed.add(hours=1), note="the first edit"))
        assert repository.get_order(newer.id) == newer, "an older edit replaced a newer one"


# --------------------------------------------------------------------------- async twins
#
# Each async contract inherits every check of its sync contract and runs it through a blocking
# view of the async adapter (below): each call runs to completion on the test's event loop.


class _Blocking:
    """A blocking view of an async adapter: each call runs to completion on the test's loop,
    so the sync checks apply to the async twin unchanged."""

    def __init__(self, adapter: object, runner: asyncio.Runner) -> None:
        self._adapter = adapter
        self._runner = runner

    def __getattr__(self, name: str) -> Callable[..., Any]:
        method = getattr(self._adapter, name)

        def call(*args: Any, **kwargs: Any) -> Any:
            return self._runner.run(method(*args, **kwargs))

        return call


class _OnOneLoop:
    """The event loop every call of one test runs on."""

    @pytest.fixture
    def asyncio_runner(self) -> Iterator[asyncio.Runner]:
        with asyncio.Runner() as runner:
            yield runner


class AsyncStorefrontContract(_OnOneLoop, StorefrontContract):
    """What every :class:`~fulfillment_core.ports.AsyncStorefront` promises: the checks of
    :class:`StorefrontContract`, awaited.

    Required: ``async_storefront``, the adapter under test. Optional: as for
    :class:`StorefrontContract`, and ``asyncio_runner`` is there to build the adapter on the
    test's loop.
    """

    _port: ClassVar[tuple[str, type]] = ("async_storefront", AsyncStorefront)

    @pytest.fixture
    def storefront(
        self, async_storefront: AsyncStorefront, asyncio_runner: asyncio.Runner
    ) -> Storefront:
        return cast(Storefront, _Blocking(async_storefront, asyncio_runner))


class AsyncSupplierGatewayContract(_OnOneLoop, SupplierGatewayContract):
    """What every :class:`~fulfillment_core.ports.AsyncSupplierGateway` promises: the checks of
    :class:`SupplierGatewayContract`, awaited.

    Required: ``async_supplier_gateway``, the adapter under test, and ``stocked_sku``.
    Optional: as for :class:`SupplierGatewayContract`, and ``asyncio_runner``.
    """

    _port: ClassVar[tuple[str, type]] = ("async_supplier_gateway", AsyncSupplierGateway)

    @pytest.fixture
    def supplier_gateway(
        self, async_supplier_gateway: AsyncSupplierGateway, asyncio_runner: asyncio.Runner
    ) -> SupplierGateway:
        return cast(SupplierGateway, _Blocking(async_supplier_gateway, asyncio_runner))


class AsyncCarrierContract(_OnOneLoop, CarrierContract):
    """What every :class:`~fulfillment_core.ports.AsyncCarrier` promises: the checks of
    :class:`CarrierContract`, awaited.

    Required: ``async_carrier``, the adapter under test, and ``parcel``. Optional: as for
    :class:`CarrierContract`, and ``asyncio_runner``.
    """

    _port: ClassVar[tuple[str, type]] = ("async_carrier", AsyncCarrier)

    @pytest.fixture
    def carrier(self, async_carrier: AsyncCarrier, asyncio_runner: asyncio.Runner) -> Carrier:
        return cast(Carrier, _Blocking(async_carrier, asyncio_runner))


class AsyncNotifierContract(_OnOneLoop, NotifierContract):
    """What every :class:`~fulfillment_core.ports.AsyncNotifier` promises: the checks of
    :class:`NotifierContract`, awaited.

    Required: ``async_notifier``, the adapter under test. Optional: ``sent_notifications`` (a
    plain callable, as for :class:`NotifierContract`) and ``asyncio_runner``.
    """

    _port: ClassVar[tuple[str, type]] = ("async_notifier", AsyncNotifier)

    @pytest.fixture
    def notifier(self, async_notifier: AsyncNotifier, asyncio_runner: asyncio.Runner) -> Notifier:
        return cast(Notifier, _Blocking(async_notifier, asyncio_runner))


class AsyncClockContract(_OnOneLoop, ClockContract):
    """What every :class:`~fulfillment_core.ports.AsyncClock` promises: the checks of
    :class:`ClockContract`, awaited.

    Required: ``async_clock``, the adapter under test. Optional: ``asyncio_runner``.
    """

    _port: ClassVar[tuple[str, type]] = ("async_clock", AsyncClock)

    @pytest.fixture
    def clock(self, async_clock: AsyncClock, asyncio_runner: asyncio.Runner) -> Clock:
        return cast(Clock, _Blocking(async_clock, asyncio_runner))


class AsyncFulfillmentRepositoryContract(_OnOneLoop, FulfillmentRepositoryContract):
    """What every :class:`~fulfillment_core.ports.AsyncFulfillmentRepository` promises: the
    checks of :class:`FulfillmentRepositoryContract`, awaited.

    Required: ``async_repository``, the adapter under test, empty. Optional:
    ``asyncio_runner``.
    """

    _port: ClassVar[tuple[str, type]] = ("async_repository", AsyncFulfillmentRepository)

    @pytest.fixture
    def repository(
        self, async_repository: AsyncFulfillmentRepository, asyncio_runner: asyncio.Runner
    ) -> FulfillmentRepository:
        return cast(FulfillmentRepository, _Blocking(async_repository, asyncio_runner))
