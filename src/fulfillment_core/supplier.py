"""Who fulfils the work: :class:`Supplier`, with its working week, closures and capabilities.

A supplier works in its own timezone (often ``Asia/Shanghai``), on its own work days, closes for
its own holidays (a single day, or a range such as the Chinese New Year closure), and stops taking
same-day work at a daily cut-off. It quotes a processing-time range in business days, ships from
one country, supports some parcel inserts, and may serve only some destination countries.

>>> import datetime as dt
>>> from fulfillment_core import Closure, Supplier
>>> supplier = Supplier(
...     id="sup-sz-01", name="Shenzhen Gadget Works", timezone="Asia/Shanghai", country="CN",
...     holidays=[Closure(dt.date(2026, 2, 15), dt.date(2026, 2, 23), "Chinese New Year")],
... )
>>> supplier.is_closed_on(dt.date(2026, 2, 17)), supplier.ships_to("US")
(True, True)
"""

from __future__ import annotations

import datetime as dt
import enum
import functools
import zoneinfo
from typing import Any

import attrs
import pendulum

from ._validation import (
    Checker,
    describe,
    is_country_code,
    to_code,
    to_country_set,
    to_date,
    to_frozenset,
    to_text,
    to_time,
    to_tuple,
)
from .exceptions import Problem, ValidationError
from .policy import Insert, to_inserts

__all__ = ["Closure", "DayRange", "Supplier", "Weekday"]


class Weekday(enum.IntEnum):
    """Days of the week, numbered as ``datetime.date.weekday()`` numbers them."""

    MONDAY = 0
    TUESDAY = 1
    WEDNESDAY = 2
    THURSDAY = 3
    FRIDAY = 4
    SATURDAY = 5
    SUNDAY = 6


_WEEKDAY_NAMES = {
    **{member.name.lower(): member for member in Weekday},
    **{member.name[:3].lower(): member for member in Weekday},
}


def _to_weekday(value: Any) -> Any:
    """A member, a number 0-6 or a name ("monday", "Mon") to a :class:`Weekday`."""
    if isinstance(value, str):
        return _WEEKDAY_NAMES.get(value.strip().lower(), value)
    if isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= 6:
        return Weekday(value)
    return value


MONDAY_TO_FRIDAY = frozenset(Weekday(day) for day in range(5))


def _plain_date(day: dt.date) -> dt.date:
    """``day`` as a plain date; a datetime is refused (which day it is depends on the zone)."""
    if isinstance(day, dt.datetime):
        raise ValidationError(
            "day",
            [
                Problem(
                    "",
                    f"must be a date, got the datetime {day.isoformat()}",
                    "take the date in the supplier's timezone: instant.in_tz(supplier.tz).date()",
                )
            ],
        )
    return day


@attrs.frozen
class Closure:
    """Days a supplier does not work, ``start`` to ``end`` inclusive (one day when equal)."""

    start: dt.date = attrs.field(converter=to_date)
    end: dt.date = attrs.field(converter=to_date)
    name: str = attrs.field(default="", converter=to_text)

    def __attrs_post_init__(self) -> None:
        check = Checker()
        if check.date("start", self.start) & check.date("end", self.end) and (
            self.end < self.start
        ):
            check.fail(
                "end",
                f"{self.end} is before start {self.start}",
                "a closure runs from start to end inclusive",
            )
        check.text("name", self.name, required=False, max_length=255)
        check.done("Closure")

    @classmethod
    def on(cls, day: dt.date | str, name: str = "") -> Closure:
        """A one-day closure."""
        return cls(day, day, name)

    def covers(self, day: dt.date) -> bool:
        """Whether the closure includes ``day`` (a date in the supplier's timezone)."""
        return self.start <= _plain_date(day) <= self.end


@attrs.frozen
class DayRange:
    """A range of whole days, ``min_days`` to ``max_days`` inclusive: ``DayRange(1, 3)``."""

    min_days: int
    max_days: int

    def __attrs_post_init__(self) -> None:
        check = Checker()
        if (
            check.integer("min_days", self.min_days, minimum=0, maximum=3650)
            & check.integer("max_days", self.max_days, minimum=0, maximum=3650)
            and self.max_days < self.min_days
        ):
            check.fail(
                "max_days",
                f"{self.max_days} is less than min_days {self.min_days}",
                "give the range as (fewest, most)",
            )
        check.done("DayRange")

    def __str__(self) -> str:
        if self.min_days == self.max_days:
            return f"{self.min_days} days"
        return f"{self.min_days}-{self.max_days} days"


def to_day_range(value: Any) -> Any:
    """``(1, 3)`` or ``[1, 3]`` to ``DayRange(1, 3)``; a pair that makes no range stays a pair,
    for :func:`check_day_range` to explain."""
    if isinstance(value, (list, tuple)) and len(value) == 2:
        try:
            return DayRange(*value)
        except ValidationError:
            return tuple(value)
    return value


def check_day_range(check: Checker, path: str, value: object) -> bool:
    """A :class:`DayRange`; for a pair :func:`to_day_range` left alone, say what is wrong."""
    if isinstance(value, tuple) and len(value) == 2:
        try:
            DayRange(*value)
        except ValidationError as error:
            check.nested(path, error)
            return False
    return check.instance(path, value, DayRange)


_ZONE_HINT = "e.g. 'Asia/Shanghai' or 'America/New_York'"


def _timezone_problem(name: object) -> tuple[str, str] | None:
    """What is wrong with ``name`` as a timezone, and the fix; ``None`` when it is fine."""
    if not isinstance(name, str) or not name:
        return f"must be an IANA timezone name, got {describe(name)}", _ZONE_HINT
    try:
        pendulum.timezone(name)
    except (ValueError, OSError):
        match = _zone_names().get(name.lower())
        hint = f"did you mean {match!r}?" if match else _ZONE_HINT
        return f"{name!r} is not an IANA timezone name", hint
    return None


@functools.cache
def _zone_names() -> dict[str, str]:
    """Lower-cased IANA names to their proper spelling (read once, on the first bad name)."""
    return {name.lower(): name for name in zoneinfo.available_timezones()}


def _to_work_days(value: Any) -> Any:
    return to_frozenset(value, _to_weekday)


@attrs.frozen
class Supplier:
    """A supplier that fulfils work: identity, calendar, processing time and capabilities.

    ``destinations`` of ``None`` means the supplier ships worldwide. ``cutoff`` is a wall-clock
    time in the supplier's ``timezone``: work arriving after it starts the next business day.
    """

    id: str = attrs.field(converter=to_text)
    name: str = attrs.field(converter=to_text)
    timezone: str = attrs.field(converter=to_text)
    country: str = attrs.field(converter=to_code)
    work_days: frozenset[Weekday] = attrs.field(
        default=MONDAY_TO_FRIDAY, converter=_to_work_days, kw_only=True
    )
    holidays: tuple[Closure, ...] = attrs.field(default=(), converter=to_tuple, kw_only=True)
    cutoff: dt.time = attrs.field(default=dt.time(16, 0), converter=to_time, kw_only=True)
    processing_days: DayRange = attrs.field(
        factory=lambda: DayRange(1, 3), converter=to_day_range, kw_only=True
    )
    supported_inserts: frozenset[Insert] = attrs.field(
        default=frozenset(Insert),
        converter=to_inserts,
        kw_only=True,
    )
    destinations: frozenset[str] | None = attrs.field(
        default=None, converter=to_country_set, kw_only=True
    )

    def __attrs_post_init__(self) -> None:
        check = Checker()
        check.text("id", self.id, max_length=255)
        check.text("name", self.name, max_length=255)
        problem = _timezone_problem(self.timezone)
        if problem:
            check.fail("timezone", *problem)
        if not is_country_code(self.country):
            check.fail(
                "country",
                f"{describe(self.country)} is not an ISO 3166-1 alpha-2 country code",
                "e.g. 'CN'",
            )
        if (
            check.set_of("work_days", self.work_days, lambda v: isinstance(v, Weekday), "weekdays")
            and not self.work_days
        ):
            check.fail("work_days", "is empty: the supplier would never work")
        check.sequence("holidays", self.holidays, Closure)
        check.time("cutoff", self.cutoff)
        check_day_range(check, "processing_days", self.processing_days)
        check.set_of(
            "supported_inserts", self.supported_inserts, lambda v: isinstance(v, Insert), "inserts"
        )
        check.countries("destinations", self.destinations, required=False)
        check.done("Supplier")

    @property
    def tz(self) -> pendulum.Timezone:
        """The supplier's timezone as a pendulum ``Timezone``."""
        return pendulum.timezone(self.timezone)

    def ships_to(self, country_code: str) -> bool:
        """Whether the supplier serves ``country_code`` (any case)."""
        return self.destinations is None or country_code.strip().upper() in self.destinations

    def is_closed_on(self, day: dt.date) -> bool:
        """Whether ``day`` (a date in the supplier's timezone) is not a working day."""
        day = _plain_date(day)
        if Weekday(day.weekday()) not in self.work_days:
            return True
        return any(closure.covers(day) for closure in self.holidays)
