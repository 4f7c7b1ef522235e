"""Money: exact amounts, minor units respected, currencies never mixed silently."""

from __future__ import annotations

import operator
from collections.abc import Callable
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from fulfillment_core import CurrencyMismatchError, FulfillmentError, Money, ValidationError


def test_amounts_are_stored_at_the_currencys_minor_units() -> None:
    assert Money("1.5", "USD").amount == Decimal("1.50")
    assert str(Money("1.5", "USD")) == "1.50 USD"
    assert Money(1500, "JPY").amount == Decimal("1500")
    assert Money("1.234", "KWD").amount == Decimal("1.234")


def test_trailing_zeros_beyond_the_minor_units_are_harmless() -> None:
    assert Money("19.990", "USD") == Money("19.99", "USD")


@pytest.mark.parametrize(
    ("amount", "currency"), [("1.999", "EUR"), ("10.5", "JPY"), ("0.0001", "KWD")]
)
def test_more_decimal_places_than_the_currency_has_are_refused(amount: str, currency: str) -> None:
    with pytest.raises(ValidationError) as caught:
        Money(amount, currency)
    assert caught.value.paths == ("amount",)
    assert "round it first" in str(caught.value)


def test_floats_are_refused_with_a_hint_to_use_strings() -> None:
    with pytest.raises(ValidationError) as caught:
        Money(19.99, "USD")  # type: ignore[arg-type]
    assert "floats are not accepted" in str(caught.value)
    assert "'19.99'" in str(caught.value)


@pytest.mark.parametrize("amount", ["NaN", "Infinity", "abc", "", None, True, [1]])
def test_non_numbers_are_refused(amount: object) -> None:
    with pytest.raises(ValidationError):
        Money(amount, "USD")  # type: ignore[arg-type]


@pytest.mark.parametrize("currency", ["US", "XYZ", "usd1", "", None, 840, "HRK"])
def test_unknown_or_withdrawn_currency_codes_are_refused(currency: object) -> None:
    with pytest.raises(ValidationError) as caught:
        Money("1.00", currency)  # type: ignore[arg-type]
    assert caught.value.paths == ("currency",)


def test_currency_codes_are_case_and_space_insensitive() -> None:
    assert Money("1", " eur ") == Money("1", "EUR")


def test_both_problems_are_reported_together() -> None:
    with pytest.raises(ValidationError) as caught:
        Money(1.5, "ZZZ")  # type: ignore[arg-type]
    assert caught.value.paths == ("currency", "amount")


def test_absurdly_large_amounts_are_refused_even_as_results() -> None:
    with pytest.raises(ValidationError):
        Money("1e20", "USD")
    with pytest.raises(ValidationError, match="supported range"):
        _ = Money("999999999999999", "JPY") * 2


def test_adding_different_currencies_raises_and_names_both() -> None:
    with pytest.raises(CurrencyMismatchError) as caught:
        _ = Money("1.00", "USD") + Money("1.00", "EUR")
    assert "USD" in str(caught.value)
    assert "EUR" in str(caught.value)
    assert isinstance(caught.value, FulfillmentError)


@pytest.mark.parametrize("op", [operator.lt, operator.le, operator.gt, operator.ge, operator.sub])
def test_ordering_or_subtracting_different_currencies_raises(op: Callable[..., object]) -> None:
    with pytest.raises(CurrencyMismatchError):
        op(Money("1.00", "USD"), Money("1.00", "EUR"))


def test_money_in_different_currencies_is_simply_unequal() -> None:
    assert Money("1.00", "USD") != Money("1.00", "EUR")


def test_money_does_not_add_to_plain_numbers() -> None:
    with pytest.raises(TypeError):
        _ = Money("1.00", "USD") + 1  # type: ignore[operator]


def test_multiplying_by_a_quantity_and_scaling_by_a_rate() -> None:
    assert Money("19.99", "USD") * 3 == Money("59.97", "USD")
    assert 3 * Money("19.99", "USD") == Money("59.97", "USD")
    assert Money("10.00", "EUR").scaled("0.19") == Money("1.90", "EUR")
    assert Money("0.05", "EUR").scaled("0.5") == Money("0.02", "EUR")  # banker's rounding
    with pytest.raises(TypeError):
        _ = Money("1.00", "USD") * 1.5  # type: ignore[operator]
    with pytest.raises(ValidationError):
        Money("1.00", "USD").scaled("lots")


def test_minor_units_round_trip() -> None:
    assert Money.from_minor_units(1999, "USD") == Money("19.99", "USD")
    assert Money("19.99", "USD").minor_units == 1999
    assert Money.from_minor_units(500, "JPY").minor_units == 500
    with pytest.raises(ValidationError):
        Money.from_minor_units(1.5, "USD")  # type: ignore[arg-type]
    with pytest.raises(ValidationError):
        Money.from_minor_units(1, "NOPE")


def test_rounded_builds_from_an_over_precise_amount() -> None:
    assert Money.rounded("2.675", "USD") == Money("2.68", "USD")
    assert Money.rounded("2.665", "USD") == Money("2.66", "USD")
    with pytest.raises(ValidationError):
        Money.rounded("1e30", "USD")


def test_sum_of_nothing_is_zero_in_the_given_currency() -> None:
    assert Money.sum([], "GBP") == Money.zero("GBP")
    assert Money.sum([Money("1.10", "GBP"), Money("2.20", "GBP")], "GBP") == Money("3.30", "GBP")


def test_allocation_spreads_leftover_cents_to_the_first_parts() -> None:
    assert Money("10.00", "USD").allocate([1, 1, 1]) == (
        Money("3.34", "USD"),
        Money("3.33", "USD"),
        Money("3.33", "USD"),
    )
    assert Money("-0.05", "USD").allocate([1, 1]) == (Money("-0.03", "USD"), Money("-0.02", "USD"))
    assert Money("1.00", "USD").allocate([0, 1]) == (Money("0.00", "USD"), Money("1.00", "USD"))


@pytest.mark.parametrize("weights", [[], [0, 0], [1, -1], [1.5]])
def test_allocation_needs_sensible_weights(weights: list[object]) -> None:
    with pytest.raises(ValidationError):
        Money("1.00", "USD").allocate(weights)  # type: ignore[arg-type]


# --------------------------------------------------------------------------- properties

CURRENCIES = st.sampled_from(["USD", "EUR", "JPY", "KWD", "CLF", "CNY"])
PLACES = {"USD": 2, "EUR": 2, "JPY": 0, "KWD": 3, "CLF": 4, "CNY": 2}
UNITS = st.integers(min_value=-(10**12), max_value=10**12)


@st.composite
def money_pairs(draw: st.DrawFn, count: int = 2) -> tuple[Money, ...]:
    currency = draw(CURRENCIES)
    return tuple(Money.from_minor_units(draw(UNITS), currency) for _ in range(count))


@given(money_pairs(2))
def test_addition_commutes(pair: tuple[Money, ...]) -> None:
    a, b = pair
    assert a + b == b + a


@given(money_pairs(3))
def test_addition_associates(triple: tuple[Money, ...]) -> None:
    a, b, c = triple
    assert (a + b) + c == a + (b + c)


@given(money_pairs(2))
def test_subtraction_undoes_addition(pair: tuple[Money, ...]) -> None:
    a, b = pair
    assert (a + b) - b == a
    assert a - a == Money.zero(a.currency)
    negated = -a
    assert -negated == a


@given(money_pairs(2), st.integers(min_value=0, max_value=100))
def test_multiplication_distributes_over_addition(pair: tuple[Money, ...], n: int) -> None:
    a, b = pair
    assert (a + b) * n == a * n + b * n


@given(money_pairs(1), st.lists(st.integers(min_value=0, max_value=50), min_size=1, max_size=12))
def test_allocation_never_creates_or_loses_a_minor_unit(
    single: tuple[Money, ...], weights: list[int]
) -> None:
    (money,) = single
    if sum(weights) == 0:
        weights[0] = 1
    parts = money.allocate(weights)
    assert len(parts) == len(weights)
    assert Money.sum(parts, money.currency) == money
    assert all(p.is_zero for p, w in zip(parts, weights, strict=True) if w == 0)
    # No part is more than one minor unit from its exact share.
    exact = [Decimal(money.minor_units) * w / sum(weights) for w in weights]
    assert all(abs(p.minor_units - e) < 1 for p, e in zip(parts, exact, strict=True))


@given(CURRENCIES, UNITS)
def test_minor_units_and_amounts_agree(currency: str, units: int) -> None:
    money = Money.from_minor_units(units, currency)
    assert money.minor_units == units
    assert money.amount == Decimal(units).scaleb(-PLACES[currency])
    assert Money(str(money.amount), currency) == money


@given(money_pairs(2))
def test_ordering_is_consistent_with_amounts(pair: tuple[Money, ...]) -> None:
    a, b = pair
    assert (a < b) == (a.amount < b.amount)
    assert (a <= b) == (not a > b)
    assert (a >= b) == (not a < b)
