"""Where an order goes and how to reach its customer: :class:`Address` and :class:`Contact`.

Construction checks *shape* (every field is text or absent, no control characters, sane
lengths) and normalises it (Unicode NFC, whitespace folded, country code upper-cased). It does
*not* decide whether the address is complete or deliverable: an order arrives with whatever the
customer typed, and :func:`~fulfillment_core.check_order` reports what is missing as holds that
the merchant can answer. So an address with no postal code can be built; an address whose
postal code is a number cannot.

>>> from fulfillment_core import Address
>>> Address(name="  Zoë  Müller ", address1="Invalidenstraße 116", city="Berlin",
...         postal_code="10115", country_code="de").country_code
'DE'
"""

from __future__ import annotations

import attrs

from ._validation import Checker, to_code, to_line

__all__ = ["Address", "Contact"]

#: Longer than any real address field; a guard against pasted junk, not a carrier limit.
MAX_FIELD_LENGTH = 255

_ADDRESS_FIELDS = (
    "name",
    "company",
    "address1",
    "address2",
    "city",
    "province",
    "postal_code",
    "phone",
    "tax_id",
)


@attrs.frozen
class Address:
    """A postal address as the storefront captured it.

    ``province`` holds a state, province, prefecture or region, as a code (``"CA"``) or a name
    (``"California"``); ``tax_id`` holds a customs identifier some destinations require
    (Brazil's CPF/CNPJ, Korea's personal customs code).
    """

    name: str | None = attrs.field(default=None, converter=to_line, kw_only=True)
    company: str | None = attrs.field(default=None, converter=to_line, kw_only=True)
    address1: str | None = attrs.field(default=None, converter=to_line, kw_only=True)
    address2: str | None = attrs.field(default=None, converter=to_line, kw_only=True)
    city: str | None = attrs.field(default=None, converter=to_line, kw_only=True)
    province: str | None = attrs.field(default=None, converter=to_line, kw_only=True)
    postal_code: str | None = attrs.field(default=None, converter=to_line, kw_only=True)
    country_code: str | None = attrs.field(default=None, converter=to_code, kw_only=True)
    phone: str | None = attrs.field(default=None, converter=to_line, kw_only=True)
    tax_id: str | None = attrs.field(default=None, converter=to_line, kw_only=True)

    def __attrs_post_init__(self) -> None:
        check = Checker()
        for name in _ADDRESS_FIELDS:
            check.text(name, getattr(self, name), required=False, max_length=MAX_FIELD_LENGTH)
        check.text("country_code", self.country_code, required=False, max_length=8)
        check.done("Address")

    @property
    def lines(self) -> tuple[str, ...]:
        """The non-empty street lines, in order."""
        return tuple(line for line in (self.address1, self.address2) if line)


@attrs.frozen
class Contact:
    """How to reach the customer: an email address and/or a phone number (as typed)."""

    email: str | None = attrs.field(default=None, converter=to_line, kw_only=True)
    phone: str | None = attrs.field(default=None, converter=to_line, kw_only=True)

    def __attrs_post_init__(self) -> None:
        check = Checker()
        check.text("email", self.email, required=False, max_length=MAX_FIELD_LENGTH)
        check.text("phone", self.phone, required=False, max_length=64)
        check.done("Contact")
