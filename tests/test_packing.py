"""Packing: when to ship, and parcels that hold every unit once within the limits."""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from fulfillment_core import (
    CatalogEntry,
    Insert,
    LineQuantity,
    ShipmentPolicy,
    SkuSource,
    ValidationError,
)
from fulfillment_core.packing import (
    PackingLimits,
    PackingPlan,
    PackItem,
    Parcel,
    plan_parcels,
    ready_to_ship,
)

EVERY_INSERT = frozenset(Insert)


def plan(items: list[PackItem], limits: PackingLimits | None = None, **kwargs: Any) -> PackingPlan:
    kwargs.setdefault("inserts", frozenset())
    kwargs.setdefault("supported", EVERY_INSERT)
    return plan_parcels(items, limits or PackingLimits(), **kwargs)


def contents(result: PackingPlan) -> list[list[tuple[str, int]]]:
    return [[(item.line_id, item.quantity) for item in parcel.items] for parcel in result.parcels]


# --------------------------------------------------------------------------- split policy


@pytest.mark.parametrize(
    ("split", "ready", "waiting", "ships"),
    [
        ("ship_available", 2, 1, True),
        ("ship_available", 2, 0, True),
        ("ship_available", 0, 3, False),
        ("ship_available", 0, 0, False),
        ("ship_complete", 2, 1, False),
        ("ship_complete", 2, 0, True),
        ("ship_complete", 0, 3, False),
        ("ship_complete", 0, 0, False),
    ],
)
def test_ship_available_ships_what_is_ready_and_ship_complete_waits_for_the_rest(
    split: str, ready: int, waiting: int, ships: bool
) -> None:
    assert ready_to_ship(ShipmentPolicy(split=split), ready=ready, waiting=waiting) is ships


def test_ready_to_ship_refuses_negative_or_non_whole_counts() -> None:
    with pytest.raises(ValidationError) as caught:
        ready_to_ship(ShipmentPolicy(), ready=-1, waiting=True)
    assert caught.value.paths == ("ready", "waiting")


# --------------------------------------------------------------------------- values


def test_a_pack_item_takes_weight_and_ship_separately_from_the_catalogue() -> None:
    entry = CatalogEntry(
        "LAMP-SUNSET-01", [SkuSource("sup-1", "SZ-LMP-0093")], grams=1200, ship_separately=True
    )
    assert PackItem.from_catalog("line-2", 3, entry) == PackItem(
        "line-2", 3, 1200, ship_separately=True
    )


def test_a_bad_pack_item_names_every_faulty_field() -> None:
    with pytest.raises(ValidationError) as caught:
        PackItem("", 0, -5, ship_separately="no")  # type: ignore[arg-type]
    assert caught.value.paths == ("line_id", "quantity", "unit_grams", "ship_separately")


def test_packing_limits_must_be_positive_whole_numbers() -> None:
    with pytest.raises(ValidationError) as caught:
        PackingLimits(max_grams=0, max_items="3")  # type: ignore[arg-type]
    assert caught.value.paths == ("max_grams", "max_items")


def test_a_parcel_holds_each_line_once_and_something() -> None:
    with pytest.raises(ValidationError) as caught:
        Parcel([], -1, {"stickers"})
    assert caught.value.paths == ("items", "grams", "inserts")
    with pytest.raises(ValidationError) as caught:
        Parcel([LineQuantity("line-1", 1), LineQuantity("line-1", 2)], 10)
    assert caught.value.paths == ("items",)


# --------------------------------------------------------------------------- planning


def test_without_limits_everything_goes_in_one_parcel_heaviest_first() -> None:
    result = plan([PackItem("line-1", 2, 150), PackItem("line-2", 1, 900)])
    assert contents(result) == [[("line-2", 1), ("line-1", 2)]]
    assert result.parcels[0].grams == 1200


def test_units_are_packed_first_fit_decreasing_under_the_weight_limit() -> None:
    items = [PackItem("case", 4, 100), PackItem("lamp", 1, 700), PackItem("mug", 2, 400)]
    result = plan(items, PackingLimits(max_grams=1000))
    # lamp 700 opens #1; mugs: #1 is full at 700+400, so both go to #2 (800); cases fill #1 to
    # 1000 (3 cases), the fourth fits #2 (900).
    assert contents(result) == [[("lamp", 1), ("case", 3)], [("mug", 2), ("case", 1)]]
    assert [parcel.grams for parcel in result.parcels] == [1000, 900]


def test_max_items_counts_units_not_lines() -> None:
    result = plan(
        [PackItem("line-1", 5, 10), PackItem("line-2", 2, 20)], PackingLimits(max_items=3)
    )
    assert contents(result) == [[("line-2", 2), ("line-1", 1)], [("line-1", 3)], [("line-1", 1)]]


def test_each_unit_of_a_ship_separately_line_gets_its_own_parcel() -> None:
    result = plan([PackItem("mirror", 2, 3000, ship_separately=True), PackItem("card", 3, 20)])
    assert contents(result) == [[("mirror", 1)], [("mirror", 1)], [("card", 3)]]
    assert not result.overweight


def test_a_unit_heavier_than_the_limit_goes_alone_and_is_flagged() -> None:
    result = plan([PackItem("kettlebell", 2, 8000), PackItem("band", 1, 200)], PackingLimits(5000))
    assert contents(result) == [[("kettlebell", 1)], [("kettlebell", 1)], [("band", 1)]]
    assert [parcel.overweight for parcel in result.parcels] == [True, True, False]
    assert result.overweight == result.parcels[:2]


def test_weightless_units_are_limited_only_by_max_items() -> None:
    result = plan([PackItem("sticker", 5, 0)], PackingLimits(max_grams=100, max_items=4))
    assert contents(result) == [[("sticker", 4)], [("sticker", 1)]]


def test_an_unknown_weight_makes_the_parcel_weight_unknown_when_there_is_no_weight_limit() -> None:
    result = plan([PackItem("line-1", 1, None), PackItem("line-2", 1, 300)])
    assert contents(result) == [[("line-2", 1), ("line-1", 1)]]
    assert result.parcels[0].grams is None


def test_an_unknown_weight_under_a_weight_limit_is_refused_rather_than_guessed() -> None:
    with pytest.raises(ValidationError) as caught:
        plan([PackItem("line-1", 1, 300), PackItem("line-2", 1, None)], PackingLimits(2000))
    assert caught.value.paths == ("items[1].unit_grams",)


def test_nothing_to_pack_is_an_empty_plan() -> None:
    assert plan([]).parcels == ()


def test_every_parcel_gets_the_requested_inserts_the_supplier_supports() -> None:
    blind = ShipmentPolicy(inserts={"packing_slip", "thank_you_card"})
    result = plan(
        [PackItem("mirror", 2, 3000, ship_separately=True), PackItem("card", 1, 20)],
        inserts=blind.inserts,
        supported={"packing_slip"},
    )
    assert {parcel.inserts for parcel in result.parcels} == {frozenset({Insert.PACKING_SLIP})}
    assert result.unsupported_inserts == {Insert.THANK_YOU_CARD}


def test_bad_planning_arguments_name_every_problem() -> None:
    with pytest.raises(ValidationError) as caught:
        plan_parcels(
            [PackItem("line-1", 1, 10), PackItem("line-1", 2, 10), "line-2"],  # type: ignore[list-item]
            None,  # type: ignore[arg-type]
            inserts={"confetti"},
            supported=["packing_slip"],
        )
    assert caught.value.paths == ("items[2]", "limits", "inserts")


def test_a_line_given_twice_is_refused() -> None:
    with pytest.raises(ValidationError, match="line 'line-1' appears twice"):
        plan([PackItem("line-1", 1, 10), PackItem("line-1", 2, 10)])


# --------------------------------------------------------------------------- invariants


@st.composite
def pack_items(draw: st.DrawFn) -> list[PackItem]:
    count = draw(st.integers(0, 6))
    return [
        PackItem(
            f"line-{index}",
            draw(st.integers(1, 12)),
            draw(st.integers(0, 3000)),
            ship_separately=draw(st.booleans()),
        )
        for index in range(count)
    ]


limits_st = st.builds(
    PackingLimits,
    max_grams=st.none() | st.integers(1, 4000),
    max_items=st.none() | st.integers(1, 8),
)
insert_sets = st.frozensets(st.sampled_from(Insert))


@given(pack_items(), limits_st)
def test_every_unit_is_packed_exactly_once(items: list[PackItem], limits: PackingLimits) -> None:
    result = plan(items, limits)
    packed: Counter[str] = Counter()
    for parcel in result.parcels:
        for line in parcel.items:
            packed[line.line_id] += line.quantity
    assert packed == Counter({item.line_id: item.quantity for item in items})


@given(pack_items(), limits_st)
def test_parcels_respect_the_limits_except_a_flagged_single_heavy_unit(
    items: list[PackItem], limits: PackingLimits
) -> None:
    weights = {item.line_id: item.unit_grams or 0 for item in items}  # all known here
    for parcel in plan(items, limits).parcels:
        assert parcel.grams == sum(line.quantity * weights[line.line_id] for line in parcel.items)
        if limits.max_items is not None:
            assert parcel.units <= limits.max_items
        if parcel.overweight:
            assert parcel.units == 1
            assert limits.max_grams is not None
            assert parcel.grams > limits.max_grams
        elif limits.max_grams is not None:
            assert parcel.grams <= limits.max_grams


@given(pack_items(), limits_st)
def test_ship_separately_units_travel_alone(items: list[PackItem], limits: PackingLimits) -> None:
    separate = {item.line_id for item in items if item.ship_separately}
    for parcel in plan(items, limits).parcels:
        if any(line.line_id in separate for line in parcel.items):
            assert parcel.units == 1


@given(pack_items(), limits_st, st.randoms(use_true_random=False))
def test_the_plan_does_not_depend_on_the_order_of_the_items(
    items: list[PackItem], limits: PackingLimits, shuffler: Any
) -> None:
    shuffled = list(items)
    shuffler.shuffle(shuffled)
    assert plan(shuffled, limits) == plan(items, limits)


@given(pack_items(), insert_sets, insert_sets)
def test_inserts_are_added_where_supported_and_reported_where_not(
    items: list[PackItem], wanted: frozenset[Insert], supported: frozenset[Insert]
) -> None:
    result = plan(items, inserts=wanted, supported=supported)
    assert all(parcel.inserts == wanted & supported for parcel in result.parcels)
    assert result.unsupported_inserts == wanted - supported
