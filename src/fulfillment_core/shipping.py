"""Choosing a carrier service: :func:`choose_service` ranks :class:`CarrierQuote` values.

The rules, all in this module:

* A quote **qualifies** when it passes every constraint of the policy: its carrier is allowed and
  not blocked, it is tracked when the policy ships tracked only, its *slowest* transit
  (``transit.max_days``) is within ``max_transit_days``, and its price is within ``max_price``.
  Every other quote is **excluded** with a reason for each constraint it fails.
* **Prices are compared in one currency only.** That currency is the one of ``max_price`` when the
  policy sets one, else the ``currency`` the caller names, else the one currency all otherwise
  qualifying quotes share. A quote priced in another currency is excluded (with that reason);
  quotes in several currencies with none of these to decide between them raise
  :class:`~fulfillment_core.exceptions.CurrencyMismatchError`. Nothing is ever converted.
* Among the qualifying quotes the policy's strategy picks one: **fastest** (slowest-case transit,
  then fastest-case transit, then price), **cheapest** (price, then transit), or **best value**
  (a weighted score of price and slowest-case transit, each scaled to 0..1 over the qualifying
  quotes; lower is better; ties go to the cheaper). Scores are exact fractions: no float, no
  decimal context, no rounding can change a ranking.
* Every ranking ends with the carrier and service names (then tracking and estimated delivery),
  so it is a total order: the same quotes in any order give the same choice.
* When nothing qualifies, :class:`~fulfillment_core.exceptions.NoQualifyingServiceError` lists
  every quote with its reasons.

>>> from fulfillment_core import Money, ShipmentPolicy
>>> from fulfillment_core.shipping import CarrierQuote, choose_service
>>> quotes = [
...     CarrierQuote("YunExpress", "Global Direct", Money("6.40", "USD"), (8, 12), tracked=True),
...     CarrierQuote("DHL", "Express", Money("24.00", "USD"), (2, 4), tracked=True),
...     CarrierQuote("China Post", "Small Packet", Money("2.10", "USD"), (15, 30), tracked=False),
... ]
>>> choice = choose_service(quotes, ShipmentPolicy(service_strategy="cheapest"))
>>> choice.quote.label
'YunExpress / Global Direct'
>>> choice.reason
'cheapest: 6.40 USD, 8-12 days (best of 2 qualifying quotes)'
>>> choice.excluded
(('China Post / Small Packet', 'untracked, and the policy ships tracked services only'),)
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Sequence
from fractions import Fraction
from typing import Any

import attrs
import pendulum

from ._validation import (
    Checker,
    describe,
    to_code,
    to_datetime,
    to_enum,
    to_line,
    to_pairs,
)
from .exceptions import CurrencyMismatchError, NoQualifyingServiceError
from .money import Money
from .policy import ServiceConstraints, ServiceStrategy, ShipmentPolicy
from .supplier import DayRange, check_day_range, to_day_range

__all__ = ["CarrierQuote", "ServiceChoice", "choose_service"]


@attrs.frozen
class CarrierQuote:
    """What one carrier service would cost and take for one parcel, as a rate shop returned it.

    ``transit`` is the carrier's range of transit days (``(2, 4)`` is accepted); the slowest case,
    ``transit.max_days``, is what constraints and rankings judge. ``estimated_delivery`` is the
    carrier's own date, when it gives one, kept for display and as a last tie-break.
    """

    carrier: str = attrs.field(converter=to_line)
    service: str = attrs.field(converter=to_line)
    price: Money
    transit: DayRange = attrs.field(converter=to_day_range)
    tracked: bool
    estimated_delivery: pendulum.DateTime | None = attrs.field(default=None, converter=to_datetime)

    def __attrs_post_init__(self) -> None:
        check = Checker()
        check.text("carrier", self.carrier, max_length=255)
        check.text("service", self.service, max_length=255)
        if check.instance("price", self.price, Money) and self.price.is_negative:
            check.fail("price", f"must not be negative, got {self.price}")
        check_day_range(check, "transit", self.transit)
        check.boolean("tracked", self.tracked)
        check.datetime("estimated_delivery", self.estimated_delivery, required=False)
        check.done("CarrierQuote")

    @property
    def label(self) -> str:
        """``"carrier / service"``, as exclusions and reasons name the quote."""
        return f"{self.carrier} / {self.service}"


def _is_exclusion(value: object) -> bool:
    return (
        isinstance(value, tuple)
        and len(value) == 2
        and all(isinstance(part, str) and part for part in value)
    )


def _to_strategy(value: Any) -> Any:
    return to_enum(ServiceStrategy, value)


@attrs.frozen
class ServiceChoice:
    """The carrier service :func:`choose_service` picked, and why.

    ``considered`` counts every quote given; ``excluded`` holds ``(label, reason)`` for each quote
    that failed a constraint, in the order the quotes were given. The others qualified, and
    ``reason`` says why ``quote`` ranked first among them.
    """

    quote: CarrierQuote
    strategy: ServiceStrategy = attrs.field(converter=_to_strategy)
    reason: str = attrs.field(converter=to_line)
    considered: int
    excluded: tuple[tuple[str, str], ...] = attrs.field(default=(), converter=to_pairs)

    def __attrs_post_init__(self) -> None:
        check = Checker()
        check.instance("quote", self.quote, CarrierQuote)
        check.member("strategy", self.strategy, ServiceStrategy)
        check.text("reason", self.reason)
        considered_ok = check.integer("considered", self.considered, minimum=1)
        excluded: object = self.excluded
        if isinstance(excluded, tuple):
            for index, item in enumerate(excluded):
                if not _is_exclusion(item):
                    check.fail(
                        f"excluded[{index}]",
                        f"must be a (quote label, reason) pair of strings, got {describe(item)}",
                    )
            if considered_ok and len(excluded) >= self.considered:
                check.fail(
                    "excluded",
                    f"holds {len(excluded)} quotes of {self.considered} considered",
                    "the chosen quote qualified, so fewer quotes than considered are excluded",
                )
        else:
            check.fail("excluded", f"must be a list of pairs, got {describe(excluded)}")
        check.done("ServiceChoice")

    @property
    def qualifying(self) -> int:
        """How many quotes met every constraint (the chosen one among them)."""
        return self.considered - len(self.excluded)


# --------------------------------------------------------------------------- constraints


def _unpriced_reasons(quote: CarrierQuote, constraints: ServiceConstraints) -> list[str]:
    """Why ``quote`` fails the constraints that do not involve its price."""
    reasons = []
    carrier = quote.carrier.strip().lower()
    if carrier in constraints.blocked_carriers:
        reasons.append(f"carrier {quote.carrier!r} is blocked by the policy")
    elif not constraints.allows_carrier(quote.carrier):
        allowed = ", ".join(sorted(constraints.allowed_carriers or ()))
        reasons.append(f"carrier {quote.carrier!r} is not among the allowed carriers ({allowed})")
    if constraints.tracked_only and not quote.tracked:
        reasons.append("untracked, and the policy ships tracked services only")
    limit = constraints.max_transit_days
    if limit is not None and quote.transit.max_days > limit:
        reasons.append(
            f"takes up to {quote.transit.max_days} days, more than max_transit_days {limit}"
        )
    return reasons


def _price_reason(
    quote: CarrierQuote, max_price: Money | None, currency: str, source: str
) -> str | None:
    """Why ``quote``'s price disqualifies it, in the comparison ``currency`` (or ``None``)."""
    if quote.price.currency != currency:
        return (
            f"priced in {quote.price.currency}, but {source}: convert the quote to {currency} first"
        )
    if max_price is not None and quote.price > max_price:
        return f"costs {quote.price}, more than max_price {max_price}"
    return None


def _comparison_currency(
    candidates: Sequence[CarrierQuote], policy: ShipmentPolicy, currency: str | None
) -> tuple[str, str] | None:
    """The currency prices are compared in and a clause saying why; ``None`` if none is needed.

    Raises ``CurrencyMismatchError`` when the candidates are in several currencies and neither
    ``max_price`` nor ``currency`` says which one counts.
    """
    max_price = policy.constraints.max_price
    if max_price is not None:
        return max_price.currency, f"max_price is in {max_price.currency}"
    if currency is not None:
        return currency, f"quotes are compared in {currency}"
    currencies = sorted({quote.price.currency for quote in candidates})
    if len(currencies) > 1:
        raise CurrencyMismatchError(
            "compare carrier quotes priced in", currencies[0], currencies[1]
        )
    if not currencies:
        return None
    return currencies[0], f"the other quotes are in {currencies[0]}"


# --------------------------------------------------------------------------- rankings

#: What each position of a ranking key compares, to explain how a tie was broken.
_TAIL_NAMES = ("carrier name", "service name", "tracking", "estimated delivery")
_FASTEST_NAMES = ("transit time", "fastest-case transit", "price", *_TAIL_NAMES)
_CHEAPEST_NAMES = ("price", "transit time", "fastest-case transit", *_TAIL_NAMES)
_BEST_VALUE_NAMES = ("score", *_CHEAPEST_NAMES)

_NO_DATE = pendulum.datetime(1970, 1, 1, tz="UTC")

Key = tuple[Any, ...]


def _tail(quote: CarrierQuote) -> Key:
    """The last tie-breaks: names, then tracked first, then the earlier estimated delivery."""
    delivery: dt.datetime = quote.estimated_delivery or _NO_DATE
    return (
        quote.carrier,
        quote.service,
        not quote.tracked,
        (quote.estimated_delivery is None, delivery),
    )


def _fastest_key(quote: CarrierQuote) -> Key:
    return (quote.transit.max_days, quote.transit.min_days, quote.price.amount, *_tail(quote))


def _cheapest_key(quote: CarrierQuote) -> Key:
    return (quote.price.amount, quote.transit.max_days, quote.transit.min_days, *_tail(quote))


def _scaled(value: int | Fraction, low: Fraction, high: Fraction) -> Fraction:
    """``value`` min-max normalised to 0..1 (0 when every value is the same)."""
    return (value - low) / (high - low) if high > low else Fraction(0)


def _best_value_scores(
    qualifying: Sequence[CarrierQuote], price_weight: Fraction
) -> Callable[[CarrierQuote], Fraction]:
    """The best-value score of each quote: 0 is cheapest and fastest of the lot, 1 the worst."""
    prices = [Fraction(quote.price.amount) for quote in qualifying]
    days = [Fraction(quote.transit.max_days) for quote in qualifying]
    low_price, high_price, low_days, high_days = min(prices), max(prices), min(days), max(days)

    def score(quote: CarrierQuote) -> Fraction:
        price = _scaled(Fraction(quote.price.amount), low_price, high_price)
        transit = _scaled(quote.transit.max_days, low_days, high_days)
        return price_weight * price + (1 - price_weight) * transit

    return score


def _three_places(value: Fraction) -> str:
    thousandths = round(value * 1000)
    return f"{thousandths // 1000}.{thousandths % 1000:03d}"


def _rank(
    qualifying: Sequence[CarrierQuote], policy: ShipmentPolicy
) -> tuple[list[CarrierQuote], Callable[[CarrierQuote], Key], tuple[str, ...], str]:
    """The qualifying quotes best first, the key and key names used, and how the winner scored."""
    strategy = policy.service_strategy
    key: Callable[[CarrierQuote], Key]
    names: tuple[str, ...]
    if strategy is ServiceStrategy.FASTEST:
        key, names, headline = _fastest_key, _FASTEST_NAMES, "fastest"
    elif strategy is ServiceStrategy.CHEAPEST:
        key, names, headline = _cheapest_key, _CHEAPEST_NAMES, "cheapest"
    else:
        weight = Fraction(policy.best_value_price_weight)
        score = _best_value_scores(qualifying, weight)

        def key(quote: CarrierQuote) -> Key:
            return (score(quote), *_cheapest_key(quote))

        names = _BEST_VALUE_NAMES
        headline = f"best value (price weight {policy.best_value_price_weight})"
    ranked = sorted(qualifying, key=key)
    winner = ranked[0]
    if strategy is ServiceStrategy.FASTEST:
        figures = f"{winner.transit}, {winner.price}"
    elif strategy is ServiceStrategy.CHEAPEST:
        figures = f"{winner.price}, {winner.transit}"
    else:
        figures = f"{winner.price}, {winner.transit}, score {_three_places(key(winner)[0])}"
    return ranked, key, names, f"{headline}: {figures}"


def _tie_note(
    ranked: Sequence[CarrierQuote], key: Callable[[CarrierQuote], Key], names: Sequence[str]
) -> str:
    """How the winner beat the runner-up when they tie on the strategy's main criterion."""
    if len(ranked) < 2:
        return ""
    first, second = key(ranked[0]), key(ranked[1])
    position = next((i for i, (a, b) in enumerate(zip(first, second, strict=True)) if a != b), 0)
    if position == 0:
        return ""
    return f"; tie on {names[0]} with {ranked[1].label} broken by {names[position]}"


# --------------------------------------------------------------------------- the choice


def choose_service(
    quotes: Iterable[CarrierQuote], policy: ShipmentPolicy, *, currency: str | None = None
) -> ServiceChoice:
    """Pick the carrier service the policy prefers among ``quotes``.

    Quotes failing a constraint are excluded, each with every reason it fails. Prices are compared
    in one currency (``max_price``'s, else ``currency``, else the quotes' single currency); a quote
    priced in another is excluded, and unrelated currencies with nothing to decide between them
    raise ``CurrencyMismatchError``. The result does not depend on the order of ``quotes``.

    Raises ``NoQualifyingServiceError`` (listing every quote and why) when none qualifies, and
    ``ValidationError`` for bad arguments, including a ``currency`` that contradicts
    ``max_price``.
    """
    given = tuple(quotes)
    code = to_code(currency)
    check = Checker()
    check.sequence("quotes", given, CarrierQuote)
    check.instance("policy", policy, ShipmentPolicy)
    if code is not None and check.currency("currency", code):
        max_price = policy.constraints.max_price if isinstance(policy, ShipmentPolicy) else None
        if max_price is not None and max_price.currency != code:
            check.fail(
                "currency",
                f"{code} differs from max_price's currency {max_price.currency}",
                "leave currency out: quotes are compared in max_price's currency",
            )
    check.done("choose_service")

    constraints = policy.constraints
    reasons = [_unpriced_reasons(quote, constraints) for quote in given]
    compared = _comparison_currency(
        [quote for quote, why in zip(given, reasons, strict=True) if not why], policy, code
    )
    if compared is not None:
        for quote, why in zip(given, reasons, strict=True):
            price_reason = _price_reason(quote, constraints.max_price, *compared)
            if price_reason:
                why.append(price_reason)

    excluded = tuple(
        (quote.label, "; ".join(why)) for quote, why in zip(given, reasons, strict=True) if why
    )
    qualifying = [quote for quote, why in zip(given, reasons, strict=True) if not why]
    if not qualifying:
        raise NoQualifyingServiceError(excluded)

    ranked, key, names, summary = _rank(qualifying, policy)
    count = len(qualifying)
    among = "the only qualifying quote" if count == 1 else f"best of {count} qualifying quotes"
    return ServiceChoice(
        ranked[0],
        policy.service_strategy,
        f"{summary} ({among}){_tie_note(ranked, key, names)}",
        len(given),
        excluded,
    )
