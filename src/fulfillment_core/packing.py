"""Packing: when to ship (:func:`ready_to_ship`) and what goes in a parcel (:func:`plan_parcels`).

The rules, all in this module:

* **Split.** With ``ship_available`` any ready unit ships now; with ``ship_complete`` nothing
  ships while a unit is still waiting (being sourced, backordered).
* **Ship separately.** Each unit of a line marked ``ship_separately`` gets a parcel of its own.
* **The rest** is packed first-fit-decreasing: units heaviest first (unknown weights last, then by
  line id), each into the first parcel it fits under ``max_grams`` and ``max_items`` (units, not
  lines), a new parcel when none has room.
* **Overweight.** A unit heavier than ``max_grams`` on its own cannot be packed within the limit:
  it goes alone, in a parcel flagged ``overweight``, for a person to look at. It is never dropped.
* **Unknown weights.** Without ``max_grams`` a unit's weight may be unknown, and a parcel holding
  one has ``grams=None``. With ``max_grams`` every weight must be known: guessing would break the
  limit silently, so :func:`plan_parcels` refuses.
* **Inserts.** Every parcel carries each insert the policy asks for that the supplier supports;
  those it does not support are reported in ``unsupported_inserts``, never silently dropped.
* The plan depends only on the items, not on their order.

>>> from fulfillment_core.packing import PackItem, PackingLimits, plan_parcels
>>> plan = plan_parcels(
...     [PackItem("line-1", 3, 400), PackItem("line-2", 1, 900, ship_separately=True)],
...     PackingLimits(max_grams=1000),
...     inserts={"packing_slip"},
...     supported={"packing_slip", "thank_you_card"},
... )
>>> [(p.items[0].line_id, p.units, p.grams) for p in plan.parcels]
[('line-2', 1, 900), ('line-1', 2, 800), ('line-1', 1, 400)]
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from typing import Any

import attrs

from ._validation import Checker, first_duplicates, to_text, to_tuple
from .catalog import CatalogEntry
from .policy import Insert, ShipmentPolicy, SplitMode, to_inserts
from .shipment import LineQuantity, check_line_quantities

__all__ = [
    "PackItem",
    "PackingLimits",
    "PackingPlan",
    "Parcel",
    "plan_parcels",
    "ready_to_ship",
]


def ready_to_ship(policy: ShipmentPolicy, *, ready: int, waiting: int) -> bool:
    """Whether to ship now, with ``ready`` units packable and ``waiting`` units not yet in hand.

    ``ship_available`` ships whatever is ready; ``ship_complete`` waits until nothing is left
    waiting. Nothing ships when nothing is ready.

    >>> from fulfillment_core import ShipmentPolicy
    >>> ready_to_ship(ShipmentPolicy(split="ship_complete"), ready=2, waiting=1)
    False
    """
    check = Checker()
    check.instance("policy", policy, ShipmentPolicy)
    check.integer("ready", ready, minimum=0)
    check.integer("waiting", waiting, minimum=0)
    check.done("ready_to_ship")
    if ready == 0:
        return False
    return policy.split is SplitMode.SHIP_AVAILABLE or waiting == 0


@attrs.frozen
class PackItem:
    """Units of one order line to pack: ``PackItem("line-1", 2, unit_grams=350)``.

    ``unit_grams`` is the weight of one unit, ``None`` when unknown.
    """

    line_id: str = attrs.field(converter=to_text)
    quantity: int
    unit_grams: int | None
    ship_separately: bool = attrs.field(default=False, kw_only=True)

    def __attrs_post_init__(self) -> None:
        check = Checker()
        check.text("line_id", self.line_id, max_length=255)
        check.integer("quantity", self.quantity, minimum=1, maximum=1_000_000)
        check.integer("unit_grams", self.unit_grams, minimum=0, required=False)
        check.boolean("ship_separately", self.ship_separately)
        check.done("PackItem")

    @classmethod
    def from_catalog(cls, line_id: str, quantity: int, entry: CatalogEntry) -> PackItem:
        """Units of ``line_id``, with weight and ship-separately from its catalogue ``entry``."""
        return cls(line_id, quantity, entry.grams, ship_separately=entry.ship_separately)


@attrs.frozen
class PackingLimits:
    """What one parcel may hold: at most ``max_grams`` in weight and ``max_items`` units.

    ``None`` means no limit.
    """

    max_grams: int | None = None
    max_items: int | None = None

    def __attrs_post_init__(self) -> None:
        check = Checker()
        check.integer("max_grams", self.max_grams, minimum=1, required=False)
        check.integer("max_items", self.max_items, minimum=1, required=False)
        check.done("PackingLimits")


def _is_insert(value: object) -> bool:
    return isinstance(value, Insert)


@attrs.frozen
class Parcel:
    """One planned parcel: the line quantities in it, its weight and its inserts.

    ``grams`` is the weight of the goods, ``None`` when a unit's weight is unknown. ``overweight``
    flags a single unit heavier than the weight limit, packed alone.
    """

    items: tuple[LineQuantity, ...] = attrs.field(converter=to_tuple)
    grams: int | None
    inserts: frozenset[Insert] = attrs.field(default=frozenset(), converter=to_inserts)
    overweight: bool = attrs.field(default=False, kw_only=True)

    def __attrs_post_init__(self) -> None:
        check = Checker()
        check_line_quantities(check, "items", self.items, non_empty=True)
        check.integer("grams", self.grams, minimum=0, required=False)
        check.set_of("inserts", self.inserts, _is_insert, "inserts")
        check.boolean("overweight", self.overweight)
        check.done("Parcel")

    @property
    def units(self) -> int:
        """How many units the parcel holds."""
        return sum(item.quantity for item in self.items)

    def quantity_of(self, line_id: str) -> int:
        return sum(item.quantity for item in self.items if item.line_id == line_id)


@attrs.frozen
class PackingPlan:
    """The parcels to pack, and the inserts the policy asked for that the supplier cannot add."""

    parcels: tuple[Parcel, ...] = attrs.field(converter=to_tuple)
    unsupported_inserts: frozenset[Insert] = attrs.field(default=frozenset(), converter=to_inserts)

    def __attrs_post_init__(self) -> None:
        check = Checker()
        check.sequence("parcels", self.parcels, Parcel)
        check.set_of("unsupported_inserts", self.unsupported_inserts, _is_insert, "inserts")
        check.done("PackingPlan")

    @property
    def overweight(self) -> tuple[Parcel, ...]:
        """The parcels holding a unit heavier than the weight limit: they need a person."""
        return tuple(parcel for parcel in self.parcels if parcel.overweight)

    def quantity_of(self, line_id: str) -> int:
        """How many units of ``line_id`` the plan packs, over all parcels."""
        return sum(parcel.quantity_of(line_id) for parcel in self.parcels)


# --------------------------------------------------------------------------- the planner


@attrs.define
class _OpenParcel:
    """A parcel being filled: line id to units, in the order they went in."""

    counts: dict[str, int] = attrs.field(factory=dict)
    units: int = 0
    grams: int | None = 0

    def add(self, line_id: str, units: int, unit_grams: int | None) -> None:
        self.counts[line_id] = self.counts.get(line_id, 0) + units
        self.units += units
        if self.grams is not None:
            self.grams = None if unit_grams is None else self.grams + units * unit_grams

    def room_for(self, unit_grams: int | None, limits: PackingLimits) -> int | None:
        """How many more units of this weight fit (``None``: no limit applies)."""
        room: int | None = None
        if limits.max_items is not None:
            room = limits.max_items - self.units
        if limits.max_grams is not None and unit_grams:
            assert self.grams is not None  # every weight is known when max_grams is set
            by_weight = (limits.max_grams - self.grams) // unit_grams
            room = by_weight if room is None else min(room, by_weight)
        return room

    def fill(self, line_id: str, units: int, unit_grams: int | None, limits: PackingLimits) -> int:
        """Add as many of ``units`` as fit; return how many went in."""
        room = self.room_for(unit_grams, limits)
        taken = units if room is None else max(0, min(units, room))
        if taken:
            self.add(line_id, taken, unit_grams)
        return taken

    def close(self, inserts: frozenset[Insert], *, overweight: bool = False) -> Parcel:
        items = tuple(LineQuantity(line_id, units) for line_id, units in self.counts.items())
        return Parcel(items, self.grams, inserts, overweight=overweight)


def _heaviest_first(item: PackItem) -> tuple[bool, int, str]:
    return (item.unit_grams is None, -(item.unit_grams or 0), item.line_id)


def _check_plan_input(
    items: tuple[Any, ...], limits: object, inserts: object, supported: object
) -> None:
    check = Checker()
    if check.sequence("items", items, PackItem):
        for dup in first_duplicates(item.line_id for item in items):
            check.fail("items", f"line {dup!r} appears twice", "give each line once with its total")
        if isinstance(limits, PackingLimits) and limits.max_grams is not None:
            for index, item in enumerate(items):
                if item.unit_grams is None:
                    check.fail(
                        f"items[{index}].unit_grams",
                        f"the weight of line {item.line_id!r} is unknown, but parcels are"
                        f" limited to {limits.max_grams} g",
                        "record the product's weight (CatalogEntry.grams) first",
                    )
    check.instance("limits", limits, PackingLimits)
    check.set_of("inserts", inserts, _is_insert, "inserts")
    check.set_of("supported", supported, _is_insert, "inserts")
    check.done("plan_parcels")


def plan_parcels(
    items: Iterable[PackItem],
    limits: PackingLimits,
    *,
    inserts: Collection[Insert | str] = frozenset(),
    supported: Collection[Insert | str] = frozenset(Insert),
) -> PackingPlan:
    """Plan the parcels for ``items`` under ``limits``, with the inserts the supplier can add.

    ``inserts`` is what the policy asks for (``policy.inserts``; none by default), ``supported``
    what the supplier can do (``supplier.supported_inserts``; every insert by default). Parcels
    come in a fixed order: first the parcels of single units (ship-separately and overweight),
    heaviest first, then the packed parcels in the order they were opened. Raises
    ``ValidationError`` for bad arguments, for a line given twice, and for a unit of unknown
    weight when ``limits.max_grams`` is set.
    """
    given = tuple(items)
    wanted, can_do = to_inserts(inserts), to_inserts(supported)
    _check_plan_input(given, limits, wanted, can_do)

    added = frozenset(wanted & can_do)
    alone: list[Parcel] = []
    packed: list[_OpenParcel] = []
    for item in sorted(given, key=_heaviest_first):
        grams = item.unit_grams
        overweight = limits.max_grams is not None and grams is not None and grams > limits.max_grams
        if item.ship_separately or overweight:
            single = _OpenParcel()
            single.add(item.line_id, 1, grams)
            alone.extend([single.close(added, overweight=overweight)] * item.quantity)
            continue
        left = item.quantity
        for open_parcel in packed:  # first fit: units of one weight fill the earliest parcels
            left -= open_parcel.fill(item.line_id, left, grams, limits)
            if not left:
                break
        while left:
            fresh = _OpenParcel()
            left -= fresh.fill(item.line_id, left, grams, limits)
            packed.append(fresh)
    return PackingPlan(
        (*alone, *(open_parcel.close(added) for open_parcel in packed)),
        frozenset(wanted - can_do),
    )
