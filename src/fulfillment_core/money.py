"""Money: an exact ``Decimal`` amount in one ISO-4217 currency.

Rules, all enforced on construction and by every operation:

* amounts are ``Decimal`` (an ``int`` or a numeric string is converted); a ``float`` is refused,
  because ``0.1`` cannot be held exactly;
* the amount respects the currency's minor units: ``Money("10.5", "JPY")`` is refused (the yen
  has no minor unit), ``Money("1.5", "USD")`` is stored as ``1.50``;
* two currencies never mix silently: adding, subtracting or ordering ``USD`` against ``EUR`` raises
  :class:`~fulfillment_core.exceptions.CurrencyMismatchError`;
* splitting (:meth:`Money.allocate`) never creates or loses a cent.

>>> from fulfillment_core import Money
>>> price = Money("19.99", "USD")
>>> price * 3
Money('59.97', 'USD')
>>> Money("10.00", "USD").allocate([1, 1, 1])
(Money('3.34', 'USD'), Money('3.33', 'USD'), Money('3.33', 'USD'))
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable, Sequence
from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation

import attrs

from ._currencies import CURRENCY_MINOR_UNITS
from ._validation import Checker, describe, to_code, to_decimal
from .exceptions import CurrencyMismatchError, Problem, ValidationError

__all__ = ["Money"]

_LIMIT = Decimal(10) ** 15
_QUANTUM = {code: Decimal(1).scaleb(-places) for code, places in CURRENCY_MINOR_UNITS.items()}


def _quantum(currency: str) -> Decimal:
    return _QUANTUM[currency]


def _no_negative_zero(amount: Decimal) -> Decimal:
    """``-0.00`` and ``0.00`` are the same money: store and print one of them."""
    return amount if amount else amount.copy_abs()


@attrs.frozen(repr=False)
class Money:
    """An amount of money in one currency. Frozen, hashable, exact.

    Build it from a ``Decimal``, an ``int`` or a numeric string and an ISO-4217 code::

        Money("19.99", "USD")
        Money(Decimal("1500"), "JPY")
        Money.from_minor_units(1999, "USD")
    """

    amount: Decimal = attrs.field(converter=to_decimal)
    currency: str = attrs.field(converter=to_code)

    def __attrs_post_init__(self) -> None:
        check = Checker()
        currency_ok = check.currency("currency", self.currency)
        if check.decimal("amount", self.amount) and currency_ok:
            if abs(self.amount) >= _LIMIT:
                check.fail(
                    "amount",
                    f"{self.amount} is beyond the supported range",
                    "amounts must be smaller than 10**15 in absolute value",
                )
            else:
                exact = self.amount.quantize(_quantum(self.currency))
                if exact != self.amount:
                    places = CURRENCY_MINOR_UNITS[self.currency]
                    check.fail(
                        "amount",
                        f"'{self.amount}' has more decimal places than {self.currency}"
                        f" allows ({places})",
                        "round it first, e.g. with Money.rounded(...)",
                    )
                else:
                    object.__setattr__(self, "amount", _no_negative_zero(exact))
        check.done("Money")

    # ------------------------------------------------------------------ constructors

    @classmethod
    def _exact(cls, amount: Decimal, currency: str) -> Money:
        """Build from an exact result of arithmetic: checks the range, skips the other checks."""
        if abs(amount) >= _LIMIT:
            raise ValidationError(
                "Money", [Problem("amount", f"{amount} is beyond the supported range (< 10**15)")]
            )
        money = object.__new__(cls)
        exact = amount.quantize(_quantum(currency))
        object.__setattr__(money, "amount", _no_negative_zero(exact))
        object.__setattr__(money, "currency", currency)
        return money

    @classmethod
    def zero(cls, currency: str) -> Money:
        """Nothing, in ``currency``."""
        return cls(Decimal(0), currency)

    @classmethod
    def from_minor_units(cls, units: int, currency: str) -> Money:
        """From an integer count of the currency's minor unit: ``(1999, "USD")`` is 19.99 USD."""
        if not isinstance(units, int) or isinstance(units, bool):
            raise ValidationError(
                "Money",
                [Problem("units", f"must be a whole number of minor units, got {describe(units)}")],
            )
        code = to_code(currency)
        if not isinstance(code, str) or code not in CURRENCY_MINOR_UNITS:
            return cls(Decimal(units), currency)  # reports the bad currency
        return cls(Decimal(units).scaleb(-CURRENCY_MINOR_UNITS[code]), code)

    @classmethod
    def rounded(
        cls, amount: Decimal | int | str, currency: str, rounding: str = ROUND_HALF_EVEN
    ) -> Money:
        """Round ``amount`` to the currency's minor units (banker's rounding by default)."""
        value = to_decimal(amount)
        code = to_code(currency)
        if (
            isinstance(value, Decimal)
            and value.is_finite()
            and isinstance(code, str)
            and code in CURRENCY_MINOR_UNITS
        ):
            with contextlib.suppress(InvalidOperation):  # too large: the constructor says so
                value = value.quantize(_quantum(code), rounding=rounding)
        return cls(value, code)

    @classmethod
    def sum(cls, items: Iterable[Money], currency: str) -> Money:
        """The total of ``items``, all in ``currency`` (zero when there are none)."""
        total = cls.zero(currency)
        for item in items:
            total = total + item
        return total

    # ------------------------------------------------------------------ views

    @property
    def minor_units(self) -> int:
        """The amount as an integer count of minor units: 19.99 USD is ``1999``."""
        return int(self.amount.scaleb(CURRENCY_MINOR_UNITS[self.currency]))

    @property
    def is_zero(self) -> bool:
        return self.amount == 0

    @property
    def is_negative(self) -> bool:
        return self.amount < 0

    def __repr__(self) -> str:
        return f"Money('{self.amount}', '{self.currency}')"

    def __str__(self) -> str:
        return f"{self.amount} {self.currency}"

    # ------------------------------------------------------------------ arithmetic

    def _same_currency(self, other: object, operation: str) -> Money:
        if not isinstance(other, Money):
            raise TypeError(f"cannot {operation} Money and {type(other).__name__}")
        if other.currency != self.currency:
            raise CurrencyMismatchError(operation, self.currency, other.currency)
        return other

    def __add__(self, other: Money) -> Money:
        other = self._same_currency(other, "add")
        return Money._exact(self.amount + other.amount, self.currency)

    def __sub__(self, other: Money) -> Money:
        other = self._same_currency(other, "subtract")
        return Money._exact(self.amount - other.amount, self.currency)

    def __neg__(self) -> Money:
        return Money._exact(-self.amount, self.currency)

    def __abs__(self) -> Money:
        return Money._exact(abs(self.amount), self.currency)

    def __mul__(self, factor: int) -> Money:
        """Multiply by a whole number (a quantity). For rates, use :meth:`scaled`."""
        if not isinstance(factor, int) or isinstance(factor, bool):
            return NotImplemented
        return Money._exact(self.amount * factor, self.currency)

    __rmul__ = __mul__

    def scaled(self, factor: Decimal | int | str, rounding: str = ROUND_HALF_EVEN) -> Money:
        """Multiply by a decimal factor (a tax rate, a discount) and round to minor units."""
        value = to_decimal(factor)
        if not isinstance(value, Decimal) or not value.is_finite():
            raise ValidationError(
                "Money.scaled",
                [Problem("factor", f"must be a finite decimal number, got {describe(factor)}")],
            )
        return Money.rounded(self.amount * value, self.currency, rounding)

    def allocate(self, weights: Sequence[int]) -> tuple[Money, ...]:
        """Split into parts proportional to ``weights``, losing and creating nothing.

        Leftover minor units go one each to the parts with the largest remainders (the earliest
        on a tie), so the parts always add up to exactly ``self`` and each is within one minor
        unit of its exact share. Useful to spread an order discount or a refund over lines.
        """
        problems = []
        if not weights:
            problems.append(Problem("weights", "must hold at least one weight"))
        elif any(not isinstance(w, int) or isinstance(w, bool) or w < 0 for w in weights):
            problems.append(Problem("weights", "must all be whole numbers >= 0"))
        elif sum(weights) == 0:
            problems.append(Problem("weights", "must not all be zero"))
        if problems:
            raise ValidationError("Money.allocate", problems)
        total_units = self.minor_units
        sign = -1 if total_units < 0 else 1
        units = abs(total_units)
        total_weight = sum(weights)
        shares = [units * w // total_weight for w in weights]
        # Largest remainder first (earliest part on a tie): every part stays within one minor
        # unit of its exact share.
        remainders = sorted(
            range(len(weights)), key=lambda i: (-(units * weights[i] % total_weight), i)
        )
        for index in remainders[: units - sum(shares)]:
            shares[index] += 1
        places = CURRENCY_MINOR_UNITS[self.currency]
        return tuple(
            Money._exact(Decimal(sign * share).scaleb(-places), self.currency) for share in shares
        )

    # ------------------------------------------------------------------ ordering

    def __lt__(self, other: Money) -> bool:
        return self.amount < self._same_currency(other, "compare").amount

    def __le__(self, other: Money) -> bool:
        return self.amount <= self._same_currency(other, "compare").amount

    def __gt__(self, other: Money) -> bool:
        return self.amount > self._same_currency(other, "compare").amount

    def __ge__(self, other: Money) -> bool:
        return self.amount >= self._same_currency(other, "compare").amount
