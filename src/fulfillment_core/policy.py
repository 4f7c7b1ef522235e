"""The merchant's rules for how orders are fulfilled: :class:`ShipmentPolicy`.

A policy says which carrier service to prefer (fastest, cheapest, or best value) and under which
constraints, how long a restock may be waited for before the work is cancelled or switched to a
backup supplier, whether to ship what is ready or wait to ship complete, what goes in the parcel,
and the service levels the merchant promises.

>>> from fulfillment_core import Insert, ServiceStrategy, ShipmentPolicy
>>> policy = ShipmentPolicy(service_strategy="cheapest", max_restock_wait_days=5,
...                         inserts={"thank_you_card", "packing_slip"})
>>> policy.service_strategy is ServiceStrategy.CHEAPEST, policy.blind_shipping
(True, True)
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

import attrs

from ._validation import Checker, describe, to_decimal, to_enum, to_frozenset
from .money import Money

__all__ = [
    "Audience",
    "Channel",
    "Insert",
    "NotificationKind",
    "NotificationPreferences",
    "ServiceConstraints",
    "ServiceStrategy",
    "ShipmentPolicy",
    "SlaThresholds",
    "SplitMode",
]


class ServiceStrategy(enum.StrEnum):
    """How to pick a carrier service among those that meet the constraints."""

    FASTEST = "fastest"
    CHEAPEST = "cheapest"
    BEST_VALUE = "best_value"


class SplitMode(enum.StrEnum):
    """Ship the lines that are ready now, or wait and ship the order in one parcel set."""

    SHIP_AVAILABLE = "ship_available"
    SHIP_COMPLETE = "ship_complete"


class Insert(enum.StrEnum):
    """Printed matter that can go in a parcel."""

    THANK_YOU_CARD = "thank_you_card"
    #: An invoice in the merchant's branding, with prices.
    BRANDED_INVOICE = "branded_invoice"
    #: A packing slip without prices, for blind (white-label) shipping.
    PACKING_SLIP = "packing_slip"


def _to_insert(value: Any) -> Any:
    return to_enum(Insert, value)


def to_inserts(value: Any) -> Any:
    """A collection of inserts (members, values or names) to a frozenset of :class:`Insert`."""
    return to_frozenset(value, _to_insert)


def _to_carrier(value: Any) -> Any:
    return value.strip().lower() if isinstance(value, str) else value


def _to_carriers(value: Any) -> Any:
    """Carrier names compare case-insensitively: store them lower-cased and stripped."""
    return to_frozenset(value, _to_carrier)


def _to_strategy(value: Any) -> Any:
    return to_enum(ServiceStrategy, value)


def _to_split(value: Any) -> Any:
    return to_enum(SplitMode, value)


def _is_carrier(value: object) -> bool:
    return isinstance(value, str) and bool(value)


@attrs.frozen
class ServiceConstraints:
    """Limits every chosen carrier service must respect.

    ``allowed_carriers`` of ``None`` allows every carrier not in ``blocked_carriers``.
    """

    max_price: Money | None = attrs.field(default=None, kw_only=True)
    tracked_only: bool = attrs.field(default=True, kw_only=True)
    allowed_carriers: frozenset[str] | None = attrs.field(
        default=None, converter=_to_carriers, kw_only=True
    )
    blocked_carriers: frozenset[str] = attrs.field(
        default=frozenset(), converter=_to_carriers, kw_only=True
    )
    max_transit_days: int | None = attrs.field(default=None, kw_only=True)

    def __attrs_post_init__(self) -> None:
        check = Checker()
        if check.instance("max_price", self.max_price, Money, required=False) and (
            self.max_price is not None and self.max_price.is_negative
        ):
            check.fail("max_price", f"must not be negative, got {self.max_price}")
        check.boolean("tracked_only", self.tracked_only)
        allowed_ok = check.set_of(
            "allowed_carriers",
            self.allowed_carriers,
            _is_carrier,
            "carrier names",
            required=False,
        )
        blocked_ok = check.set_of(
            "blocked_carriers", self.blocked_carriers, _is_carrier, "carrier names"
        )
        if allowed_ok and blocked_ok and self.allowed_carriers is not None:
            both = sorted(self.allowed_carriers & self.blocked_carriers)
            if both:
                check.fail(
                    "blocked_carriers",
                    f"{', '.join(both)} both allowed and blocked",
                    "remove them from one of the two lists",
                )
            if not self.allowed_carriers:
                check.fail(
                    "allowed_carriers",
                    "is empty, so no carrier could ever be used",
                    "leave it out (None) to allow every carrier",
                )
        check.integer("max_transit_days", self.max_transit_days, minimum=1, required=False)
        check.done("ServiceConstraints")

    def allows_carrier(self, carrier: str) -> bool:
        """Whether ``carrier`` (any case) passes the allow and block lists."""
        name = carrier.strip().lower()
        if name in self.blocked_carriers:
            return False
        return self.allowed_carriers is None or name in self.allowed_carriers


@attrs.frozen
class SlaThresholds:
    """Service levels the merchant promises.

    ``processing_days``: supplier business days from the fulfillment order's opening (the
    work handed to a supplier; a switch to a backup opens new work) to the parcel shipping.
    ``shipping_days``: calendar days from shipping to delivery. Kept apart everywhere.
    ``merchant_response_days``: business days a data request may stay unanswered.
    """

    processing_days: int = attrs.field(default=3, kw_only=True)
    shipping_days: int = attrs.field(default=15, kw_only=True)
    merchant_response_days: int = attrs.field(default=2, kw_only=True)

    def __attrs_post_init__(self) -> None:
        check = Checker()
        check.integer("processing_days", self.processing_days, minimum=1, maximum=365)
        check.integer("shipping_days", self.shipping_days, minimum=1, maximum=365)
        check.integer("merchant_response_days", self.merchant_response_days, minimum=1, maximum=365)
        check.done("SlaThresholds")


class Audience(enum.StrEnum):
    """Who a notification is for."""

    MERCHANT = "merchant"
    CUSTOMER = "customer"


class Channel(enum.StrEnum):
    EMAIL = "email"
    IN_APP = "in_app"


class NotificationKind(enum.StrEnum):
    """What a notification says. Each kind has one audience (:attr:`audience`)."""

    # To the merchant.
    DATA_REQUESTED = "data_requested"
    ACTION_REQUIRED = "action_required"
    HOLD_RELEASED = "hold_released"
    BACKORDERED = "backordered"
    RESTOCKED = "restocked"
    CANCELLED = "cancelled"
    CANCELLATION_REJECTED = "cancellation_rejected"
    SUPPLIER_SWITCHED = "supplier_switched"
    PROCESSING_DELAYED = "processing_delayed"
    SHIPPING_DELAYED = "shipping_delayed"
    DATA_REQUEST_OVERDUE = "data_request_overdue"
    RETURNED = "returned"
    LOST = "lost"
    # To the customer.
    SHIPPED = "shipped"
    DELAYED = "delayed"
    HELD_AT_CUSTOMS = "held_at_customs"
    DELIVERY_FAILED = "delivery_failed"
    DELIVERED = "delivered"

    @property
    def audience(self) -> Audience:
        return Audience.CUSTOMER if self in _CUSTOMER_KINDS else Audience.MERCHANT


_CUSTOMER_KINDS = frozenset(
    {
        NotificationKind.SHIPPED,
        NotificationKind.DELAYED,
        NotificationKind.HELD_AT_CUSTOMS,
        NotificationKind.DELIVERY_FAILED,
        NotificationKind.DELIVERED,
    }
)


def _to_channel(value: Any) -> Any:
    return to_enum(Channel, value)


def _to_kind(value: Any) -> Any:
    return to_enum(NotificationKind, value)


def _to_kinds(value: Any) -> Any:
    return to_frozenset(value, _to_kind)


def _to_overrides(value: Any) -> Any:
    """``{"shipped": "in_app"}`` or pairs to a sorted tuple of (kind, channel) pairs."""
    if isinstance(value, Mapping):
        value = list(value.items())
    if isinstance(value, (list, tuple)):
        pairs = [
            (_to_kind(item[0]), _to_channel(item[1]))
            if isinstance(item, (list, tuple)) and len(item) == 2
            else item
            for item in value
        ]
        try:
            return tuple(sorted(pairs, key=str))
        except TypeError:
            return tuple(pairs)
    return value


@attrs.frozen
class NotificationPreferences:
    """How the merchant wants people told: a channel per audience, per-kind overrides, and
    kinds nobody should be told about (``muted``)."""

    merchant_channel: Channel = attrs.field(
        default=Channel.IN_APP, converter=_to_channel, kw_only=True
    )
    customer_channel: Channel = attrs.field(
        default=Channel.EMAIL, converter=_to_channel, kw_only=True
    )
    channels: tuple[tuple[NotificationKind, Channel], ...] = attrs.field(
        default=(), converter=_to_overrides, kw_only=True
    )
    muted: frozenset[NotificationKind] = attrs.field(
        default=frozenset(), converter=_to_kinds, kw_only=True
    )

    def __attrs_post_init__(self) -> None:
        check = Checker()
        check.member("merchant_channel", self.merchant_channel, Channel)
        check.member("customer_channel", self.customer_channel, Channel)
        given: object = self.channels  # as given, before any type narrowing
        if not isinstance(given, tuple):
            check.fail(
                "channels",
                f"must map notification kinds to channels, got {describe(given)}",
                "e.g. {'shipped': 'in_app'}",
            )
        else:
            seen: set[object] = set()
            for pair in given:
                if not (isinstance(pair, tuple) and len(pair) == 2):
                    check.fail("channels", f"{describe(pair)} is not a kind and a channel")
                    continue
                kind, channel = pair
                if not isinstance(kind, NotificationKind):
                    check.fail(
                        "channels",
                        f"{describe(kind)} is not a notification kind",
                        f"kinds are {', '.join(k.value for k in NotificationKind)}",
                    )
                elif kind in seen:
                    check.fail("channels", f"{kind.value} is given two channels", "give one")
                else:
                    seen.add(kind)
                if not isinstance(channel, Channel):
                    check.fail(
                        "channels",
                        f"{describe(channel)} is not a channel",
                        "use 'email' or 'in_app'",
                    )
        check.set_of(
            "muted", self.muted, lambda v: isinstance(v, NotificationKind), "notification kinds"
        )
        check.done("NotificationPreferences")

    def channel_for(self, kind: NotificationKind) -> Channel | None:
        """The channel for ``kind``, or ``None`` when it is muted."""
        if kind in self.muted:
            return None
        for overridden, channel in self.channels:
            if overridden is kind:
                return channel
        if kind.audience is Audience.CUSTOMER:
            return self.customer_channel
        return self.merchant_channel


@attrs.frozen
class ShipmentPolicy:
    """How the merchant wants orders fulfilled. Every field has a sensible dropshipping default.

    ``best_value_price_weight`` is the share (0 to 1) that price takes against transit time when
    the strategy is ``best_value``. ``max_restock_wait_days`` is in the supplier's business days:
    a restock further off than this cancels the work, or switches it to a backup supplier when
    ``use_backup_suppliers`` allows.
    """

    service_strategy: ServiceStrategy = attrs.field(
        default=ServiceStrategy.FASTEST, converter=_to_strategy, kw_only=True
    )
    best_value_price_weight: Decimal = attrs.field(
        default=Decimal("0.5"), converter=to_decimal, kw_only=True
    )
    constraints: ServiceConstraints = attrs.field(factory=ServiceConstraints, kw_only=True)
    max_restock_wait_days: int = attrs.field(default=5, kw_only=True)
    use_backup_suppliers: bool = attrs.field(default=True, kw_only=True)
    split: SplitMode = attrs.field(
        default=SplitMode.SHIP_AVAILABLE, converter=_to_split, kw_only=True
    )
    inserts: frozenset[Insert] = attrs.field(
        default=frozenset({Insert.PACKING_SLIP}),
        converter=to_inserts,
        kw_only=True,
    )
    sla: SlaThresholds = attrs.field(factory=SlaThresholds, kw_only=True)
    notifications: NotificationPreferences = attrs.field(
        factory=NotificationPreferences, kw_only=True
    )

    def __attrs_post_init__(self) -> None:
        check = Checker()
        check.member("service_strategy", self.service_strategy, ServiceStrategy)
        if check.decimal("best_value_price_weight", self.best_value_price_weight) and not (
            0 <= self.best_value_price_weight <= 1
        ):
            check.fail(
                "best_value_price_weight",
                f"must be between 0 and 1, got {self.best_value_price_weight}",
                "0 weighs only transit time, 1 only price",
            )
        check.instance("constraints", self.constraints, ServiceConstraints)
        check.integer("max_restock_wait_days", self.max_restock_wait_days, minimum=0, maximum=365)
        check.boolean("use_backup_suppliers", self.use_backup_suppliers)
        check.member("split", self.split, SplitMode)
        if (
            check.set_of("inserts", self.inserts, lambda v: isinstance(v, Insert), "inserts")
            and {Insert.BRANDED_INVOICE, Insert.PACKING_SLIP} <= self.inserts
        ):
            check.fail(
                "inserts",
                "asks for both a branded invoice (with prices) and a price-free packing slip",
                "choose one: the packing slip is for blind shipping, the invoice shows prices",
            )
        check.instance("sla", self.sla, SlaThresholds)
        check.instance("notifications", self.notifications, NotificationPreferences)
        check.done("ShipmentPolicy")

    @property
    def blind_shipping(self) -> bool:
        """True when parcels carry a price-free packing slip rather than a priced invoice."""
        return Insert.PACKING_SLIP in self.inserts
