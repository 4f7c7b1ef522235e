"""Map a Shopify Admin REST ``order`` object to an :class:`~fulfillment_core.Order`.

Pure translation, no network: an adapter fetches or receives the payload, this turns it into our
value. Problems are reported with their path *in the Shopify payload* (``line_items[1].price``),
all at once.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from ._currencies import CURRENCY_MINOR_UNITS as _CURRENCIES
from ._validation import describe, top_field
from .address import Address, Contact
from .exceptions import Problem, ValidationError
from .money import Money
from .order import LineItem, Order

_SUBJECT = "Shopify order"


class _Reader:
    """Reads a JSON payload, building values and collecting problems at payload paths."""

    def __init__(self) -> None:
        self.problems: list[Problem] = []

    def build(
        self,
        path: str,
        factory: Callable[[], Any],
        renames: Mapping[str, str],
        drop: frozenset[str] = frozenset(),
    ) -> Any:
        """Call ``factory``; re-root its problems under ``path``, renaming our field names and
        leaving out those about the fields in ``drop`` (already reported elsewhere)."""
        try:
            return factory()
        except ValidationError as error:
            for problem in error.problems:
                field, dot, rest = problem.path.partition(".")
                if field in drop:
                    continue
                mapped = renames.get(field, field) + dot + rest
                self.problems.append(Problem(mapped, problem.message, problem.hint).under(path))
            return None


def _mapping(value: object) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _text(value: object) -> Any:
    """Shopify ids are integers: carry them as strings. Other types pass through to the check."""
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return value


def _full_name(address: Mapping[str, Any]) -> Any:
    name = address.get("name")
    if name:
        return name
    parts = [address.get("first_name"), address.get("last_name")]
    texts = [part for part in parts if isinstance(part, str) and part.strip()]
    return " ".join(texts) or None


def order_from_shopify(payload: Mapping[str, Any]) -> Order:
    if not isinstance(payload, Mapping):
        raise ValidationError(
            _SUBJECT, [Problem("", f"must be a JSON object, got {describe(payload)}")]
        )
    reader = _Reader()
    currency = payload.get("currency")
    currency_bad = not isinstance(currency, str) or currency.strip().upper() not in _CURRENCIES
    if _looks_wrapped(payload):
        raise ValidationError(
            _SUBJECT,
            [
                Problem(
                    "",
                    "is wrapped in an 'order' key",
                    "pass payload['order'], the order object itself",
                )
            ],
        )
    # No shipping address is legitimate for digital-only orders; the data check holds the
    # order if a line needs shipping.
    raw_address = payload.get("shipping_address")
    if raw_address is not None and not isinstance(raw_address, Mapping):
        reader.problems.append(
            Problem("shipping_address", f"must be an object, got {describe(raw_address)}")
        )
    ship = _mapping(raw_address)
    address = reader.build(
        "shipping_address",
        lambda: Address(
            name=_full_name(ship),
            company=ship.get("company"),
            address1=ship.get("address1"),
            address2=ship.get("address2"),
            city=ship.get("city"),
            province=ship.get("province_code") or ship.get("province"),
            postal_code=ship.get("zip"),
            country_code=ship.get("country_code"),
            phone=ship.get("phone"),
        ),
        {
            "postal_code": "zip",
            "province": "province_code" if ship.get("province_code") else "province",
        },
    )
    customer = _mapping(payload.get("customer"))
    contact = reader.build(
        "",
        lambda: Contact(
            email=payload.get("email") or payload.get("contact_email") or customer.get("email"),
            phone=payload.get("phone") or customer.get("phone"),
        ),
        {},
    )
    raw_items = payload.get("line_items")
    items: list[LineItem] = []
    if raw_items is None:
        reader.problems.append(Problem("line_items", "is required", "an order has line items"))
        raw_items = []
    elif not isinstance(raw_items, list):
        reader.problems.append(Problem("line_items", f"must be a list, got {describe(raw_items)}"))
        raw_items = []
    for index, raw in enumerate(raw_items):
        path = f"line_items[{index}]"
        if not isinstance(raw, Mapping):
            reader.problems.append(Problem(path, f"must be an object, got {describe(raw)}"))
            continue
        line = raw
        price = reader.build(
            path,
            lambda line=line: Money(line.get("price"), currency),  # type: ignore[misc]
            {"amount": "price"},
        )
        item = reader.build(
            path,
            lambda line=line, price=price: LineItem(  # type: ignore[misc]
                _text(line.get("id")),
                line.get("sku"),
                line.get("quantity"),
                price,
                title=line.get("name") or line.get("title") or "",
                variant_id=_text(line.get("variant_id")),
                properties=line.get("properties") or (),
                grams=line.get("grams"),
                requires_shipping=line.get("requires_shipping", True),
            ),
            {},
            # A price that failed was reported above, under its Shopify name.
            drop=frozenset({"unit_price"}) if price is None else frozenset(),
        )
        if item is not None:
            items.append(item)
    shipping_price = _shipping_price(reader, payload, currency)
    # Build the order even when parts failed, so its own fields are checked too; what it says
    # about the parts that failed was already reported from inside them.
    failed = {top_field(problem.path) for problem in reader.problems}
    own = _Reader()
    order = own.build(
        "",
        lambda: Order(
            _text(payload.get("id")),
            payload.get("name") or _text(payload.get("order_number")),
            payload.get("created_at"),
            currency,
            address,
            tuple(items),
            contact=contact,
            shipping_price=shipping_price,
            payment_status=payload.get("financial_status") or "pending",
            storefront="shopify",
            note=payload.get("note"),
            updated_at=payload.get("updated_at"),
        ),
        {"reference": "name", "placed_at": "created_at", "payment_status": "financial_status"},
    )
    problems = reader.problems + [p for p in own.problems if top_field(p.path) not in failed]
    if currency_bad:
        problems = [p for p in problems if not p.path.endswith(".currency")]
    if order is None or problems:
        raise ValidationError(_SUBJECT, problems)
    assert isinstance(order, Order)
    return order


def _looks_wrapped(payload: Mapping[str, Any]) -> bool:
    """``{"order": {...}}``: the REST API's response envelope rather than the order."""
    return set(payload) == {"order"} and isinstance(payload["order"], Mapping)


def _shipping_price(reader: _Reader, payload: Mapping[str, Any], currency: object) -> Any:
    lines = payload.get("shipping_lines")
    if not isinstance(lines, list) or not lines:
        return None
    prices = [
        reader.build(
            f"shipping_lines[{index}]",
            lambda line=line: Money(_mapping(line).get("price"), currency),  # type: ignore[misc]
            {"amount": "price"},
        )
        for index, line in enumerate(lines)
    ]
    if any(price is None for price in prices):
        return None
    return Money.sum(prices, prices[0].currency)
