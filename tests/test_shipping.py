"""Choosing a carrier service: constraints exclude with reasons, strategies rank, order is moot."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import attrs
import pendulum
import pytest
from hypothesis import given
from hypothesis import strategies as st

from fulfillment_core import (
    CurrencyMismatchError,
    DayRange,
    Money,
    ServiceConstraints,
    ServiceStrategy,
    ShipmentPolicy,
    ValidationError,
)
from fulfillment_core.exceptions import NoQualifyingServiceError
from fulfillment_core.shipping import CarrierQuote, ServiceChoice, choose_service


def quote(
    carrier: str = "YunExpress",
    service: str = "Global Direct",
    price: str = "6.40",
    transit: tuple[int, int] = (8, 12),
    *,
    tracked: bool = True,
    currency: str = "USD",
    **overrides: Any,
) -> CarrierQuote:
    return CarrierQuote(
        carrier, service, Money(price, currency), transit, tracked=tracked, **overrides
    )


def policy(strategy: str = "fastest", **constraints: Any) -> ShipmentPolicy:
    weight = constraints.pop("weight", "0.5")
    return ShipmentPolicy(
        service_strategy=strategy,
        best_value_price_weight=weight,
        constraints=ServiceConstraints(**constraints),
    )


DHL_EXPRESS = quote("DHL", "Express", "24.00", (2, 4))
YUN_DIRECT = quote("YunExpress", "Global Direct", "6.40", (8, 12))
CNE_ECONOMY = quote("CNE", "Economy", "4.10", (12, 20))
CHINA_POST = quote("China Post", "Small Packet", "2.10", (15, 30), tracked=False)
QUOTES = [YUN_DIRECT, DHL_EXPRESS, CHINA_POST, CNE_ECONOMY]


# --------------------------------------------------------------------------- the quote value


def test_a_quote_takes_its_transit_as_a_pair_and_is_labelled_carrier_slash_service() -> None:
    built = quote("DHL", "Express", transit=(2, 4))
    assert built.transit == DayRange(2, 4)
    assert built.label == "DHL / Express"


def test_a_quote_stores_its_estimated_delivery_in_utc() -> None:
    built = quote(estimated_delivery="2026-03-10T18:00:00+08:00")
    assert built.estimated_delivery == pendulum.datetime(2026, 3, 10, 10, tz="UTC")


def test_a_bad_quote_names_every_faulty_field() -> None:
    with pytest.raises(ValidationError) as caught:
        CarrierQuote(
            " ",
            "Express",
            Money("-1.00", "USD"),
            (5, 2),
            "yes",  # type: ignore[arg-type]
            estimated_delivery="2026-03-10T18:00:00",
        )
    assert caught.value.paths == (
        "carrier",
        "price",
        "transit.max_days",
        "tracked",
        "estimated_delivery",
    )


def test_a_quote_priced_as_a_float_is_refused() -> None:
    with pytest.raises(ValidationError) as caught:
        CarrierQuote("DHL", "Express", 24.0, (2, 4), True)  # type: ignore[arg-type]
    assert caught.value.paths == ("price",)


def test_a_service_choice_cannot_exclude_every_quote_it_considered() -> None:
    with pytest.raises(ValidationError) as caught:
        ServiceChoice(DHL_EXPRESS, "fastest", "fastest", 1, [("UPS / Ground", "blocked")])
    assert caught.value.paths == ("excluded",)


# --------------------------------------------------------------------------- strategies


def test_fastest_prefers_the_shortest_slowest_case_transit() -> None:
    choice = choose_service(QUOTES, policy("fastest"))
    assert choice.quote == DHL_EXPRESS
    assert choice.strategy is ServiceStrategy.FASTEST
    assert choice.reason == "fastest: 2-4 days, 24.00 USD (best of 3 qualifying quotes)"


def test_fastest_breaks_a_transit_tie_on_the_fastest_case_then_price() -> None:
    slower_start = quote("UPS", "Saver", "9.00", (3, 4))
    cheaper = quote("FedEx", "Priority", "19.00", (2, 4))
    choice = choose_service([DHL_EXPRESS, slower_start, cheaper], policy("fastest"))
    assert choice.quote == cheaper
    assert choice.reason.endswith("; tie on transit time with DHL / Express broken by price")


def test_cheapest_prefers_the_lowest_qualifying_price() -> None:
    choice = choose_service(QUOTES, policy("cheapest"))
    assert choice.quote == CNE_ECONOMY  # China Post is cheaper but untracked
    assert choice.reason == "cheapest: 4.10 USD, 12-20 days (best of 3 qualifying quotes)"


def test_cheapest_breaks_a_price_tie_on_transit() -> None:
    faster = quote("4PX", "Standard", "4.10", (10, 14))
    choice = choose_service([CNE_ECONOMY, faster], policy("cheapest"))
    assert choice.quote == faster
    assert choice.reason.endswith("tie on price with CNE / Economy broken by transit time")


def test_an_exact_tie_goes_to_the_carrier_then_service_name() -> None:
    first = quote("Aramex", "Parcel", "5.00", (5, 9))
    second = quote("Aramex", "Priority", "5.00", (5, 9))
    third = quote("Bpost", "Parcel", "5.00", (5, 9))
    choice = choose_service([third, second, first], policy("cheapest"))
    assert choice.quote == first
    assert choice.reason.endswith("broken by service name")


def test_best_value_weighs_normalised_price_against_normalised_transit() -> None:
    # Over DHL (24.00, 4 days), Yun (6.40, 12) and CNE (4.10, 20), the scaled price and transit
    # are DHL (1, 0), Yun (0.1156, 0.5), CNE (0, 1).
    assert choose_service(QUOTES, policy("best_value", weight="0.5")).quote == YUN_DIRECT
    assert choose_service(QUOTES, policy("best_value", weight="0.2")).quote == DHL_EXPRESS
    assert choose_service(QUOTES, policy("best_value", weight="0.9")).quote == CNE_ECONOMY


def test_best_value_explains_the_score_and_weight() -> None:
    choice = choose_service(QUOTES, policy("best_value", weight="0.5"))
    assert choice.reason == (
        "best value (price weight 0.5): 6.40 USD, 8-12 days, score 0.308"
        " (best of 3 qualifying quotes)"
    )


def test_best_value_scores_are_exact_so_a_true_tie_goes_to_the_cheaper_quote() -> None:
    # Scaled (price, transit): A (0, 2/3) and B (1/3, 1/3) both score exactly 1/3. In 28-digit
    # Decimal arithmetic A would score ...334 and B ...332, and B would win on a rounding error.
    a = quote("A", "x", "0.00", (2, 2))
    b = quote("B", "x", "1.00", (1, 1))
    c = quote("C", "x", "3.00", (3, 3))
    d = quote("D", "x", "3.00", (0, 0))
    choice = choose_service([b, c, d, a], policy("best_value", weight="0.5"))
    assert choice.quote == a
    assert choice.reason.endswith("; tie on score with B / x broken by price")


def test_a_single_qualifying_quote_is_the_only_qualifying_quote() -> None:
    choice = choose_service([DHL_EXPRESS, CHINA_POST], policy("cheapest"))
    assert choice.quote == DHL_EXPRESS
    assert choice.reason == "cheapest: 24.00 USD, 2-4 days (the only qualifying quote)"
    assert (choice.considered, choice.qualifying) == (2, 1)


# --------------------------------------------------------------------------- constraints


def test_quotes_above_max_price_are_excluded_with_the_prices() -> None:
    choice = choose_service(QUOTES, policy("fastest", max_price=Money("10.00", "USD")))
    assert choice.quote == YUN_DIRECT
    assert ("DHL / Express", "costs 24.00 USD, more than max_price 10.00 USD") in choice.excluded


def test_untracked_quotes_are_excluded_when_the_policy_ships_tracked_only() -> None:
    tracked = choose_service(QUOTES, policy("cheapest"))
    assert tracked.excluded == (
        ("China Post / Small Packet", "untracked, and the policy ships tracked services only"),
    )
    assert choose_service(QUOTES, policy("cheapest", tracked_only=False)).quote == CHINA_POST


def test_blocked_carriers_are_excluded_whatever_their_case() -> None:
    choice = choose_service(QUOTES, policy("fastest", blocked_carriers={"dhl"}))
    assert choice.quote == YUN_DIRECT
    assert ("DHL / Express", "carrier 'DHL' is blocked by the policy") in choice.excluded


def test_carriers_outside_the_allowed_list_are_excluded() -> None:
    choice = choose_service(QUOTES, policy("fastest", allowed_carriers={"CNE", "yunexpress"}))
    assert choice.quote == YUN_DIRECT
    assert (
        "DHL / Express",
        "carrier 'DHL' is not among the allowed carriers (cne, yunexpress)",
    ) in choice.excluded


def test_quotes_whose_slowest_case_exceeds_max_transit_days_are_excluded() -> None:
    choice = choose_service(QUOTES, policy("cheapest", max_transit_days=12))
    assert choice.quote == YUN_DIRECT
    assert (
        "CNE / Economy",
        "takes up to 20 days, more than max_transit_days 12",
    ) in choice.excluded


def test_an_exclusion_gives_every_reason_the_quote_fails() -> None:
    with pytest.raises(NoQualifyingServiceError) as caught:
        choose_service(
            [CHINA_POST], policy("fastest", max_price=Money("2.00", "USD"), max_transit_days=20)
        )
    assert caught.value.exclusions == (
        (
            "China Post / Small Packet",
            "untracked, and the policy ships tracked services only"
            "; takes up to 30 days, more than max_transit_days 20"
            "; costs 2.10 USD, more than max_price 2.00 USD",
        ),
    )


def test_when_nothing_qualifies_every_quote_is_listed_with_its_reason() -> None:
    with pytest.raises(NoQualifyingServiceError) as caught:
        choose_service(QUOTES, policy("fastest", max_price=Money("4.00", "USD")))
    assert caught.value.exclusions == (
        ("YunExpress / Global Direct", "costs 6.40 USD, more than max_price 4.00 USD"),
        ("DHL / Express", "costs 24.00 USD, more than max_price 4.00 USD"),
        ("China Post / Small Packet", "untracked, and the policy ships tracked services only"),
        ("CNE / Economy", "costs 4.10 USD, more than max_price 4.00 USD"),
    )


def test_no_quotes_at_all_is_no_qualifying_service() -> None:
    with pytest.raises(NoQualifyingServiceError, match="no quotes were given"):
        choose_service([], policy())


# --------------------------------------------------------------------------- currencies


def test_quotes_in_another_currency_than_max_price_are_excluded_not_converted() -> None:
    euro = quote("Colissimo", "International", "3.00", (5, 8), currency="EUR")
    choice = choose_service([euro, YUN_DIRECT], policy("cheapest", max_price=Money("30", "USD")))
    assert choice.quote == YUN_DIRECT
    assert choice.excluded == (
        (
            "Colissimo / International",
            "priced in EUR, but max_price is in USD: convert the quote to USD first",
        ),
    )


def test_a_comparison_currency_can_be_named_when_the_policy_has_no_max_price() -> None:
    euro = quote("Colissimo", "International", "3.00", (5, 8), currency="EUR")
    choice = choose_service([euro, YUN_DIRECT], policy("cheapest"), currency="usd")
    assert choice.quote == YUN_DIRECT
    assert choice.excluded == (
        (
            "Colissimo / International",
            "priced in EUR, but quotes are compared in USD: convert the quote to USD first",
        ),
    )


def test_mixed_currencies_with_nothing_to_choose_between_them_are_refused() -> None:
    euro = quote("Colissimo", "International", "3.00", (5, 8), currency="EUR")
    with pytest.raises(CurrencyMismatchError, match="EUR and USD"):
        choose_service([euro, YUN_DIRECT], policy("fastest"))


def test_a_quote_already_excluded_does_not_make_the_currencies_mixed() -> None:
    euro = quote("Colissimo", "International", "3.00", (5, 8), tracked=False, currency="EUR")
    choice = choose_service([euro, YUN_DIRECT], policy("cheapest"))
    assert choice.quote == YUN_DIRECT
    assert choice.excluded == (
        (
            "Colissimo / International",
            "untracked, and the policy ships tracked services only"
            "; priced in EUR, but the other quotes are in USD: convert the quote to USD first",
        ),
    )


def test_a_comparison_currency_contradicting_max_price_is_a_validation_error() -> None:
    with pytest.raises(ValidationError) as caught:
        choose_service(QUOTES, policy(max_price=Money("10", "USD")), currency="EUR")
    assert caught.value.paths == ("currency",)


def test_bad_arguments_name_every_problem() -> None:
    with pytest.raises(ValidationError) as caught:
        choose_service([DHL_EXPRESS, "UPS"], "fastest", currency="XXX")  # type: ignore[arg-type, list-item]
    assert caught.value.paths == ("quotes[1]", "policy", "currency")


# --------------------------------------------------------------------------- invariants

CARRIERS = ["DHL", "UPS", "YunExpress", "4PX", "China Post"]

quotes_st = st.builds(
    CarrierQuote,
    carrier=st.sampled_from(CARRIERS),
    service=st.sampled_from(["Standard", "Express"]),
    price=st.integers(0, 3000).map(lambda units: Money.from_minor_units(units, "USD")),
    transit=st.tuples(st.integers(0, 8), st.integers(0, 8)).map(lambda p: (min(p), max(p))),
    tracked=st.booleans(),
    estimated_delivery=st.none()
    | st.integers(0, 5).map(lambda d: pendulum.datetime(2026, 3, 1, tz="UTC").add(days=d)),
)


@st.composite
def policies(draw: st.DrawFn) -> ShipmentPolicy:
    lowered = [carrier.lower() for carrier in CARRIERS]
    allowed = draw(st.none() | st.frozensets(st.sampled_from(lowered), min_size=1))
    blockable = [c for c in lowered if allowed is None or c not in allowed]
    blocked = draw(st.frozensets(st.sampled_from(blockable))) if blockable else frozenset()
    return ShipmentPolicy(
        service_strategy=draw(st.sampled_from(ServiceStrategy)),
        best_value_price_weight=draw(st.integers(0, 20)) * Decimal("0.05"),
        constraints=ServiceConstraints(
            max_price=draw(st.none() | st.integers(0, 3000).map(lambda u: Money(u, "USD"))),
            tracked_only=draw(st.booleans()),
            allowed_carriers=allowed,
            blocked_carriers=blocked,
            max_transit_days=draw(st.none() | st.integers(1, 8)),
        ),
    )


def outcome(quotes: list[CarrierQuote], chosen_by: ShipmentPolicy) -> object:
    """The choice, or the sorted exclusions when nothing qualified."""
    try:
        choice = choose_service(quotes, chosen_by)
    except NoQualifyingServiceError as error:
        return sorted(error.exclusions)
    return (choice.quote, choice.reason, choice.considered, sorted(choice.excluded))


def qualifies(candidate: CarrierQuote, rules: ServiceConstraints) -> bool:
    return (
        rules.allows_carrier(candidate.carrier)
        and (candidate.tracked or not rules.tracked_only)
        and (rules.max_transit_days is None or candidate.transit.max_days <= rules.max_transit_days)
        and (rules.max_price is None or candidate.price <= rules.max_price)
    )


@given(st.lists(quotes_st, max_size=8), policies(), st.randoms(use_true_random=False))
def test_the_choice_does_not_depend_on_the_order_of_the_quotes(
    quotes: list[CarrierQuote], rules: ShipmentPolicy, shuffler: Any
) -> None:
    shuffled = list(quotes)
    shuffler.shuffle(shuffled)
    assert outcome(shuffled, rules) == outcome(quotes, rules)


@given(st.lists(quotes_st, min_size=1, max_size=8), policies())
def test_the_choice_qualifies_and_the_exclusions_are_exactly_the_others(
    quotes: list[CarrierQuote], rules: ShipmentPolicy
) -> None:
    failing = [q for q in quotes if not qualifies(q, rules.constraints)]
    if len(failing) == len(quotes):
        with pytest.raises(NoQualifyingServiceError) as caught:
            choose_service(quotes, rules)
        assert [label for label, _ in caught.value.exclusions] == [q.label for q in quotes]
        return
    choice = choose_service(quotes, rules)
    assert qualifies(choice.quote, rules.constraints)
    assert [label for label, _ in choice.excluded] == [q.label for q in failing]
    assert choice.considered == len(quotes)


@given(st.lists(quotes_st, min_size=1, max_size=8), policies())
def test_cheapest_costs_no_more_than_any_qualifying_quote(
    quotes: list[CarrierQuote], rules: ShipmentPolicy
) -> None:
    cheapest = attrs.evolve(rules, service_strategy="cheapest")
    qualifying = [q for q in quotes if qualifies(q, rules.constraints)]
    if qualifying:
        chosen = choose_service(quotes, cheapest).quote
        assert all(chosen.price <= q.price for q in qualifying)


@given(st.lists(quotes_st, min_size=1, max_size=8), policies())
def test_fastest_has_the_shortest_transit_of_any_qualifying_quote(
    quotes: list[CarrierQuote], rules: ShipmentPolicy
) -> None:
    fastest = attrs.evolve(rules, service_strategy="fastest")
    qualifying = [q for q in quotes if qualifies(q, rules.constraints)]
    if qualifying:
        chosen = choose_service(quotes, fastest).quote
        best = min((q.transit.max_days, q.transit.min_days) for q in qualifying)
        assert (chosen.transit.max_days, chosen.transit.min_days) == best


@given(st.lists(quotes_st, min_size=1, max_size=8), policies())
def test_best_value_weighing_only_price_is_cheapest(
    quotes: list[CarrierQuote], rules: ShipmentPolicy
) -> None:
    by_value = attrs.evolve(rules, service_strategy="best_value", best_value_price_weight=1)
    by_price = attrs.evolve(rules, service_strategy="cheapest")
    if any(qualifies(q, rules.constraints) for q in quotes):
        assert choose_service(quotes, by_value).quote == choose_service(quotes, by_price).quote


@given(st.lists(quotes_st, min_size=1, max_size=8), policies())
def test_best_value_weighing_only_transit_has_the_shortest_transit(
    quotes: list[CarrierQuote], rules: ShipmentPolicy
) -> None:
    by_value = attrs.evolve(rules, service_strategy="best_value", best_value_price_weight=0)
    qualifying = [q for q in quotes if qualifies(q, rules.constraints)]
    if qualifying:
        chosen = choose_service(quotes, by_value).quote
        assert chosen.transit.max_days == min(q.transit.max_days for q in qualifying)


mixed_quotes_st = st.builds(
    CarrierQuote,
    carrier=st.sampled_from(CARRIERS),
    service=st.sampled_from(["Standard", "Express"]),
    price=st.tuples(st.integers(0, 3000), st.sampled_from(["USD", "EUR"])).map(
        lambda pair: Money.from_minor_units(*pair)
    ),
    transit=st.tuples(st.integers(0, 8), st.integers(0, 8)).map(lambda p: (min(p), max(p))),
    tracked=st.booleans(),
)


@given(st.lists(mixed_quotes_st, min_size=1, max_size=8), st.sampled_from(["USD", "EUR"]))
def test_a_quote_in_another_currency_is_never_chosen_or_compared(
    quotes: list[CarrierQuote], currency: str
) -> None:
    rules = policy("cheapest", tracked_only=False, max_price=Money("20.00", currency))
    others = [q.label for q in quotes if q.price.currency != currency]
    try:
        choice = choose_service(quotes, rules)
    except NoQualifyingServiceError as error:
        excluded = error.exclusions
    else:
        assert choice.quote.price.currency == currency
        excluded = choice.excluded
    assert [label for label, why in excluded if "priced in" in why] == others
