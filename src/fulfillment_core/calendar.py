"""Business time in a supplier's calendar: :class:`BusinessCalendar` and :func:`promise_dates`.

The rules, in the order they apply:

1. Instants go in as aware datetimes (stdlib or pendulum) and come out as pendulum ``DateTime``
   values in UTC. Every rule below is read in the *supplier's* timezone, where the work happens.
2. A **business day** is one of the supplier's work weekdays that none of its closures covers.
3. A **business moment** is an instant on a business day before the daily cut-off. Work that
   arrives at any other time starts at 00:00 of the next business day. A cut-off of 00:00 means
   midnight at the *end* of the day: no same-day cut-off at all.
4. **Adding** ``n`` business days starts from the business moment, moves the local date forward
   ``n`` business days and keeps the local wall-clock time, so the result is a business moment.
5. **Counting** business days between two instants counts the business days after the start's
   business moment up to and including the end's local date, so counting undoes adding.
6. **DST.** A wall time that a clock change skips is read with the offset in force before the
   change, which moves it forward by the length of the gap (02:30 on New York's spring-forward
   Sunday is 03:30 EDT). A wall time that occurs twice is taken at the same occurrence as the
   start (the first one, unless the start was itself in the repeated hour). Results are always
   real instants.
7. **Processing** time counts the supplier's business days; **shipping** time counts calendar
   days, as carriers quote them door to door.

Adding costs the same for 5 days as for 200: week arithmetic and a bisection over the sorted
closed days, repeated only when closures are crossed, never a walk over the days.

>>> import pendulum
>>> from fulfillment_core import Supplier
>>> from fulfillment_core.calendar import BusinessCalendar
>>> calendar = BusinessCalendar.of(
...     Supplier(id="sup-1", name="Gadget Works", timezone="Asia/Shanghai", country="CN")
... )
>>> friday_evening = pendulum.datetime(2026, 3, 6, 17, tz="Asia/Shanghai")  # after 16:00
>>> calendar.next_business_moment(friday_evening)  # 00:00 on Monday in Shanghai, in UTC
DateTime(2026, 3, 8, 16, 0, 0, tzinfo=Timezone('UTC'))
>>> calendar.add_business_days(friday_evening, 2).in_tz("Asia/Shanghai").isoformat()
'2026-03-11T00:00:00+08:00'
"""

from __future__ import annotations

import datetime as dt
import itertools
import zoneinfo
from bisect import bisect_right
from typing import Any

import attrs
import pendulum

from ._validation import Checker, describe, is_aware, to_datetime, to_text, to_time, to_tuple
from .exceptions import Problem, ValidationError
from .supplier import (
    MONDAY_TO_FRIDAY,
    DayRange,
    Supplier,
    Weekday,
    _timezone_problem,
    _to_work_days,
    check_day_range,
    to_day_range,
)

__all__ = ["BusinessCalendar", "Promise", "promise_dates"]

_MIDNIGHT = dt.time(0)
_UTC = pendulum.UTC
_LAST_ORDINAL = dt.date.max.toordinal()

#: The most business days one call may add: about 140 years of five-day weeks.
MAX_BUSINESS_DAYS = 36_500

_INSTANT_HINT = "e.g. pendulum.datetime(2026, 3, 6, 17, tz='Asia/Shanghai')"


def _is_whole(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _plain(instant: dt.datetime) -> dt.datetime:
    """A stdlib ``datetime`` with the same fields: stdlib arithmetic is several times faster."""
    return dt.datetime(
        instant.year, instant.month, instant.day, instant.hour, instant.minute, instant.second,
        instant.microsecond, instant.tzinfo, fold=instant.fold,
    )  # fmt: skip


def _to_pendulum(utc: dt.datetime) -> pendulum.DateTime:
    """A stdlib datetime in UTC as a pendulum ``DateTime`` in UTC, without pendulum's slow paths."""
    return pendulum.DateTime(
        utc.year, utc.month, utc.day, utc.hour, utc.minute, utc.second, utc.microsecond,
        tzinfo=_UTC,
    )  # fmt: skip


def _check_instant(check: Checker, name: str, value: object) -> None:
    if not isinstance(value, dt.datetime):
        check.fail(name, f"must be a timezone-aware datetime, got {describe(value)}", _INSTANT_HINT)
    elif value.utcoffset() is None:
        check.fail(
            name,
            f"must be timezone-aware, got the naive datetime {value.isoformat()}",
            "attach the timezone it was read in, " + _INSTANT_HINT,
        )


def _day_ordinal(day: object) -> int:
    """The ordinal of a plain date; a datetime is refused (its date depends on the zone)."""
    if isinstance(day, dt.date) and not isinstance(day, dt.datetime):
        return day.toordinal()
    if isinstance(day, dt.datetime):
        message = f"must be a date, got the datetime {day.isoformat()}"
        hint = "convert it to the supplier's date first: calendar.local_date(instant)"
    else:
        message, hint = f"must be a date, got {describe(day)}", "e.g. date(2026, 3, 6)"
    raise ValidationError("BusinessCalendar.is_business_day", [Problem("day", message, hint)])


def _check_ordinals(check: Checker, path: str, value: object) -> None:
    if not isinstance(value, tuple):
        check.fail(path, f"must be a tuple of date ordinals, got {describe(value)}")
    elif not all(_is_whole(v) and 1 <= v <= _LAST_ORDINAL for v in value):
        check.fail(path, "must hold date ordinals only", "use date.toordinal()")
    elif any(a >= b for a, b in itertools.pairwise(value)):
        check.fail(path, "must be sorted without repeats", "use BusinessCalendar.of(supplier)")


@attrs.frozen
class BusinessCalendar:
    """When a supplier works: its zone, work weekdays, closed days and daily cut-off.

    Build it once per supplier with :meth:`of` and reuse it: the rules are compiled to small
    tables on construction, so each question afterwards is a few integer operations. Every
    method is pure and takes aware datetimes; results are pendulum ``DateTime`` values in UTC.

    ``holiday_ordinals`` holds every day of every closure as a ``date.toordinal()`` number, sorted.
    """

    timezone: str = attrs.field(converter=to_text)
    work_days: frozenset[Weekday] = attrs.field(
        default=MONDAY_TO_FRIDAY, converter=_to_work_days, kw_only=True
    )
    holiday_ordinals: tuple[int, ...] = attrs.field(
        default=(), converter=to_tuple, kw_only=True, repr=False
    )
    cutoff: dt.time = attrs.field(default=dt.time(16, 0), converter=to_time, kw_only=True)

    # Compiled in __attrs_post_init__ from the fields above.
    zone: zoneinfo.ZoneInfo = attrs.field(init=False, repr=False, eq=False)
    _works: tuple[bool, ...] = attrs.field(init=False, repr=False, eq=False)
    _per_week: int = attrs.field(init=False, repr=False, eq=False)
    _before: tuple[int, ...] = attrs.field(init=False, repr=False, eq=False)
    _nth: tuple[int, ...] = attrs.field(init=False, repr=False, eq=False)
    _closed: tuple[int, ...] = attrs.field(init=False, repr=False, eq=False)
    _closed_set: frozenset[int] = attrs.field(init=False, repr=False, eq=False)
    _all_day: bool = attrs.field(init=False, repr=False, eq=False)

    def __attrs_post_init__(self) -> None:
        check = Checker()
        problem = _timezone_problem(self.timezone)
        zone = None
        if problem:
            check.fail("timezone", *problem)
        else:
            try:
                zone = zoneinfo.ZoneInfo(self.timezone)
            except (zoneinfo.ZoneInfoNotFoundError, ValueError):
                check.fail("timezone", f"{self.timezone!r} is not in the zoneinfo database")
        if (
            check.set_of("work_days", self.work_days, lambda v: isinstance(v, Weekday), "weekdays")
            and not self.work_days
        ):
            check.fail("work_days", "is empty: the supplier would never work")
        _check_ordinals(check, "holiday_ordinals", self.holiday_ordinals)
        check.time("cutoff", self.cutoff)
        check.done("BusinessCalendar")

        works = tuple(Weekday(day) in self.work_days for day in range(7))
        # _before[k]: work weekdays among Monday..(k-1); _nth[r]: the k where the r-th one ends.
        before = tuple(sum(works[:k]) for k in range(8))
        per_week = before[7]
        nth = (0, *(next(k for k in range(1, 8) if before[k] >= r) for r in range(1, per_week + 1)))
        # A closure on a day off changes nothing: keep only the work days it closes.
        closed = tuple(o for o in self.holiday_ordinals if works[(o + 6) % 7])
        for name, value in (
            ("zone", zone),
            ("_works", works),
            ("_per_week", per_week),
            ("_before", before),
            ("_nth", nth),
            ("_closed", closed),
            ("_closed_set", frozenset(closed)),
            ("_all_day", self.cutoff == _MIDNIGHT),
        ):
            object.__setattr__(self, name, value)

    @classmethod
    def of(cls, supplier: Supplier) -> BusinessCalendar:
        """The calendar of ``supplier``: its closures are expanded here, once, into days."""
        if not isinstance(supplier, Supplier):
            raise ValidationError(
                "BusinessCalendar.of",
                [Problem("supplier", f"must be a Supplier, got {describe(supplier)}")],
            )
        days = {
            ordinal
            for closure in supplier.holidays
            for ordinal in range(closure.start.toordinal(), closure.end.toordinal() + 1)
        }
        return cls(
            supplier.timezone,
            work_days=supplier.work_days,
            holiday_ordinals=tuple(sorted(days)),
            cutoff=supplier.cutoff,
        )

    # ------------------------------------------------------------------ public questions

    def local_date(self, instant: dt.datetime) -> dt.date:
        """The date ``instant`` falls on in the supplier's timezone."""
        return self._local(instant, "BusinessCalendar.local_date", "instant").date()

    def is_business_day(self, day: dt.date) -> bool:
        """Whether the supplier works on ``day``, a date in its timezone.

        A datetime is refused rather than guessed at: which day an instant falls on depends on
        the zone, so take :meth:`local_date` of it first.
        """
        return self._is_open(_day_ordinal(day))

    def next_business_moment(self, instant: dt.datetime) -> pendulum.DateTime:
        """When work arriving at ``instant`` starts: ``instant`` itself if it falls on a business
        day before the cut-off, else 00:00 of the next business day (both in UTC)."""
        local = self._local(instant, "BusinessCalendar.next_business_moment", "instant")
        if self._is_moment(local):
            return _to_pendulum(local.astimezone(dt.UTC))
        return self._at(self._forward(local.toordinal(), 1), _MIDNIGHT)

    def add_business_days(self, instant: dt.datetime, days: int) -> pendulum.DateTime:
        """The business moment ``days`` business days after work arriving at ``instant`` starts.

        Starts from :meth:`next_business_moment` and keeps its local wall-clock time; ``days``
        of 0 gives that moment. The cost does not grow with ``days``, only with the closures
        crossed.
        """
        local = self._to_local(instant)
        if local is None or not _is_whole(days) or not 0 <= days <= MAX_BUSINESS_DAYS:
            check = Checker()
            _check_instant(check, "instant", instant)
            check.integer("days", days, minimum=0, maximum=MAX_BUSINESS_DAYS)
            check.done("BusinessCalendar.add_business_days")
            raise AssertionError("unreachable: a refused argument always names its problem")
        ordinal = local.toordinal()
        if self._is_moment(local):
            if days == 0:
                return _to_pendulum(local.astimezone(dt.UTC))
            wall = local.time()  # keeps the fold: which of a repeated hour's two passes
        else:
            wall = _MIDNIGHT
            days += 1  # the moment is 00:00 of the next business day: count from before it
        return self._at(self._forward(ordinal, days), wall)

    def business_days_between(self, start: dt.datetime, end: dt.datetime) -> int:
        """How many business days after the start's business moment, up to and including the
        local date of ``end``; 0 when ``end`` is not after it.

        The inverse of adding: ``business_days_between(x, add_business_days(x, n)) == n``.
        """
        first = self._to_local(start)
        last = self._to_local(end)
        if first is None or last is None:
            check = Checker()
            _check_instant(check, "start", start)
            _check_instant(check, "end", end)
            check.done("BusinessCalendar.business_days_between")
            raise AssertionError("unreachable: a refused argument always names its problem")
        origin = first.toordinal()
        if not self._is_moment(first):
            origin = self._forward(origin, 1)
        until = last.toordinal()
        if until <= origin:
            return 0
        return self._count_to(until) - self._count_to(origin)

    def _first_instant_past(self, start: dt.datetime, days: int) -> pendulum.DateTime:
        """The first instant ``end`` with ``business_days_between(start, end) > days``, in UTC:
        the start, in the supplier's zone, of the ``days + 1``-th business day after the
        start's business moment. ``start`` is an aware datetime (checked by the caller)."""
        first = self._to_local(start)
        assert first is not None, "start must be an aware datetime"
        origin = first.toordinal()
        if not self._is_moment(first):
            origin = self._forward(origin, 1)
        day = dt.date.fromordinal(self._forward(origin, days + 1))
        # fold=0: a midnight skipped by a clock change reads as the instant the day starts,
        # a repeated one as its first pass.
        return _to_pendulum(dt.datetime.combine(day, _MIDNIGHT, self.zone).astimezone(dt.UTC))

    # ------------------------------------------------------------------ the arithmetic

    def _is_open(self, ordinal: int) -> bool:
        return self._works[(ordinal + 6) % 7] and ordinal not in self._closed_set

    def _is_moment(self, local: dt.datetime) -> bool:
        return self._is_open(local.toordinal()) and (self._all_day or local.time() < self.cutoff)

    def _count_to(self, ordinal: int) -> int:
        """Business days among the ordinals 1 to ``ordinal`` (ordinal 1 is a Monday)."""
        weeks, rest = divmod(ordinal, 7)
        return weeks * self._per_week + self._before[rest] - bisect_right(self._closed, ordinal)

    def _forward(self, ordinal: int, days: int) -> int:
        """The ordinal of the ``days``-th business day after ``ordinal`` (``days`` >= 0).

        Find the first day with enough *work weekdays* by week arithmetic, then count the
        closed days up to it; each one crossed needs one more work weekday, so go again until
        no new closed day is crossed. Each round passes at least one closed day.
        """
        if days == 0:
            return ordinal
        closed = bisect_right(self._closed, ordinal)
        weekdays = ordinal // 7 * self._per_week + self._before[ordinal % 7] + days
        while True:
            weeks, rest = divmod(weekdays - 1, self._per_week)
            candidate = weeks * 7 + self._nth[rest + 1]
            crossed = bisect_right(self._closed, candidate, closed)
            if crossed == closed:
                return candidate
            weekdays += crossed - closed
            closed = crossed

    def _at(self, ordinal: int, wall: dt.time) -> pendulum.DateTime:
        """The instant at the local ``wall`` time (and its fold) on day ``ordinal``, in UTC."""
        if ordinal > _LAST_ORDINAL:
            raise ValidationError(
                "BusinessCalendar",
                [Problem("days", "the result would fall after the year 9999")],
            )
        local = dt.datetime.combine(dt.date.fromordinal(ordinal), wall, self.zone)
        utc = local.astimezone(dt.UTC)
        back = utc.astimezone(self.zone)
        moved = _wall_moved(local, back)
        if moved and local.fold:
            # The second pass of a repeated hour, carried to a day where that wall time is
            # skipped: read it like any skipped time (rule 6), moving forward, not back.
            local = local.replace(fold=0)
            utc = local.astimezone(dt.UTC)
            back = utc.astimezone(self.zone)
            moved = _wall_moved(local, back)
        if moved and not self._is_moment(back):
            # A wall time in a DST gap comes back moved forward (rule 6); if that crossed the
            # cut-off or the day (only in odd zones), the next business moment applies.
            return self._at(self._forward(back.toordinal(), 1), _MIDNIGHT)
        return _to_pendulum(utc)

    def _to_local(self, instant: object) -> dt.datetime | None:
        """``instant`` in the supplier's zone as a stdlib datetime; ``None`` when not aware."""
        if type(instant) is not dt.datetime:
            if not isinstance(instant, dt.datetime):
                return None
            instant = _plain(instant)
        if instant.tzinfo is None or instant.utcoffset() is None:
            return None
        if instant.tzinfo is self.zone:
            # astimezone() to its own zone changes nothing, not even a wall time in a DST gap:
            # go through UTC so that the local fields are those of the real instant.
            instant = instant.astimezone(dt.UTC)
        return instant.astimezone(self.zone)

    def _local(self, instant: object, subject: str, name: str) -> dt.datetime:
        local = self._to_local(instant)
        if local is None:
            check = Checker()
            _check_instant(check, name, instant)
            check.done(subject)
            raise AssertionError("unreachable: a refused argument always names its problem")
        return local


# --------------------------------------------------------------------------- promises


def _check_order(check: Checker, earlier: str, later: str, values: dict[str, Any]) -> None:
    first, then = values[earlier], values[later]
    if is_aware(first) and is_aware(then) and then < first:
        check.fail(later, f"is before {earlier}", f"{later} can be no earlier than {earlier}")


@attrs.frozen(kw_only=True)
class Promise:
    """What the customer can be told when an order is placed: two windows, kept apart.

    ``ship_by_earliest`` to ``ship_by`` is when the supplier hands the parcel to the carrier
    (processing time, in the supplier's business days); ``deliver_by_earliest`` to
    ``deliver_by`` is when it reaches the door (plus shipping time, in calendar days). Keeping
    them apart lets a late supplier and a slow carrier be told apart. All in UTC.
    """

    placed_at: pendulum.DateTime = attrs.field(converter=to_datetime)
    ship_by_earliest: pendulum.DateTime = attrs.field(converter=to_datetime)
    ship_by: pendulum.DateTime = attrs.field(converter=to_datetime)
    deliver_by_earliest: pendulum.DateTime = attrs.field(converter=to_datetime)
    deliver_by: pendulum.DateTime = attrs.field(converter=to_datetime)

    def __attrs_post_init__(self) -> None:
        check = Checker()
        values = attrs.asdict(self, recurse=False)
        for name, value in values.items():
            check.datetime(name, value)
        for earlier, later in (
            ("placed_at", "ship_by_earliest"),
            ("ship_by_earliest", "ship_by"),
            ("ship_by_earliest", "deliver_by_earliest"),
            ("deliver_by_earliest", "deliver_by"),
            ("ship_by", "deliver_by"),
        ):
            _check_order(check, earlier, later, values)
        check.done("Promise")


def _wall_moved(local: dt.datetime, back: dt.datetime) -> bool:
    """Whether a local time came back from UTC changed: it was skipped by a clock change."""
    return (
        back.minute != local.minute
        or back.hour != local.hour
        or back.day != local.day
        or back.second != local.second
    )


def _plus_calendar_days(
    calendar: BusinessCalendar, instant: pendulum.DateTime, days: int
) -> pendulum.DateTime:
    """``days`` calendar days later at the same wall time in the supplier's zone (so a DST
    change in between does not move the promised date), as an instant in UTC."""
    if days == 0:
        return instant
    local = _plain(instant).astimezone(calendar.zone)
    naive = local.replace(tzinfo=None) + dt.timedelta(days=days)
    # Keep the pass of a repeated hour the start was in (naive arithmetic drops the fold).
    later = naive.replace(tzinfo=calendar.zone, fold=local.fold)
    return _to_pendulum(later.astimezone(dt.UTC))


def promise_dates(
    placed_at: dt.datetime,
    calendar: BusinessCalendar,
    processing: DayRange | tuple[int, int],
    transit: DayRange | tuple[int, int],
) -> Promise:
    """The ship and delivery windows of an order placed at ``placed_at``.

    Shipping is ``processing`` business days in the supplier's ``calendar`` (from the business
    moment the order arrives in). Delivery adds ``transit`` *calendar* days to each end of the
    ship window, at the same wall-clock time in the supplier's zone (carriers quote
    door-to-door days and move parcels on weekends and holidays; a DST change in between does
    not shift the promised date). Either range may be given as a ``DayRange`` or a pair.

    >>> import pendulum
    >>> from fulfillment_core import DayRange, Supplier
    >>> calendar = BusinessCalendar.of(
    ...     Supplier(id="sup-1", name="Gadget Works", timezone="Asia/Shanghai", country="CN")
    ... )
    >>> placed = pendulum.datetime(2026, 3, 2, 9, tz="Asia/Shanghai")  # a Monday morning
    >>> promise = promise_dates(placed, calendar, DayRange(1, 3), DayRange(10, 15))
    >>> promise.ship_by.in_tz("Asia/Shanghai").isoformat()
    '2026-03-05T09:00:00+08:00'
    >>> promise.deliver_by.in_tz("Asia/Shanghai").isoformat()
    '2026-03-20T09:00:00+08:00'
    """
    check = Checker()
    _check_instant(check, "placed_at", placed_at)
    check.instance("calendar", calendar, BusinessCalendar)
    processing = to_day_range(processing)
    transit = to_day_range(transit)
    check_day_range(check, "processing", processing)
    check_day_range(check, "transit", transit)
    check.done("promise_dates")
    assert isinstance(processing, DayRange)
    assert isinstance(transit, DayRange)
    ship_by_earliest, deliver_by_earliest = _promised_by(
        calendar, placed_at, processing.min_days, transit.min_days
    )
    ship_by, deliver_by = _promised_by(calendar, placed_at, processing.max_days, transit.max_days)
    return Promise(
        placed_at=to_datetime(placed_at),
        ship_by_earliest=ship_by_earliest,
        ship_by=ship_by,
        deliver_by_earliest=deliver_by_earliest,
        deliver_by=deliver_by,
    )


def _promised_by(
    calendar: BusinessCalendar, placed_at: dt.datetime, processing_days: int, transit_days: int
) -> tuple[pendulum.DateTime, pendulum.DateTime]:
    """One end of :func:`promise_dates` (arguments already checked): shipped by, delivered by.
    The simulator judges every delivered order by the late end, without a ``Promise``."""
    ship_by = calendar.add_business_days(placed_at, processing_days)
    return ship_by, _plus_calendar_days(calendar, ship_by, transit_days)
