"""The order data check: before a supplier buys anything, does it have every datum it needs?

:func:`check_order` is pure. It takes an :class:`~fulfillment_core.Order` and what the supplier
side knows (the :class:`~fulfillment_core.SupplierCatalog` and, when the order is already routed,
the :class:`~fulfillment_core.Supplier`) and returns an :class:`OrderCheck` listing **every**
problem at once, as typed :class:`~fulfillment_core.Hold` s that name the field path, the reason,
who must act, and what to do. Concerns that should not stop the work (a PO box, an address line a
label will truncate) come back as :class:`~fulfillment_core.DataWarning` s.

Rules, in the order they are checked:

1. **Address.** A valid ISO 3166-1 country code; a recipient name, a street line and a city; a
   postal code where the country uses one, in the country's format for the major markets; a
   state/province where carriers need one (US, CA, AU, BR, MX, IN, CN, JP, ...), and for US,
   CA, AU, BR, MX and IN one that exists. A supplier that does not serve the destination is an
   undeliverable destination. Lines over 35 characters (most carriers' label limit) and PO boxes
   are warnings.
2. **Contact.** An email or a phone number to reach the customer, and any given must be
   well-formed.
3. **Payment and risk.** Unpaid orders wait for payment; refunded or voided ones need the
   merchant's word; high-risk orders need the merchant's review (medium risk is a warning).
4. **Lines.** Every shippable line has a SKU that the catalogue maps (to this supplier, when one
   is given, and to this destination). For a cross-border shipment each line needs customs data:
   HS code, country of origin, description; some destinations also need the recipient's tax id
   (Brazil's CPF/CNPJ, Korea's personal customs clearance code).

Cross-border rules need to know where the parcel leaves from, so they apply only when a
``supplier`` is given (its ``country`` is the origin). Within the EU customs union no customs data
is needed.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Collection, Iterator

import attrs

from ._geo import (
    COUNTRY_CODES,
    COUNTRY_NAMES,
    EU_MEMBER_STATES,
    POSTAL_CODE_EXAMPLES,
    POSTAL_CODE_OPTIONAL,
    SUBDIVISION_REQUIRED,
    SUBDIVISIONS,
    match_subdivision,
    postal_code_is_valid,
)
from ._validation import describe
from .address import Address, Contact
from .catalog import SupplierCatalog
from .exceptions import Problem, ValidationError
from .holds import Actor, DataWarning, Hold, HoldReason, WarningCode
from .order import CustomsInfo, LineItem, Order, PaymentStatus, RiskLevel
from .supplier import Supplier

__all__ = ["LABEL_LINE_LIMIT", "OrderCheck", "check_order"]

#: Characters most carriers print per label line (UPS, DHL, FedEx and many postal services).
LABEL_LINE_LIMIT = 35

#: Codes people type that are not ISO 3166-1 codes, and what they meant.
_COUNTRY_MIXUPS = {
    "UK": "the United Kingdom is 'GB'",
    "EN": "England is part of the United Kingdom, 'GB'",
    "USA": "the United States is 'US'",
    "EL": "Greece is 'GR'",
}

#: Countries where a city is not part of a deliverable address.
_CITY_OPTIONAL = frozenset({"SG", "MC", "VA", "GI"})

_PO_BOX = re.compile(
    r"""
    \b(?:
        p\.?\s?o\.?\s?box                 # PO Box, P.O. Box, P O Box
      | p\.?\s?o\.?\s?b\.?\s*\d           # POB 123, P.O.B. 123
      | post\s+office\s+box
      | g\.?p\.?o\.?\s+box                # Australia's GPO Box
      | locked\s+bag                      # Australia
      | postfach                          # Germany, Austria, Switzerland
      | apartado\s+(?:postal|de\s+correos)
      | caixa\s+postal                    # Brazil, Portugal
      | bo[iî]te\s+postale
      | casilla\s+de\s+correo
      | postbus                           # Netherlands
      | postboks                          # Denmark, Norway
      | private\s+bag                     # New Zealand, Australia, South Africa
      | pmb\s*\d                          # a US private mailbox
    )
    | ^\s*(?:box|b\.?p\.?|c\.?p\.?)\s+\d+\s*$  # a line that is just "Box 12", "BP 45", "CP 3"
    """,
    re.IGNORECASE | re.VERBOSE,
)

_EMAIL = re.compile(r"[^@\s]{1,64}@[^@\s.]+(?:\.[^@\s.]+)+")
# Digits are ASCII digits: a label printer cannot print "٩٤٠٤٣". Input is NFKC-folded first,
# so full-width digits typed on Asian keyboards count.
_PHONE_EXTENSION = re.compile(r"\s*(?:ext\.?|x|#)\s*\d{1,6}$", re.IGNORECASE | re.ASCII)
_PHONE_PUNCTUATION = re.compile(r"[\s().\-/]")
_PHONE = re.compile(r"\+?\d{7,15}", re.ASCII)
_HS_CODE = re.compile(r"\d{6,10}", re.ASCII)

#: Territories inside another country's customs territory: no declaration between them.
_CUSTOMS_TERRITORY = {"PR": "US"}

#: Destinations whose customs need the recipient's tax id on cross-border parcels.
_TAX_ID_RULES: dict[str, tuple[re.Pattern[str], str]] = {
    "BR": (
        re.compile(r"\d{11}|[0-9A-Z]{12}\d{2}", re.ASCII),
        "the recipient's CPF (11 digits) or CNPJ (14 characters)",
    ),
    "KR": (
        re.compile(r"P\d{12}", re.ASCII),
        "the recipient's personal customs clearance code (P followed by 12 digits)",
    ),
}


@attrs.frozen
class OrderCheck:
    """The outcome of :func:`check_order`: blocking holds and non-blocking warnings."""

    holds: tuple[Hold, ...]
    warnings: tuple[DataWarning, ...]

    @property
    def can_proceed(self) -> bool:
        """True when nothing holds the order."""
        return not self.holds

    @property
    def reasons(self) -> frozenset[HoldReason]:
        return frozenset(hold.reason for hold in self.holds)

    @property
    def paths(self) -> tuple[str, ...]:
        """The field paths of the holds, in the order they were found."""
        return tuple(hold.path for hold in self.holds)

    def for_actor(self, actor: Actor) -> tuple[Hold, ...]:
        """The holds that ``actor`` must act on."""
        return tuple(hold for hold in self.holds if hold.actor is actor)


def check_order(
    order: Order,
    catalog: SupplierCatalog,
    supplier: Supplier | None = None,
    *,
    line_ids: Collection[str] | None = None,
) -> OrderCheck:
    """Every problem that stops ``order`` from being fulfilled, and every warning, at once.

    ``line_ids`` limits the line rules to those lines: after :func:`~fulfillment_core.route_order`
    split an order between suppliers, check each supplier's share with its own lines (the
    order-level rules still apply). Pure and deterministic: the same inputs give the same holds
    in the same order.
    """
    if line_ids is not None:
        _check_line_ids(order, line_ids)
    holds: list[Hold] = []
    warnings: list[DataWarning] = []
    address = order.shipping_address
    country = address.country_code if address.country_code in COUNTRY_CODES else None
    international = _is_cross_border(supplier, country)

    # A digital-only order (gift cards, downloads) goes nowhere: no address rules apply.
    ships = any(item.requires_shipping for item in order.line_items)
    if ships:
        holds.extend(_address_holds(address, country))
        holds.extend(_destination_holds(supplier, country))
        if international and country in _TAX_ID_RULES:
            holds.extend(_tax_id_holds(address, country))
        warnings.extend(_address_warnings(address, country))
    holds.extend(_contact_holds(order.contact, address))
    holds.extend(_payment_holds(order))
    if order.risk_level is RiskLevel.MEDIUM:
        warnings.append(
            DataWarning(
                WarningCode.ELEVATED_FRAUD_RISK,
                "risk_level",
                "the storefront rates this order's fraud risk as medium; consider a review",
            )
        )
    for index, item in enumerate(order.line_items):
        if item.requires_shipping and (line_ids is None or item.id in line_ids):
            holds.extend(
                _line_holds(
                    index,
                    item,
                    catalog=catalog,
                    supplier=supplier,
                    country=country,
                    international=international,
                )
            )
    return OrderCheck(tuple(holds), tuple(warnings))


def _check_line_ids(order: Order, line_ids: object) -> None:
    given: object = line_ids
    if isinstance(given, str) or not isinstance(given, Collection):
        raise ValidationError(
            "check_order",
            [Problem("line_ids", f"must be a collection of line ids, got {describe(given)}")],
        )
    known = {item.id for item in order.line_items}
    unknown = sorted(str(line_id) for line_id in given if line_id not in known)
    if unknown or not given:
        what = f"has ids the order lacks: {', '.join(unknown)}" if unknown else "is empty"
        raise ValidationError(
            "check_order",
            [Problem("line_ids", what, f"the order's lines are {', '.join(sorted(known))}")],
        )


# --------------------------------------------------------------------------- address


def _country_name(code: str) -> str:
    return COUNTRY_NAMES.get(code, code)


def _address_hold(field: str, message: str) -> Hold:
    return Hold(HoldReason.INCORRECT_ADDRESS, f"shipping_address.{field}", Actor.CUSTOMER, message)


def _address_holds(address: Address, country: str | None) -> Iterator[Hold]:
    if address.country_code is None:
        yield _address_hold("country_code", "the country is missing; ask for it")
    elif country is None:
        suggestion = _COUNTRY_MIXUPS.get(address.country_code, "e.g. 'US', 'DE'")
        yield _address_hold(
            "country_code",
            f"{address.country_code!r} is not an ISO 3166-1 alpha-2 country code;"
            f" ask for the country ({suggestion})",
        )
    if address.name is None:
        yield _address_hold("name", "the recipient's name is missing; carriers require it")
    if address.address1 is None:
        yield _address_hold("address1", "the street address is missing; ask for it")
    if address.city is None and country not in _CITY_OPTIONAL:
        yield _address_hold("city", "the city is missing; ask for it")
    if country is None:
        return
    where = _country_name(country)
    postal_code = address.postal_code
    if postal_code is None:
        if country not in POSTAL_CODE_OPTIONAL:
            example = POSTAL_CODE_EXAMPLES.get(country)
            like = f" (like {example})" if example else ""
            yield _address_hold(
                "postal_code",
                f"the postal code is missing; addresses in {where} need one{like}",
            )
    elif country not in POSTAL_CODE_OPTIONAL and not postal_code_is_valid(country, postal_code):
        yield _address_hold(
            "postal_code",
            f"{postal_code!r} is not a valid postal code for {where};"
            f" expected a code like {POSTAL_CODE_EXAMPLES[country]}",
        )
    province = address.province
    if province is None:
        if country in SUBDIVISION_REQUIRED:
            yield _address_hold(
                "province",
                f"the state/province is missing; carriers need it for {where}",
            )
    elif country in SUBDIVISIONS and match_subdivision(country, province) is None:
        sample = ", ".join(list(SUBDIVISIONS[country])[:3])
        yield _address_hold(
            "province",
            f"{province!r} is not a state/province of {where};"
            f" ask for its code or name (e.g. {sample})",
        )


def _destination_holds(supplier: Supplier | None, country: str | None) -> Iterator[Hold]:
    if supplier is not None and country is not None and not supplier.ships_to(country):
        yield Hold(
            HoldReason.UNDELIVERABLE_DESTINATION,
            "shipping_address.country_code",
            Actor.MERCHANT,
            f"{supplier.name} does not ship to {_country_name(country)};"
            " route this order to a supplier that does",
        )


def _tax_id_holds(address: Address, country: str) -> Iterator[Hold]:
    pattern, wanted = _TAX_ID_RULES[country]
    tax_id = address.tax_id
    if tax_id is None:
        yield Hold(
            HoldReason.MISSING_CUSTOMS_INFO,
            "shipping_address.tax_id",
            Actor.CUSTOMER,
            f"customs in {_country_name(country)} need {wanted}; ask the customer for it",
        )
        return
    compact = re.sub(r"[\s.\-/]", "", tax_id).upper()
    if not pattern.fullmatch(compact) or (country == "BR" and not _brazil_tax_id_ok(compact)):
        yield Hold(
            HoldReason.MISSING_CUSTOMS_INFO,
            "shipping_address.tax_id",
            Actor.CUSTOMER,
            f"{tax_id!r} is not valid; customs in {_country_name(country)} need {wanted}",
        )


def _brazil_tax_id_ok(compact: str) -> bool:
    """The check digits of a CPF (11 digits) or CNPJ (14 characters).

    Since July 2026 a CNPJ may hold letters in its first 12 places; each character then counts
    as its character code minus 48, which leaves digits unchanged.
    """
    if len(set(compact)) == 1:  # 000.000.000-00 and the like pass the sums but are invalid
        return False
    numbers = [ord(c) - 48 for c in compact]
    if len(numbers) == 11:
        weight_sets = [list(range(10, 1, -1)), list(range(11, 1, -1))]
    else:
        first = [5, 4, 3, 2, 9, 8, 7, 6, 5, 4, 3, 2]
        weight_sets = [first, [6, *first]]
    for position, weights in enumerate(weight_sets):
        body = numbers[: len(numbers) - 2 + position]
        total = sum(n * w for n, w in zip(body, weights, strict=True))
        remainder = total % 11
        expected = 0 if remainder < 2 else 11 - remainder
        if numbers[len(body)] != expected:
            return False
    return True


def _address_warnings(address: Address, country: str | None) -> Iterator[DataWarning]:
    postal_code = address.postal_code
    if (
        country in POSTAL_CODE_OPTIONAL
        and postal_code is not None
        and not postal_code_is_valid(country, postal_code)
    ):
        yield DataWarning(
            WarningCode.POSTAL_CODE_FORMAT,
            "shipping_address.postal_code",
            f"{postal_code!r} does not look like a postal code of {_country_name(country)}"
            f" (like {POSTAL_CODE_EXAMPLES[country]}); it is optional there, so it may stay",
        )
    for field in ("name", "company", "address1", "address2", "city"):
        value = getattr(address, field)
        if value is not None and len(value) > LABEL_LINE_LIMIT:
            yield DataWarning(
                WarningCode.LINE_TOO_LONG,
                f"shipping_address.{field}",
                f"is {len(value)} characters; most carrier labels print {LABEL_LINE_LIMIT},"
                " so it may be cut off",
            )
    for field in ("address1", "address2"):
        value = getattr(address, field)
        if value is not None and _PO_BOX.search(value):
            yield DataWarning(
                WarningCode.PO_BOX,
                f"shipping_address.{field}",
                "looks like a PO box; couriers such as DHL and UPS cannot deliver to one",
            )


# --------------------------------------------------------------------------- contact


def _phone_ok(phone: str) -> bool:
    phone = unicodedata.normalize("NFKC", phone)
    digits = _PHONE_PUNCTUATION.sub("", _PHONE_EXTENSION.sub("", phone))
    return bool(_PHONE.fullmatch(digits))


def _contact_holds(contact: Contact, address: Address) -> Iterator[Hold]:
    def hold(path: str, message: str) -> Hold:
        return Hold(HoldReason.INVALID_CONTACT_INFO, path, Actor.CUSTOMER, message)

    if contact.email is None and contact.phone is None and address.phone is None:
        yield hold(
            "contact",
            "there is no email or phone to reach the customer; carriers need one"
            " for delivery notices",
        )
    if contact.email is not None and (
        not _EMAIL.fullmatch(contact.email) or len(contact.email) > 254
    ):
        yield hold("contact.email", f"{contact.email!r} is not a valid email address")
    for path, phone in (
        ("contact.phone", contact.phone),
        ("shipping_address.phone", address.phone),
    ):
        if phone is not None and not _phone_ok(phone):
            yield hold(
                path,
                f"{phone!r} is not a valid phone number; expected 7 to 15 digits,"
                " ideally with the country code (+49 30 1234567)",
            )


# --------------------------------------------------------------------------- payment


def _payment_holds(order: Order) -> Iterator[Hold]:
    status = order.payment_status
    if status in (PaymentStatus.PENDING, PaymentStatus.PARTIALLY_PAID, PaymentStatus.EXPIRED):
        yield Hold(
            HoldReason.AWAITING_PAYMENT,
            "payment_status",
            Actor.CUSTOMER,
            f"payment is {status.value.replace('_', ' ')}; nothing is bought until it is paid",
        )
    elif status in (PaymentStatus.REFUNDED, PaymentStatus.VOIDED):
        yield Hold(
            HoldReason.OTHER,
            "payment_status",
            Actor.MERCHANT,
            f"the order's payment was {status.value}; cancel the order or confirm it still ships",
        )
    if order.risk_level is RiskLevel.HIGH:
        yield Hold(
            HoldReason.HIGH_RISK_OF_FRAUD,
            "risk_level",
            Actor.MERCHANT,
            "the storefront rates this order as high fraud risk; review it, then release or cancel",
        )


# --------------------------------------------------------------------------- lines


def _is_cross_border(supplier: Supplier | None, country: str | None) -> bool:
    if supplier is None or country is None:
        return False
    origin = _CUSTOMS_TERRITORY.get(supplier.country, supplier.country)
    destination = _CUSTOMS_TERRITORY.get(country, country)
    if origin == destination:
        return False
    return not (origin in EU_MEMBER_STATES and destination in EU_MEMBER_STATES)


def _line_holds(
    index: int,
    item: LineItem,
    *,
    catalog: SupplierCatalog,
    supplier: Supplier | None,
    country: str | None,
    international: bool,
) -> Iterator[Hold]:
    path = f"line_items[{index}]"

    def sku_hold(reason: HoldReason, message: str) -> Hold:
        return Hold(reason, f"{path}.sku", Actor.MERCHANT, message)

    label = f"{item.title!r}" if item.title else f"line {item.id}"
    if item.sku is None:
        yield sku_hold(
            HoldReason.INVALID_SKU,
            f"{label} has no SKU; give the product a SKU mapped in the supplier catalogue",
        )
        return
    entry = catalog.get(item.sku)
    if entry is None:
        yield sku_hold(
            HoldReason.INVALID_SKU,
            f"SKU {item.sku!r} is not in the supplier catalogue; map it to a supplier SKU",
        )
        return
    if supplier is not None:
        source = catalog.source_for(item.sku, supplier.id)
        if source is None:
            yield sku_hold(
                HoldReason.INVALID_SKU,
                f"SKU {item.sku!r} is not supplied by {supplier.name}; map it or re-route the line",
            )
            return
        if not source.serves(country):
            yield sku_hold(
                HoldReason.UNDELIVERABLE_DESTINATION,
                f"{supplier.name} cannot ship SKU {item.sku!r} to"
                f" {_country_name(country or '')}; re-route the line",
            )
    elif not catalog.sources(item.sku, country):
        yield sku_hold(
            HoldReason.UNDELIVERABLE_DESTINATION,
            f"no supplier of SKU {item.sku!r} ships to {_country_name(country or '')}",
        )
    if international:
        yield from _customs_holds(path, item, entry.customs)


_NO_CUSTOMS = CustomsInfo()


def _customs_holds(
    path: str, item: LineItem, catalog_customs: CustomsInfo | None
) -> Iterator[Hold]:
    customs = (item.customs or _NO_CUSTOMS).merged_over(catalog_customs)

    def hold(field: str, message: str) -> Hold:
        return Hold(
            HoldReason.MISSING_CUSTOMS_INFO, f"{path}.customs.{field}", Actor.SUPPLIER, message
        )

    if customs.hs_code is None:
        yield hold("hs_code", f"SKU {item.sku!r} has no HS code; cross-border parcels need one")
    elif not _HS_CODE.fullmatch(customs.hs_code):
        yield hold("hs_code", f"{customs.hs_code!r} is not an HS code (6 to 10 digits)")
    if customs.origin_country is None:
        yield hold(
            "origin_country",
            f"SKU {item.sku!r} has no country of origin; customs declarations need it",
        )
    elif customs.origin_country not in COUNTRY_CODES:
        yield hold(
            "origin_country",
            f"{customs.origin_country!r} is not an ISO 3166-1 alpha-2 country code",
        )
    if customs.description is None:
        yield hold(
            "description",
            f"SKU {item.sku!r} has no customs description; say plainly what it is",
        )
