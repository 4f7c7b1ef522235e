"""Where each line's units come from: the sourcing decision.

:func:`decide_sourcing` is pure. Given what the supplier says about a SKU now (its
:class:`~fulfillment_core.StockStatus`), the merchant's :class:`~fulfillment_core.ShipmentPolicy`,
the supplier's business calendar, "now", and what the backup suppliers say, it decides for every
unit of the line, each allocation with its reason:

1. **Use the warehouse** for as many units as are on the supplier's shelves; or
2. **buy from the factory** as many as the factory has, when they are ready within
   ``max_restock_wait_days`` business days (a supplier answers with one stock status per SKU,
   so it is one or the other).
3. For the units still missing, the primary supplier cannot deliver in time:

   * out of stock with a known restock date **within** ``max_restock_wait_days`` business days
     (counted in the supplier's calendar) → **wait for the restock** until that date; a date
     already past (the supplier missed it and names no new one) is waited for at most
     ``max_restock_wait_days`` business days past it, as if it had been set again that far;
   * otherwise (restock too far off, restock date unknown, discontinued, factory too slow, or
     stock short with no restock announced) → **switch to the backup suppliers**, in their
     ranked order, each taking what it has on the shelf or at a factory ready within the
     limit, when ``use_backup_suppliers`` allows;
   * whatever is still missing → **cancel** those units, and tell the merchant to find another
     source.

The seed's rule in one line: short restock → wait; long restock → switch where a backup exists,
else cancel and tell the merchant.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from typing import Any

import attrs
import pendulum

from ._validation import Checker, to_datetime, to_enum, to_text, to_tuple
from .calendar import BusinessCalendar
from .catalog import SkuSource
from .policy import ShipmentPolicy
from .stock import AtFactory, Discontinued, InWarehouse, OutOfStock, StockStatus

__all__ = [
    "Allocation",
    "BackupOffer",
    "SourcingAction",
    "SourcingDecision",
    "decide_sourcing",
]


class SourcingAction(enum.StrEnum):
    USE_WAREHOUSE = "use_warehouse"
    BUY_FROM_FACTORY = "buy_from_factory"
    WAIT_FOR_RESTOCK = "wait_for_restock"
    SWITCH_SUPPLIER = "switch_supplier"
    CANCEL = "cancel"


def _to_action(value: object) -> Any:
    return to_enum(SourcingAction, value)


@attrs.frozen
class Allocation:
    """Some units of a line and what happens to them, with the reason in words.

    ``supplier_id`` is who supplies them (the backup for a switch); ``ready_by`` is when they are
    expected in the warehouse (factory purchases, restocks), when known.
    """

    action: SourcingAction = attrs.field(converter=_to_action)
    quantity: int
    supplier_id: str = attrs.field(converter=to_text)
    reason: str = attrs.field(converter=to_text)
    ready_by: pendulum.DateTime | None = attrs.field(default=None, converter=to_datetime)

    def __attrs_post_init__(self) -> None:
        check = Checker()
        check.member("action", self.action, SourcingAction)
        check.integer("quantity", self.quantity, minimum=1, maximum=1_000_000)
        check.text("supplier_id", self.supplier_id, max_length=255)
        check.text("reason", self.reason, max_length=2000)
        check.datetime("ready_by", self.ready_by, required=False)
        check.done("Allocation")


@attrs.frozen
class SourcingDecision:
    """Every unit of one line, allocated."""

    line_id: str = attrs.field(converter=to_text)
    allocations: tuple[Allocation, ...] = attrs.field(converter=to_tuple)

    def __attrs_post_init__(self) -> None:
        check = Checker()
        check.text("line_id", self.line_id, max_length=255)
        check.sequence("allocations", self.allocations, Allocation, non_empty=True)
        check.done("SourcingDecision")

    def quantity(self, action: SourcingAction) -> int:
        """Units allocated to ``action``."""
        return sum(a.quantity for a in self.allocations if a.action == action)

    @property
    def actions(self) -> tuple[SourcingAction, ...]:
        return tuple(a.action for a in self.allocations)

    @property
    def needs_merchant(self) -> bool:
        """True when units are cancelled: the merchant must find another source for them."""
        return self.quantity(SourcingAction.CANCEL) > 0


@attrs.frozen
class BackupOffer:
    """What a backup supplier (a ranked :class:`SkuSource`) says about the SKU now."""

    source: SkuSource
    stock: StockStatus

    def __attrs_post_init__(self) -> None:
        check = Checker()
        check.instance("source", self.source, SkuSource)
        check.instance("stock", self.stock, StockStatus)
        check.done("BackupOffer")


def decide_sourcing(
    line_id: str,
    quantity: int,
    stock: StockStatus,
    *,
    supplier_id: str,
    policy: ShipmentPolicy,
    calendar: BusinessCalendar,
    now: pendulum.DateTime,
    backups: Iterable[BackupOffer] = (),
) -> SourcingDecision:
    """Allocate every unit of a line (see the module's rules). Pure and deterministic."""
    check = Checker()
    check.text("line_id", to_text(line_id), max_length=255)
    check.integer("quantity", quantity, minimum=1, maximum=1_000_000)
    check.instance("stock", stock, StockStatus)
    check.text("supplier_id", to_text(supplier_id), max_length=255)
    check.instance("policy", policy, ShipmentPolicy)
    check.instance("calendar", calendar, BusinessCalendar)
    check.datetime("now", to_datetime(now))
    offers = tuple(backups)
    check.sequence("backups", offers, BackupOffer)
    check.done("decide_sourcing")

    allocations: list[Allocation] = []
    missing = quantity
    limit = policy.max_restock_wait_days
    too_slow: str | None = None
    if isinstance(stock, InWarehouse):
        used = min(stock.quantity, missing)
        allocations.append(
            Allocation(
                SourcingAction.USE_WAREHOUSE,
                used,
                supplier_id,
                f"{stock.quantity} in the warehouse",
            )
        )
        missing -= used
    elif isinstance(stock, AtFactory):
        wait = calendar.business_days_between(now, stock.ready_by)
        if wait <= limit:
            bought = min(stock.quantity, missing)
            allocations.append(
                Allocation(
                    SourcingAction.BUY_FROM_FACTORY,
                    bought,
                    supplier_id,
                    f"{stock.quantity} at the factory, in the warehouse in {_days(wait)}",
                    stock.ready_by,
                )
            )
            missing -= bought
        else:
            too_slow = f"the factory needs {_days(wait)}, beyond the {limit}-day limit"
    if missing:
        allocations.extend(
            _shortfall(
                missing,
                stock,
                too_slow=too_slow,
                supplier_id=supplier_id,
                policy=policy,
                calendar=calendar,
                now=now,
                backups=offers,
            )
        )
    return SourcingDecision(to_text(line_id), tuple(allocations))


def _days(count: int) -> str:
    return f"{count} business day" if count == 1 else f"{count} business days"


def _shortfall(
    missing: int,
    stock: StockStatus,
    *,
    too_slow: str | None,
    supplier_id: str,
    policy: ShipmentPolicy,
    calendar: BusinessCalendar,
    now: pendulum.DateTime,
    backups: tuple[BackupOffer, ...],
) -> list[Allocation]:
    """Allocate the units the primary supplier cannot deliver now: wait, switch or cancel."""
    limit = policy.max_restock_wait_days
    if isinstance(stock, OutOfStock) and stock.restock_eta is not None and stock.restock_eta < now:
        overdue = calendar.business_days_between(stock.restock_eta, now)
        if overdue <= limit:
            return [
                Allocation(
                    SourcingAction.WAIT_FOR_RESTOCK,
                    missing,
                    supplier_id,
                    f"restock {_days(overdue)} overdue, within the {limit}-day limit",
                    stock.restock_eta,
                )
            ]
        why = f"restock {_days(overdue)} overdue with no new date, beyond the {limit}-day limit"
    elif isinstance(stock, OutOfStock) and stock.restock_eta is not None:
        wait = calendar.business_days_between(now, stock.restock_eta)
        if wait <= limit:
            return [
                Allocation(
                    SourcingAction.WAIT_FOR_RESTOCK,
                    missing,
                    supplier_id,
                    f"restock expected in {_days(wait)}, within the {limit}-day limit",
                    stock.restock_eta,
                )
            ]
        why = f"restock expected in {_days(wait)}, beyond the {limit}-day limit"
    elif isinstance(stock, OutOfStock):
        why = "out of stock with no restock date"
    elif isinstance(stock, Discontinued):
        why = "discontinued"
    elif too_slow is not None:
        why = too_slow
    else:
        why = f"only {stock.available_quantity} available and no restock announced"
    allocations: list[Allocation] = []
    if policy.use_backup_suppliers:
        asked: set[str] = set()
        for offer in backups:
            if not missing:
                break
            if offer.source.supplier_id in asked:
                continue  # an offer listed twice is still one supplier's stock
            asked.add(offer.source.supplier_id)
            usable, ready_by = _usable_within(offer, supplier_id, limit, calendar, now)
            if not usable:
                continue
            taken = min(offer.stock.available_quantity, missing)
            allocations.append(
                Allocation(
                    SourcingAction.SWITCH_SUPPLIER,
                    taken,
                    offer.source.supplier_id,
                    f"{why}; backup {offer.source.supplier_id} has"
                    f" {offer.stock.available_quantity} ({offer.stock.kind})",
                    ready_by,
                )
            )
            missing -= taken
        if missing and backups:
            why += "; the backup suppliers do not have enough in time"
    else:
        why += "; the policy does not switch to backup suppliers"
    if missing:
        allocations.append(
            Allocation(
                SourcingAction.CANCEL,
                missing,
                supplier_id,
                f"{why}: cancel and find another source for these units",
            )
        )
    return allocations


def _usable_within(
    offer: BackupOffer,
    primary: str,
    limit: int,
    calendar: BusinessCalendar,
    now: pendulum.DateTime,
) -> tuple[bool, pendulum.DateTime | None]:
    """Whether a backup can help, and when its units would be ready (``None``: on the shelf).

    It cannot when it is the primary itself, has nothing, or is slower than the limit.
    """
    stock = offer.stock
    if offer.source.supplier_id == primary or stock.available_quantity == 0:
        return False, None
    if isinstance(stock, AtFactory):
        within = calendar.business_days_between(now, stock.ready_by) <= limit
        return within, stock.ready_by
    return True, None
