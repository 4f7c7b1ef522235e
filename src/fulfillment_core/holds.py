"""Why work cannot go on: :class:`Hold`, with its :class:`HoldReason` and the :class:`Actor` who
must act; and :class:`DataWarning`, a concern that does not stop the work.

Reasons are named after Shopify's fulfillment hold and rejection reasons so a storefront adapter
maps them one to one (:attr:`HoldReason.shopify_hold_reason`,
:attr:`HoldReason.shopify_rejection_reason`).
"""

from __future__ import annotations

import enum
from typing import Any

import attrs

from ._validation import Checker, to_enum, to_text

__all__ = ["Actor", "DataWarning", "Hold", "HoldReason", "WarningCode"]


class HoldReason(enum.StrEnum):
    """Why work is held."""

    INCORRECT_ADDRESS = "incorrect_address"
    UNDELIVERABLE_DESTINATION = "undeliverable_destination"
    INVALID_SKU = "invalid_sku"
    MISSING_CUSTOMS_INFO = "missing_customs_info"
    INVALID_CONTACT_INFO = "invalid_contact_info"
    AWAITING_PAYMENT = "awaiting_payment"
    HIGH_RISK_OF_FRAUD = "high_risk_of_fraud"
    OUT_OF_STOCK = "out_of_stock"
    OTHER = "other"

    @property
    def awaits_decision(self) -> bool:
        """Whether the hold waits for a decision (payment, a fraud review, stock) rather than
        for data someone must supply."""
        return self in _DECISION_REASONS

    @property
    def shopify_hold_reason(self) -> str:
        """The matching Shopify ``FulfillmentHoldReason`` (``OTHER`` where Shopify has none)."""
        return _SHOPIFY_HOLD.get(self, "OTHER")

    @property
    def shopify_rejection_reason(self) -> str:
        """The matching Shopify ``FulfillmentOrderRejectionReason``."""
        return _SHOPIFY_REJECTION[self]


_DECISION_REASONS = frozenset(
    {HoldReason.AWAITING_PAYMENT, HoldReason.HIGH_RISK_OF_FRAUD, HoldReason.OUT_OF_STOCK}
)

_SHOPIFY_HOLD = {
    HoldReason.INCORRECT_ADDRESS: "INCORRECT_ADDRESS",
    HoldReason.AWAITING_PAYMENT: "AWAITING_PAYMENT",
    HoldReason.HIGH_RISK_OF_FRAUD: "HIGH_RISK_OF_FRAUD",
    HoldReason.OUT_OF_STOCK: "INVENTORY_OUT_OF_STOCK",
}

_SHOPIFY_REJECTION = {
    HoldReason.INCORRECT_ADDRESS: "INCORRECT_ADDRESS",
    HoldReason.UNDELIVERABLE_DESTINATION: "UNDELIVERABLE_DESTINATION",
    HoldReason.INVALID_SKU: "INVALID_SKU",
    HoldReason.MISSING_CUSTOMS_INFO: "MISSING_CUSTOMS_INFO",
    HoldReason.INVALID_CONTACT_INFO: "INVALID_CONTACT_INFORMATION",
    HoldReason.AWAITING_PAYMENT: "PAYMENT_DECLINED",
    HoldReason.HIGH_RISK_OF_FRAUD: "OTHER",
    HoldReason.OUT_OF_STOCK: "INVENTORY_OUT_OF_STOCK",
    HoldReason.OTHER: "OTHER",
}


class Actor(enum.StrEnum):
    """Who must act to release a hold."""

    MERCHANT = "merchant"
    CUSTOMER = "customer"
    SUPPLIER = "supplier"


def _to_reason(value: Any) -> Any:
    return to_enum(HoldReason, value)


def _to_actor(value: Any) -> Any:
    return to_enum(Actor, value)


@attrs.frozen
class Hold:
    """One reason work cannot go on: what (``reason``), where (``path``, a field path into the
    order such as ``shipping_address.postal_code`` or ``line_items[2].sku``), who must act, and a
    message a person can act on."""

    reason: HoldReason = attrs.field(converter=_to_reason)
    path: str = attrs.field(converter=to_text)
    actor: Actor = attrs.field(converter=_to_actor)
    message: str = attrs.field(converter=to_text)

    def __attrs_post_init__(self) -> None:
        check = Checker()
        check.member("reason", self.reason, HoldReason)
        check.text("path", self.path, required=False, max_length=255)
        check.member("actor", self.actor, Actor)
        check.text("message", self.message, max_length=2000)
        check.done("Hold")

    def __str__(self) -> str:
        where = f"{self.path}: " if self.path else ""
        return f"[{self.reason}] {where}{self.message} (to act: {self.actor})"


class WarningCode(enum.StrEnum):
    """Concerns that do not block the work but are worth a look."""

    PO_BOX = "po_box"
    LINE_TOO_LONG = "line_too_long"
    #: A postal code in an unusual format where the country does not require one.
    POSTAL_CODE_FORMAT = "postal_code_format"
    ELEVATED_FRAUD_RISK = "elevated_fraud_risk"


def _to_warning_code(value: Any) -> Any:
    return to_enum(WarningCode, value)


@attrs.frozen
class DataWarning:
    """A concern about the order's data that does not stop the work."""

    code: WarningCode = attrs.field(converter=_to_warning_code)
    path: str = attrs.field(converter=to_text)
    message: str = attrs.field(converter=to_text)

    def __attrs_post_init__(self) -> None:
        check = Checker()
        check.member("code", self.code, WarningCode)
        check.text("path", self.path, required=False, max_length=255)
        check.text("message", self.message, max_length=2000)
        check.done("DataWarning")

    def __str__(self) -> str:
        where = f"{self.path}: " if self.path else ""
        return f"[{self.code}] {where}{self.message}"
