"""The validation kit behind every value class.

Two halves, used together by each frozen attrs class:

* **converters** normalise friendly input (``"19.99"`` to ``Decimal``, an ISO string or an aware
  ``datetime`` to a UTC pendulum ``DateTime``, ``"monday"`` to ``Weekday.MONDAY``) and *never
  raise*: input they cannot convert is passed through unchanged;
* a :class:`Checker` in ``__attrs_post_init__`` then inspects every field, collects every
  problem with its field path, and raises one :class:`ValidationError` listing them all.

So a value either comes out whole and valid, or the caller learns everything wrong with the input
at once, and no ``TypeError`` or ``KeyError`` escapes from deep inside.
"""

from __future__ import annotations

import datetime as dt
import enum
import functools
import re
import unicodedata
from collections.abc import Callable, Iterable
from decimal import Decimal, InvalidOperation
from typing import Any, TypeVar

import pendulum

from ._currencies import CURRENCY_MINOR_UNITS
from ._geo import COUNTRY_CODES
from .exceptions import Problem, ValidationError

E = TypeVar("E", bound=enum.Enum)
T = TypeVar("T")

UTC = pendulum.UTC


def a_name(cls: type) -> str:
    """``cls``'s name with its article: "an Order", "a Money"."""
    name = cls.__name__
    return f"{'an' if name[:1] in 'AEIOU' else 'a'} {name}"


def describe(value: object) -> str:
    """A short, safe rendering of a bad value for an error message."""
    text = repr(value)
    if len(text) > 60:
        text = text[:57] + "..."
    return text


# --------------------------------------------------------------------------- converters


def to_text(value: Any) -> Any:
    """Strip and NFC-normalise a string; anything else passes through."""
    if isinstance(value, str):
        if value.isascii():  # NFC leaves ASCII as it is
            return value.strip()
        return unicodedata.normalize("NFC", value).strip()
    return value


def to_line(value: Any) -> Any:
    """One line of text: NFC, whitespace runs (even newlines) folded to one space, blank to None."""
    if isinstance(value, str):
        if not value.isascii():  # NFC leaves ASCII as it is
            value = unicodedata.normalize("NFC", value)
        value = " ".join(value.split())
        return value or None
    return value


def to_decimal(value: Any) -> Any:
    """Decimal, int (not bool) or a numeric string to ``Decimal``; floats are left for the check."""
    if isinstance(value, Decimal):
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        return Decimal(value)
    if isinstance(value, str):
        try:
            return Decimal(value.strip())
        except InvalidOperation:
            return value
    return value


def to_datetime(value: Any) -> Any:
    """An aware ``datetime`` or ISO-8601 string to a pendulum ``DateTime`` in UTC.

    Naive datetimes and unparseable strings pass through for the check to report.
    """
    if value.__class__ is pendulum.DateTime and value.tzinfo is UTC:  # the usual case, at once
        return value
    if isinstance(value, str):
        try:
            parsed = dt.datetime.fromisoformat(value.strip())
        except ValueError:
            return value
        if parsed.utcoffset() is None:
            return value  # the check explains that the offset is missing
        value = parsed
    if isinstance(value, dt.datetime) and value.utcoffset() is not None:
        if isinstance(value, pendulum.DateTime) and value.tzinfo is UTC:
            return value
        # Convert with the offset the value already carries: pendulum.instance() would work the
        # wall time out again in the zone and shift a time in a DST gap by an hour.
        return pendulum.instance(value.astimezone(dt.UTC)).in_timezone(UTC)
    return value


def to_date(value: Any) -> Any:
    """A ``date`` (not a ``datetime``) or ISO date string to ``datetime.date``."""
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value.strip())
        except ValueError:
            return value
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return dt.date(value.year, value.month, value.day)
    return value


def to_time(value: Any) -> Any:
    """A naive ``time`` or ``"HH:MM[:SS]"`` string to ``datetime.time``."""
    if isinstance(value, str):
        try:
            return dt.time.fromisoformat(value.strip())
        except ValueError:
            return value
    return value


@functools.cache
def _enum_lookup(enum_cls: type[enum.Enum]) -> dict[object, enum.Enum]:
    lookup: dict[object, enum.Enum] = {}
    for member in enum_cls:
        lookup[member.value] = member
        lookup[member.name.lower()] = member
        if isinstance(member.value, str):
            lookup[member.value.lower()] = member
    return lookup


def to_enum(enum_cls: type[E], value: Any) -> Any:
    """A member, its value, or its name (any case) to the member of ``enum_cls``."""
    if isinstance(value, enum_cls):
        return value
    if isinstance(value, str):
        return _enum_lookup(enum_cls).get(value.strip().lower(), value)
    if isinstance(value, int) and not isinstance(value, bool):
        return _enum_lookup(enum_cls).get(value, value)
    return value


def to_pairs(value: Any) -> Any:
    """A list of 2-item lists (JSON's shape for pairs) to a tuple of tuples."""
    if isinstance(value, (list, tuple)):
        return tuple(tuple(item) if isinstance(item, list) else item for item in value)
    return value


def is_text_pairs(value: object) -> bool:
    """Whether ``value`` is a tuple of ``(str, str)`` pairs."""
    return isinstance(value, tuple) and all(
        isinstance(pair, tuple) and len(pair) == 2 and all(isinstance(x, str) for x in pair)
        for pair in value
    )


def to_tuple(value: Any) -> Any:
    """A list or tuple to a tuple; anything else (including a bare string) passes through."""
    if isinstance(value, (list, tuple)):
        return tuple(value)
    return value


def to_frozenset(value: Any, item: Callable[[Any], Any]) -> Any:
    """A list, tuple, set or frozenset to a frozenset of ``item(v)``; else passed through."""
    if isinstance(value, (list, tuple, set, frozenset)):
        try:
            return frozenset(item(v) for v in value)
        except TypeError:  # an unhashable item: leave it for the check to report
            return value
    return value


def to_code(value: Any) -> Any:
    """A country or currency code: stripped and upper-cased; blank becomes ``None``."""
    if isinstance(value, str):
        return value.strip().upper() or None
    return value


def top_field(path: str) -> str:
    """The first field of a problem path: ``line_items[2].sku`` gives ``line_items``."""
    return path.split(".", 1)[0].split("[", 1)[0]


def is_country_code(value: object) -> bool:
    """Whether ``value`` is an ISO 3166-1 alpha-2 code we know (any other type: no)."""
    return isinstance(value, str) and value in COUNTRY_CODES


def to_country_set(value: Any) -> Any:
    """An optional collection of country codes to a frozenset of upper-cased codes."""
    if value is None:
        return None
    return to_frozenset(value, to_code)


#: Unicode category Cc (C0 and C1 control characters), with and without tab, CR and LF.
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f]")
_CONTROL_BUT_BREAKS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def is_aware(value: object) -> bool:
    """Whether ``value`` is a datetime that knows its UTC offset."""
    return isinstance(value, dt.datetime) and value.utcoffset() is not None


def _is_naive_iso(text: str) -> bool:
    try:
        return dt.datetime.fromisoformat(text.strip()).utcoffset() is None
    except ValueError:
        return False


# --------------------------------------------------------------------------- the checker


def checked_copy(value: T, names: Iterable[str], **changes: Any) -> T:
    """A copy of the frozen attrs ``value`` with ``changes``, its ``names`` fields shared as
    they are: for a caller that has checked the changed fields itself (the others were checked
    when ``value`` was built), where ``attrs.evolve`` would convert and check them all again."""
    copy = object.__new__(type(value))
    for name in names:
        object.__setattr__(copy, name, getattr(value, name))
    for name, changed in changes.items():
        object.__setattr__(copy, name, changed)
    return copy


class Checker:
    """Collects problems with field paths, then raises them all at once."""

    __slots__ = ("problems",)

    def __init__(self) -> None:
        self.problems: list[Problem] = []

    def fail(self, path: str, message: str, hint: str = "") -> None:
        self.problems.append(Problem(path, message, hint))

    def nested(self, path: str, error: ValidationError) -> None:
        self.problems.extend(p.under(path) for p in error.problems)

    def done(self, subject: str) -> None:
        if self.problems:
            raise ValidationError(subject, self.problems)

    def text(
        self,
        path: str,
        value: object,
        *,
        required: bool = True,
        max_length: int | None = None,
        hint: str = "",
        multiline: bool = False,
    ) -> bool:
        """A string; non-empty when ``required``; at most ``max_length`` characters; no control
        characters (but line breaks and tabs when ``multiline``)."""
        if (
            value.__class__ is str
            and value
            and value.isprintable()  # no control character (nor anything else unprintable)
            and (max_length is None or len(value) <= max_length)
        ):
            return True  # the usual case, at once; anything else is looked at below
        if value is None:
            if required:
                self.fail(path, "is required", hint or "give a non-empty string")
                return False
            return True
        if not isinstance(value, str):
            self.fail(path, f"must be a string, got {describe(value)}", hint)
            return False
        if required and not value:
            self.fail(path, "is required and must not be blank", hint or "give a non-empty string")
            return False
        if max_length is not None and len(value) > max_length:
            self.fail(path, f"is {len(value)} characters long; the limit is {max_length}", hint)
            return False
        if (_CONTROL_BUT_BREAKS if multiline else _CONTROL).search(value):
            self.fail(path, "contains control characters", "remove tabs, newlines and the like")
            return False
        return True

    def integer(
        self,
        path: str,
        value: object,
        *,
        minimum: int | None = None,
        maximum: int | None = None,
        required: bool = True,
    ) -> bool:
        """An ``int`` (never a bool or float) within ``[minimum, maximum]``."""
        if value is None and not required:
            return True
        if not isinstance(value, int) or isinstance(value, bool):
            self.fail(path, f"must be a whole number, got {describe(value)}")
            return False
        if minimum is not None and value < minimum:
            self.fail(path, f"must be at least {minimum}, got {value}")
            return False
        if maximum is not None and value > maximum:
            self.fail(path, f"must be at most {maximum}, got {value}")
            return False
        return True

    def boolean(self, path: str, value: object) -> bool:
        if not isinstance(value, bool):
            self.fail(path, f"must be true or false, got {describe(value)}")
            return False
        return True

    def decimal(self, path: str, value: object) -> bool:
        """A finite ``Decimal`` (floats are refused: they cannot hold money exactly)."""
        if isinstance(value, float):
            self.fail(
                path,
                f"floats are not accepted ({value!r} cannot be held exactly)",
                "pass a string such as '19.99' or a decimal.Decimal",
            )
            return False
        if not isinstance(value, Decimal):
            self.fail(
                path,
                f"must be a decimal number, got {describe(value)}",
                "pass a string such as '19.99', an int or a decimal.Decimal",
            )
            return False
        if not value.is_finite():
            self.fail(path, f"must be a finite number, got {value}")
            return False
        return True

    def datetime(self, path: str, value: object, *, required: bool = True) -> bool:
        """A timezone-aware datetime (already converted to a UTC pendulum ``DateTime``)."""
        if value.__class__ is pendulum.DateTime and value.tzinfo is UTC:
            return True
        if value is None and not required:
            return True
        if isinstance(value, pendulum.DateTime) and value.utcoffset() is not None:
            return True
        if isinstance(value, dt.datetime):
            self.fail(
                path,
                "must be timezone-aware, got a naive datetime",
                "attach a timezone, e.g. pendulum.datetime(..., tz='UTC')",
            )
        elif isinstance(value, str) and _is_naive_iso(value):
            self.fail(
                path,
                f"{value!r} has no UTC offset, so the instant is ambiguous",
                "add one, e.g. '2026-03-01T09:30:00+08:00' or '...Z'",
            )
        else:
            self.fail(
                path,
                f"must be a timezone-aware datetime or ISO-8601 string, got {describe(value)}",
                "e.g. '2026-03-01T09:30:00+08:00'",
            )
        return False

    def date(self, path: str, value: object) -> bool:
        if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
            return True
        self.fail(path, f"must be a date, got {describe(value)}", "e.g. '2026-02-17'")
        return False

    def time(self, path: str, value: object) -> bool:
        if isinstance(value, dt.time):
            if value.tzinfo is not None:
                self.fail(
                    path,
                    "must be a local wall-clock time without a timezone",
                    "the supplier's timezone applies",
                )
                return False
            return True
        self.fail(path, f"must be a time of day, got {describe(value)}", "e.g. '16:00'")
        return False

    def currency(self, path: str, value: object) -> bool:
        """An ISO-4217 currency code with defined minor units."""
        if isinstance(value, str) and value in CURRENCY_MINOR_UNITS:
            return True
        self.fail(
            path,
            f"{describe(value)} is not an ISO-4217 currency code",
            "use a three-letter code such as 'USD', 'EUR' or 'CNY'",
        )
        return False

    def countries(self, path: str, value: object, *, required: bool = True) -> bool:
        """A non-empty frozenset of ISO 3166-1 alpha-2 codes (``None`` allowed when optional)."""
        if not self.set_of(
            path, value, is_country_code, "ISO 3166-1 alpha-2 country codes", required=required
        ):
            return False
        if value is not None and not value:
            self.fail(path, "is empty, so nothing could ever ship", "leave it out to mean anywhere")
            return False
        return True

    def member(self, path: str, value: object, enum_cls: type[enum.Enum]) -> bool:
        if isinstance(value, enum_cls):
            return True
        choices = ", ".join(str(m.value) for m in enum_cls)
        self.fail(path, f"must be one of {choices}; got {describe(value)}")
        return False

    def instance(self, path: str, value: object, cls: type, *, required: bool = True) -> bool:
        if value is None and not required:
            return True
        if isinstance(value, cls):
            return True
        self.fail(path, f"must be {a_name(cls)}, got {describe(value)}")
        return False

    def sequence(self, path: str, value: object, cls: type, *, non_empty: bool = False) -> bool:
        """A tuple whose items are all ``cls`` instances."""
        if not isinstance(value, tuple):
            self.fail(path, f"must be a list of {cls.__name__}, got {describe(value)}")
            return False
        if non_empty and not value:
            self.fail(path, f"must hold at least one {cls.__name__}")
            return False
        ok = True
        for index, item in enumerate(value):
            if not isinstance(item, cls):
                self.fail(f"{path}[{index}]", f"must be {a_name(cls)}, got {describe(item)}")
                ok = False
        return ok

    def set_of(
        self,
        path: str,
        value: object,
        check: Callable[[object], bool],
        what: str,
        *,
        required: bool = True,
    ) -> bool:
        """A frozenset whose items all pass ``check``."""
        if value is None and not required:
            return True
        if not isinstance(value, frozenset):
            self.fail(path, f"must be a set of {what}, got {describe(value)}")
            return False
        bad = sorted((describe(v) for v in value if not check(v)), key=str)
        if bad:
            self.fail(path, f"holds values that are not {what}: {', '.join(bad)}")
            return False
        return True


def first_duplicates(values: Iterable[T]) -> list[T]:
    """The values that occur more than once, in first-seen order."""
    seen: set[T] = set()
    dupes: list[T] = []
    for value in values:
        if value in seen and value not in dupes:
            dupes.append(value)
        seen.add(value)
    return dupes
