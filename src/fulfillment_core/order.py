"""The storefront's order: :class:`Order`, its :class:`LineItem` s and their :class:`CustomsInfo`.

An ``Order`` is a frozen value: what the customer bought, where it goes, what it cost, when it
was placed. Construction guarantees its *structure* (at least one line, unique line ids, whole
positive quantities, every price in the order's currency, an aware ``placed_at``). Whether the
supplier can act on it (address complete, SKUs mapped, customs data present, payment captured)
is the job of :func:`~fulfillment_core.check_order`.

Build one from keyword arguments, from the documented dict form
(:func:`fulfillment_core.from_dict`) or from a Shopify REST order payload
(:meth:`Order.from_shopify`).
"""

from __future__ import annotations

import enum
import unicodedata
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

import attrs
import pendulum

from ._validation import (
    Checker,
    describe,
    first_duplicates,
    to_code,
    to_datetime,
    to_enum,
    to_line,
    to_text,
    to_tuple,
)
from .address import Address, Contact
from .money import Money

__all__ = ["CustomsInfo", "LineItem", "Order", "PaymentStatus", "RiskLevel"]


class PaymentStatus(enum.StrEnum):
    """Where the order's payment stands (Shopify's ``financial_status`` values)."""

    PENDING = "pending"
    AUTHORIZED = "authorized"
    PARTIALLY_PAID = "partially_paid"
    PAID = "paid"
    PARTIALLY_REFUNDED = "partially_refunded"
    REFUNDED = "refunded"
    VOIDED = "voided"
    EXPIRED = "expired"


class RiskLevel(enum.StrEnum):
    """The storefront's fraud assessment of the order."""

    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"


def _to_payment_status(value: Any) -> Any:
    return to_enum(PaymentStatus, value)


def _to_risk_level(value: Any) -> Any:
    return to_enum(RiskLevel, value)


def _to_properties(value: Any) -> Any:
    """Line item properties from a mapping, a list of pairs or Shopify's ``[{name, value}]``."""
    if isinstance(value, Mapping):
        value = list(value.items())
    if not isinstance(value, (list, tuple)):
        return value
    pairs: list[object] = []
    for item in value:
        if isinstance(item, Mapping) and set(item) == {"name", "value"}:
            pairs.append((to_text(item["name"]), _property_value(item["value"])))
        elif isinstance(item, (list, tuple)) and len(item) == 2:
            pairs.append((to_text(item[0]), _property_value(item[1])))
        else:
            pairs.append(item)
    return tuple(pairs)


def _property_value(value: Any) -> Any:
    """Property values are free-form display text: a number or an empty value becomes text."""
    if value is None:
        return ""
    if isinstance(value, (bool, int, float, Decimal)):
        return str(value).lower() if isinstance(value, bool) else str(value)
    return to_text(value)


def _no_controls(pair: tuple[str, str]) -> bool:
    """Property names are one line; values may break lines (engraving text often does)."""
    name, value = pair
    return not any(unicodedata.category(ch) == "Cc" for ch in name) and not any(
        unicodedata.category(ch) == "Cc" and ch not in "\n\r\t" for ch in value
    )


def _to_title(value: Any) -> Any:
    """A product title on one line (blank stays ``""``)."""
    value = to_line(value)
    return "" if value is None else value


def _to_hs_code(value: Any) -> Any:
    """Drop the dots and spaces people put in HS codes: ``6109.10 00`` becomes ``61091000``."""
    value = to_line(value)
    if isinstance(value, str):
        return value.replace(".", "").replace(" ", "") or None
    return value


@attrs.frozen
class CustomsInfo:
    """What a customs declaration needs to know about one product.

    Every part is optional here; :func:`~fulfillment_core.check_order` reports what a cross-border
    shipment lacks. ``hs_code`` is the Harmonized System code (6 to 10 digits),
    ``origin_country`` the ISO country of manufacture, ``description`` the plain words for it.
    """

    hs_code: str | None = attrs.field(default=None, converter=_to_hs_code, kw_only=True)
    origin_country: str | None = attrs.field(default=None, converter=to_code, kw_only=True)
    description: str | None = attrs.field(default=None, converter=to_line, kw_only=True)

    def __attrs_post_init__(self) -> None:
        check = Checker()
        check.text("hs_code", self.hs_code, required=False, max_length=32)
        check.text("origin_country", self.origin_country, required=False, max_length=8)
        check.text("description", self.description, required=False, max_length=255)
        check.done("CustomsInfo")

    def merged_over(self, fallback: CustomsInfo | None) -> CustomsInfo:
        """These values, with gaps filled from ``fallback`` (e.g. the catalogue's product data)."""
        if fallback is None or (self.hs_code and self.origin_country and self.description):
            return self
        if not (self.hs_code or self.origin_country or self.description):
            return fallback  # every value from it: the same value
        return CustomsInfo(
            hs_code=self.hs_code or fallback.hs_code,
            origin_country=self.origin_country or fallback.origin_country,
            description=self.description or fallback.description,
        )


@attrs.frozen
class LineItem:
    """One line of an order: a storefront SKU, how many, at what unit price.

    ``sku`` may be absent (storefronts allow products without one); the data check then holds the
    line as an invalid SKU. ``grams`` is the unit weight when the storefront knows it.
    """

    id: str = attrs.field(converter=to_text)
    sku: str | None = attrs.field(converter=to_line)
    quantity: int
    unit_price: Money
    title: str = attrs.field(default="", converter=_to_title, kw_only=True)
    variant_id: str | None = attrs.field(default=None, converter=to_line, kw_only=True)
    properties: tuple[tuple[str, str], ...] = attrs.field(
        default=(), converter=_to_properties, kw_only=True
    )
    grams: int | None = attrs.field(default=None, kw_only=True)
    requires_shipping: bool = attrs.field(default=True, kw_only=True)
    customs: CustomsInfo | None = attrs.field(default=None, kw_only=True)

    def __attrs_post_init__(self) -> None:
        check = Checker()
        check.text("id", self.id, max_length=255)
        check.text("sku", self.sku, required=False, max_length=255)
        check.integer("quantity", self.quantity, minimum=1, maximum=1_000_000)
        if check.instance("unit_price", self.unit_price, Money) and self.unit_price.is_negative:
            check.fail("unit_price", f"must not be negative, got {self.unit_price}")
        check.text("title", self.title, required=False, max_length=1024)
        check.text("variant_id", self.variant_id, required=False, max_length=255)
        if not isinstance(self.properties, tuple) or not all(
            isinstance(p, tuple)
            and len(p) == 2
            and all(isinstance(s, str) for s in p)
            and _no_controls(p)
            for p in self.properties
        ):
            check.fail(
                "properties",
                f"must be a list of name/value string pairs, got {describe(self.properties)}",
                "e.g. [{'name': 'Engraving', 'value': 'A.B.'}]",
            )
        check.integer("grams", self.grams, minimum=0, required=False)
        check.boolean("requires_shipping", self.requires_shipping)
        check.instance("customs", self.customs, CustomsInfo, required=False)
        check.done("LineItem")

    @property
    def total(self) -> Money:
        """``unit_price`` times ``quantity``."""
        return self.unit_price * self.quantity


@attrs.frozen
class Order:
    """An order as the storefront placed it. A value: it never changes after construction.

    ``id`` is the storefront's id for the order, ``reference`` what the merchant and customer
    see (``"#1001"``), ``storefront`` which shop it came from. All prices are in ``currency``.
    ``contact`` may be empty when the address carries the customer's phone. ``updated_at``,
    when the storefront gives it, is when this version of the order was last edited: it tells
    an edit that arrives late from a newer one.
    """

    id: str = attrs.field(converter=to_text)
    reference: str = attrs.field(converter=to_text)
    placed_at: pendulum.DateTime = attrs.field(converter=to_datetime)
    currency: str = attrs.field(converter=to_code)
    shipping_address: Address
    line_items: tuple[LineItem, ...] = attrs.field(converter=to_tuple)
    contact: Contact = attrs.field(factory=Contact, kw_only=True)
    shipping_price: Money | None = attrs.field(default=None, kw_only=True)
    payment_status: PaymentStatus = attrs.field(converter=_to_payment_status, kw_only=True)
    risk_level: RiskLevel = attrs.field(
        default=RiskLevel.LOW, converter=_to_risk_level, kw_only=True
    )
    storefront: str | None = attrs.field(default=None, converter=to_line, kw_only=True)
    note: str | None = attrs.field(default=None, converter=to_text, kw_only=True)
    updated_at: pendulum.DateTime | None = attrs.field(
        default=None, converter=to_datetime, kw_only=True
    )

    def __attrs_post_init__(self) -> None:
        check = Checker()
        check.text("id", self.id, max_length=255)
        check.text("reference", self.reference, max_length=255)
        placed_ok = check.datetime("placed_at", self.placed_at)
        updated_ok = check.datetime("updated_at", self.updated_at, required=False)
        if updated_ok and placed_ok and self.updated_at and self.updated_at < self.placed_at:
            check.fail(
                "updated_at",
                f"is {self.updated_at.isoformat()}, before placed_at {self.placed_at.isoformat()}",
                "an order is edited after it is placed",
            )
        currency_ok = check.currency("currency", self.currency)
        check.instance("shipping_address", self.shipping_address, Address)
        if check.sequence("line_items", self.line_items, LineItem, non_empty=True):
            for dup in first_duplicates(item.id for item in self.line_items):
                check.fail("line_items", f"line id {dup!r} is used twice", "line ids are unique")
            if currency_ok:
                for index, item in enumerate(self.line_items):
                    self._check_currency(check, f"line_items[{index}].unit_price", item.unit_price)
        if (
            check.instance("shipping_price", self.shipping_price, Money, required=False)
            and self.shipping_price is not None
            and currency_ok
        ):
            self._check_currency(check, "shipping_price", self.shipping_price)
        check.instance("contact", self.contact, Contact)
        check.member("payment_status", self.payment_status, PaymentStatus)
        check.member("risk_level", self.risk_level, RiskLevel)
        check.text("storefront", self.storefront, required=False, max_length=255)
        check.text("note", self.note, required=False, max_length=5000, multiline=True)
        check.done("Order")

    def _check_currency(self, check: Checker, path: str, price: Money) -> None:
        if price.currency != self.currency:
            check.fail(
                f"{path}.currency",
                f"is {price.currency} but the order is in {self.currency}",
                "every price of an order is in the order's currency",
            )

    @classmethod
    def from_shopify(cls, payload: Mapping[str, Any]) -> Order:
        """Build from a Shopify Admin REST ``order`` object (the ``orders/create`` webhook body).

        Every problem in the payload is reported at once, with its path in the payload.
        """
        from ._shopify import order_from_shopify  # noqa: PLC0415 (it imports this module)

        return order_from_shopify(payload)

    @property
    def subtotal(self) -> Money:
        """The sum of the line totals, before shipping."""
        return Money.sum((item.total for item in self.line_items), self.currency)

    @property
    def total_quantity(self) -> int:
        return sum(item.quantity for item in self.line_items)

    def line(self, line_id: str) -> LineItem:
        """The line with id ``line_id``; ``KeyError`` names the ids there are."""
        for item in self.line_items:
            if item.id == line_id:
                return item
        known = ", ".join(item.id for item in self.line_items)
        raise KeyError(f"order {self.reference} has no line {line_id!r}; its lines are {known}")
