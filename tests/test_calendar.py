"""Business time: business days, cut-offs, closures and DST in the supplier's zone, and promises.

A day-by-day walk over ``Supplier.is_closed_on`` is the reference the fast arithmetic must match.
"""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

import pendulum
import pytest
from hypothesis import given
from hypothesis import strategies as st

from fulfillment_core import Closure, DayRange, Supplier, ValidationError
from fulfillment_core.calendar import BusinessCalendar, Promise, promise_dates

SHANGHAI = "Asia/Shanghai"
NEW_YORK = "America/New_York"
PARIS = "Europe/Paris"
SYDNEY = "Australia/Sydney"


def supplier(timezone: str, **fields: Any) -> Supplier:
    country = {SHANGHAI: "CN", NEW_YORK: "US", PARIS: "FR", SYDNEY: "AU"}[timezone]
    return Supplier(id=f"sup-{country}", name="Works", timezone=timezone, country=country, **fields)


CHINESE_NEW_YEAR_2027 = Closure("2027-02-05", "2027-02-13", "Chinese New Year")
SUPPLIERS = {
    SHANGHAI: supplier(
        SHANGHAI,
        holidays=[
            Closure("2026-02-15", "2026-02-23", "Chinese New Year"),
            Closure("2026-10-01", "2026-10-07", "National Day"),
            CHINESE_NEW_YEAR_2027,
        ],
        cutoff="16:00",
    ),
    NEW_YORK: supplier(
        NEW_YORK,
        holidays=[Closure.on("2026-11-26"), Closure.on("2026-12-25"), Closure.on("2027-01-01")],
        cutoff="14:00",
    ),
    PARIS: supplier(
        PARIS,
        work_days=["mon", "tue", "wed", "thu", "fri", "sat"],
        holidays=[Closure.on("2026-05-01"), Closure.on("2026-07-14"), Closure.on("2026-12-25")],
        cutoff="12:00",
    ),
    SYDNEY: supplier(
        SYDNEY,
        holidays=[Closure.on("2026-01-26"), Closure("2026-12-24", "2027-01-04", "Summer break")],
        cutoff="15:30",
    ),
}
CALENDARS = {zone: BusinessCalendar.of(s) for zone, s in SUPPLIERS.items()}
EVERY_DAY = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]

YEAR_START = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
HOURS_IN_2026 = 8760


def local(  # noqa: PLR0917 (the fields of pendulum.datetime, in order)
    zone: str, year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0
) -> pendulum.DateTime:
    return pendulum.datetime(year, month, day, hour, minute, second, tz=zone)


def wall(instant: dt.datetime, zone: str) -> dt.datetime:
    """The naive local wall-clock reading of ``instant`` in ``zone``."""
    return instant.astimezone(ZoneInfo(zone)).replace(tzinfo=None)


def reference_add(s: Supplier, instant: dt.datetime, days: int) -> dt.datetime:
    """The slow, obvious way: walk the supplier's local dates one at a time."""
    zone = ZoneInfo(s.timezone)
    here = instant.astimezone(zone)
    day, time = here.date(), here.time()
    if s.is_closed_on(day) or time >= s.cutoff:
        day, time = day + dt.timedelta(days=1), dt.time(0)
        while s.is_closed_on(day):
            day += dt.timedelta(days=1)
    for _ in range(days):
        day += dt.timedelta(days=1)
        while s.is_closed_on(day):
            day += dt.timedelta(days=1)
    return dt.datetime.combine(day, time, zone).astimezone(dt.UTC)


def is_business_moment(calendar: BusinessCalendar, instant: dt.datetime) -> bool:
    here = instant.astimezone(calendar.zone)
    before_cutoff = here.time() < calendar.cutoff or here.time() == dt.time(0)
    return calendar.is_business_day(here.date()) and before_cutoff


# --------------------------------------------------------------------------- the seed cases


def test_an_order_placed_on_friday_after_the_cut_off_starts_on_monday() -> None:
    friday_evening = local(SHANGHAI, 2026, 3, 6, 17)

    assert CALENDARS[SHANGHAI].next_business_moment(friday_evening) == local(SHANGHAI, 2026, 3, 9)


def test_an_order_placed_before_the_cut_off_starts_at_once() -> None:
    friday_morning = local(SHANGHAI, 2026, 3, 6, 15, 59, 59)

    assert CALENDARS[SHANGHAI].next_business_moment(friday_morning) == friday_morning


def test_work_arriving_exactly_at_the_cut_off_starts_the_next_business_day() -> None:
    at_cutoff = local(SHANGHAI, 2026, 3, 4, 16)

    assert CALENDARS[SHANGHAI].next_business_moment(at_cutoff) == local(SHANGHAI, 2026, 3, 5)


def test_a_friday_evening_order_is_three_business_days_along_on_thursday() -> None:
    friday_evening = local(SHANGHAI, 2026, 3, 6, 17)

    assert CALENDARS[SHANGHAI].add_business_days(friday_evening, 3) == local(SHANGHAI, 2026, 3, 12)


def test_the_chinese_new_year_closure_pushes_three_business_days_past_it() -> None:
    thursday_before = local(SHANGHAI, 2027, 2, 4, 9)  # the closure runs Fri 5th to Sat 13th

    assert CALENDARS[SHANGHAI].add_business_days(thursday_before, 3) == local(
        SHANGHAI, 2027, 2, 17, 9
    )


def test_an_order_placed_during_the_closure_starts_when_it_ends() -> None:
    calendar = CALENDARS[SHANGHAI]
    during = local(SHANGHAI, 2027, 2, 8, 10)

    assert calendar.next_business_moment(during) == local(SHANGHAI, 2027, 2, 15)
    assert calendar.add_business_days(during, 3) == local(SHANGHAI, 2027, 2, 18)
    assert calendar.business_days_between(during, local(SHANGHAI, 2027, 2, 18)) == 3


def test_a_saturday_working_supplier_counts_saturday_as_a_business_day() -> None:
    calendar = CALENDARS[PARIS]  # Monday to Saturday, cut-off 12:00

    assert calendar.is_business_day(dt.date(2026, 3, 7))
    assert not calendar.is_business_day(dt.date(2026, 3, 8))
    assert calendar.add_business_days(local(PARIS, 2026, 3, 6, 10), 1) == local(
        PARIS, 2026, 3, 7, 10
    )
    assert calendar.next_business_moment(local(PARIS, 2026, 3, 6, 13)) == local(PARIS, 2026, 3, 7)


def test_a_closure_on_a_day_off_costs_no_business_day() -> None:
    with_sunday_closure = BusinessCalendar.of(
        supplier(SHANGHAI, holidays=[Closure.on("2026-03-08", "a Sunday")])
    )
    monday = local(SHANGHAI, 2026, 3, 2, 9)

    assert with_sunday_closure.add_business_days(monday, 5) == CALENDARS[
        SHANGHAI
    ].add_business_days(monday, 5)


def test_is_business_day_follows_work_days_and_closures() -> None:
    calendar = CALENDARS[SHANGHAI]

    assert calendar.is_business_day(dt.date(2026, 3, 6))  # a Friday
    assert not calendar.is_business_day(dt.date(2026, 3, 7))  # a Saturday
    assert not calendar.is_business_day(dt.date(2027, 2, 8))  # Chinese New Year
    assert not calendar.is_business_day(dt.date(2026, 10, 1))  # National Day


def test_the_local_date_is_the_suppliers_date() -> None:
    late_in_new_york = local(NEW_YORK, 2026, 3, 5, 20)  # already Friday in Shanghai

    assert CALENDARS[SHANGHAI].local_date(late_in_new_york) == dt.date(2026, 3, 6)
    assert CALENDARS[NEW_YORK].local_date(late_in_new_york) == dt.date(2026, 3, 5)


def test_stdlib_and_pendulum_instants_give_the_same_answers() -> None:
    calendar = CALENDARS[SHANGHAI]
    stdlib = dt.datetime(2026, 3, 6, 9, tzinfo=dt.timezone(dt.timedelta(hours=-5)))

    result = calendar.add_business_days(stdlib, 4)

    assert result == calendar.add_business_days(pendulum.instance(stdlib), 4)
    assert isinstance(result, pendulum.DateTime)
    assert result.tzinfo is pendulum.UTC


def test_adding_no_days_gives_the_business_moment() -> None:
    calendar = CALENDARS[SHANGHAI]
    saturday = local(SHANGHAI, 2026, 3, 7, 11)

    assert calendar.add_business_days(saturday, 0) == calendar.next_business_moment(saturday)


def test_counting_is_zero_when_the_end_is_not_after_the_start() -> None:
    calendar = CALENDARS[SHANGHAI]
    friday_evening = local(SHANGHAI, 2026, 3, 6, 17)

    assert calendar.business_days_between(friday_evening, local(SHANGHAI, 2026, 3, 9, 12)) == 0
    assert calendar.business_days_between(friday_evening, local(SHANGHAI, 2026, 3, 1)) == 0
    assert calendar.business_days_between(friday_evening, local(SHANGHAI, 2026, 3, 10, 8)) == 1


def test_a_cut_off_of_midnight_means_no_same_day_cut_off() -> None:
    calendar = BusinessCalendar.of(supplier(SHANGHAI, cutoff="00:00"))
    late_friday = local(SHANGHAI, 2026, 3, 6, 23, 30)

    assert calendar.next_business_moment(late_friday) == late_friday
    assert calendar.add_business_days(late_friday, 1) == local(SHANGHAI, 2026, 3, 9, 23, 30)


def test_calendars_of_the_same_supplier_are_equal_and_hashable() -> None:
    again = BusinessCalendar.of(SUPPLIERS[SHANGHAI])

    assert again == CALENDARS[SHANGHAI]
    assert hash(again) == hash(CALENDARS[SHANGHAI])
    assert again != CALENDARS[NEW_YORK]


def test_a_closure_is_expanded_into_each_of_its_days() -> None:
    calendar = BusinessCalendar.of(supplier(SHANGHAI, holidays=[CHINESE_NEW_YEAR_2027]))

    days = [dt.date.fromordinal(o) for o in calendar.holiday_ordinals]
    assert days == [dt.date(2027, 2, 5) + dt.timedelta(days=i) for i in range(9)]


def test_a_very_long_count_costs_no_more_than_its_closures() -> None:
    calendar = CALENDARS[SHANGHAI]
    start = local(SHANGHAI, 2026, 3, 2, 9)

    result = calendar.add_business_days(start, 36_500)

    assert calendar.business_days_between(start, result) == 36_500


# --------------------------------------------------------------------------- DST


@pytest.mark.parametrize(
    ("zone", "start", "days", "expected", "hours"),
    [
        # Spring forward: the same wall time comes an hour sooner.
        (NEW_YORK, (2026, 3, 6, 10), 1, (2026, 3, 9, 10), 71),
        (PARIS, (2026, 3, 28, 10), 1, (2026, 3, 30, 10), 47),
        (SYDNEY, (2026, 10, 2, 9), 1, (2026, 10, 5, 9), 71),
        # Fall back: an hour later.
        (NEW_YORK, (2026, 10, 30, 10), 1, (2026, 11, 2, 10), 73),
        (PARIS, (2026, 10, 24, 10), 1, (2026, 10, 26, 10), 49),
        (SYDNEY, (2026, 4, 3, 9), 1, (2026, 4, 6, 9), 73),
        # No DST: whole days.
        (SHANGHAI, (2026, 3, 27, 10), 1, (2026, 3, 30, 10), 72),
    ],
)
def test_adding_across_a_dst_weekend_keeps_the_local_wall_time(
    zone: str,
    start: tuple[int, int, int, int],
    days: int,
    expected: tuple[int, int, int, int],
    hours: int,
) -> None:
    begin = local(zone, *start)

    result = CALENDARS[zone].add_business_days(begin, days)

    assert result == local(zone, *expected)
    assert result - begin == dt.timedelta(hours=hours)
    assert wall(result, zone).time() == wall(begin, zone).time()


@pytest.mark.parametrize(
    ("zone", "saturday", "gap_start"),
    [(NEW_YORK, (2026, 3, 7), 2), (PARIS, (2026, 3, 28), 2), (SYDNEY, (2026, 10, 3), 2)],
)
def test_a_wall_time_skipped_by_spring_forward_moves_forward_by_the_gap(
    zone: str, saturday: tuple[int, int, int], gap_start: int
) -> None:
    calendar = BusinessCalendar.of(supplier(zone, work_days=EVERY_DAY))
    begin = local(zone, *saturday, gap_start, 30)

    result = calendar.add_business_days(begin, 1)  # Sunday 02:30 does not exist

    assert wall(result, zone) == dt.datetime(*saturday, gap_start + 1, 30) + dt.timedelta(days=1)
    assert result - begin == dt.timedelta(hours=24)
    assert calendar.business_days_between(begin, result) == 1


def test_a_start_inside_the_dst_gap_is_read_as_the_instant_it_denotes() -> None:
    calendar = BusinessCalendar.of(supplier(NEW_YORK, work_days=EVERY_DAY))
    in_the_gap = dt.datetime(2026, 3, 8, 2, 30, tzinfo=ZoneInfo(NEW_YORK))  # not a real wall time

    moment = calendar.next_business_moment(in_the_gap)

    assert moment == pendulum.datetime(2026, 3, 8, 7, 30, tz="UTC")  # 02:30 EST, i.e. 03:30 EDT
    assert calendar.local_date(in_the_gap) == dt.date(2026, 3, 8)
    assert calendar.add_business_days(in_the_gap, 1) == local(NEW_YORK, 2026, 3, 9, 3, 30)


def test_a_start_inside_the_gap_on_a_day_off_starts_the_next_business_day() -> None:
    in_the_gap = dt.datetime(2026, 3, 8, 2, 30, tzinfo=ZoneInfo(NEW_YORK))  # a Sunday

    assert CALENDARS[NEW_YORK].next_business_moment(in_the_gap) == local(NEW_YORK, 2026, 3, 9)


def test_a_wall_time_repeated_by_fall_back_is_its_first_occurrence() -> None:
    calendar = BusinessCalendar.of(supplier(NEW_YORK, work_days=EVERY_DAY))
    saturday = local(NEW_YORK, 2026, 10, 31, 1, 30)

    result = calendar.add_business_days(saturday, 1)

    assert result == pendulum.datetime(2026, 11, 1, 5, 30, tz="UTC")  # 01:30 EDT, not EST


def test_a_start_in_the_repeated_hour_is_kept_as_given() -> None:
    calendar = BusinessCalendar.of(supplier(NEW_YORK, work_days=EVERY_DAY))
    second_pass = pendulum.datetime(2026, 11, 1, 6, 30, tz="UTC")  # 01:30 EST

    assert calendar.add_business_days(second_pass, 0) == second_pass
    assert calendar.add_business_days(second_pass, 1) == local(NEW_YORK, 2026, 11, 2, 1, 30)


# --------------------------------------------------------------------------- properties

zones = st.sampled_from(sorted(CALENDARS))
hours = st.integers(0, HOURS_IN_2026 - 1)
counts = st.integers(0, 250)


def hour_of_2026(hour: int) -> pendulum.DateTime:
    return pendulum.instance(YEAR_START + dt.timedelta(hours=hour))


@given(zones, hours, counts)
def test_counting_the_days_added_gives_them_back(zone: str, hour: int, n: int) -> None:
    calendar, start = CALENDARS[zone], hour_of_2026(hour)

    assert calendar.business_days_between(start, calendar.add_business_days(start, n)) == n


@given(zones, hours, counts)
def test_the_result_of_adding_is_a_business_moment(zone: str, hour: int, n: int) -> None:
    calendar = CALENDARS[zone]

    assert is_business_moment(calendar, calendar.add_business_days(hour_of_2026(hour), n))


@given(zones, hours, counts, counts)
def test_adding_is_monotone_in_the_number_of_days(zone: str, hour: int, n: int, m: int) -> None:
    calendar, start = CALENDARS[zone], hour_of_2026(hour)
    fewer, more = sorted((n, m))

    assert calendar.add_business_days(start, fewer) <= calendar.add_business_days(start, more)
    assert (fewer == more) == (
        calendar.add_business_days(start, fewer) == calendar.add_business_days(start, more)
    )


@given(zones, hours, counts)
def test_the_result_is_never_before_the_start(zone: str, hour: int, n: int) -> None:
    start = hour_of_2026(hour)

    assert CALENDARS[zone].add_business_days(start, n) >= start


@given(zones, hours, counts)
def test_adding_matches_a_day_by_day_walk(zone: str, hour: int, n: int) -> None:
    start = hour_of_2026(hour)

    assert CALENDARS[zone].add_business_days(start, n) == reference_add(SUPPLIERS[zone], start, n)


@given(zones, hours, counts, counts)
def test_adding_in_two_steps_equals_adding_at_once(zone: str, hour: int, n: int, m: int) -> None:
    calendar, start = CALENDARS[zone], hour_of_2026(hour)

    assert calendar.add_business_days(calendar.add_business_days(start, n), m) == (
        calendar.add_business_days(start, n + m)
    )


@given(zones, hours, st.integers(0, 30))
def test_the_first_instant_past_some_business_days_is_where_the_count_goes_past_them(
    zone: str, hour: int, n: int
) -> None:
    calendar, start = CALENDARS[zone], hour_of_2026(hour)
    first = calendar._first_instant_past(start, n)

    assert calendar.business_days_between(start, first) == n + 1
    assert calendar.business_days_between(start, first - dt.timedelta(microseconds=1)) <= n


@given(zones, hours)
def test_the_next_business_moment_is_its_own_next_business_moment(zone: str, hour: int) -> None:
    calendar = CALENDARS[zone]
    moment = calendar.next_business_moment(hour_of_2026(hour))

    assert calendar.next_business_moment(moment) == moment


@given(zones, hours, hours)
def test_counting_matches_a_day_by_day_walk(zone: str, first: int, last: int) -> None:
    calendar, s = CALENDARS[zone], SUPPLIERS[zone]
    start, end = hour_of_2026(first), hour_of_2026(last)
    origin = calendar.local_date(calendar.next_business_moment(start))
    until = calendar.local_date(end)
    days = (origin + dt.timedelta(days=i) for i in range(1, (until - origin).days + 1))

    assert calendar.business_days_between(start, end) == sum(not s.is_closed_on(d) for d in days)


@pytest.mark.parametrize("zone", sorted(CALENDARS))
def test_every_hour_of_2026_plus_five_business_days_is_right(zone: str) -> None:
    calendar, s = CALENDARS[zone], SUPPLIERS[zone]
    for hour in range(HOURS_IN_2026):
        start = YEAR_START + dt.timedelta(hours=hour)
        result = calendar.add_business_days(start, 5)
        assert result == reference_add(s, start, 5), start
        assert calendar.business_days_between(start, result) == 5, start
        assert is_business_moment(calendar, result), start
        assert result > start, start


# --------------------------------------------------------------------------- errors


def test_a_naive_datetime_is_refused_naming_the_argument() -> None:
    calendar = CALENDARS[SHANGHAI]
    naive = dt.datetime(2026, 3, 6, 17)
    aware = local(SHANGHAI, 2026, 3, 6, 17)

    with pytest.raises(ValidationError, match="naive") as added:
        calendar.add_business_days(naive, 1)
    with pytest.raises(ValidationError) as moment:
        calendar.next_business_moment(naive)
    with pytest.raises(ValidationError) as counted:
        calendar.business_days_between(aware, naive)
    with pytest.raises(ValidationError) as dated:
        calendar.local_date(naive)

    assert added.value.paths == ("instant",)
    assert moment.value.paths == ("instant",)
    assert counted.value.paths == ("end",)
    assert dated.value.paths == ("instant",)


@pytest.mark.parametrize("days", [-1, 1.5, True, "3", None, 36_501])
def test_a_day_count_that_is_not_a_whole_number_from_zero_is_refused(days: object) -> None:
    with pytest.raises(ValidationError) as error:
        CALENDARS[SHANGHAI].add_business_days(local(SHANGHAI, 2026, 3, 6), days)  # type: ignore[arg-type]

    assert error.value.paths == ("days",)


def test_every_bad_argument_is_reported_at_once() -> None:
    with pytest.raises(ValidationError) as error:
        CALENDARS[SHANGHAI].add_business_days("2026-03-06", -2)  # type: ignore[arg-type]

    assert error.value.paths == ("instant", "days")
    assert str(error.value).startswith("BusinessCalendar.add_business_days is invalid")


def test_is_business_day_refuses_a_datetime_and_says_to_convert_it() -> None:
    with pytest.raises(ValidationError, match="local_date") as error:
        CALENDARS[SHANGHAI].is_business_day(local(SHANGHAI, 2026, 3, 6))

    assert error.value.paths == ("day",)


def test_a_calendar_with_bad_rules_cannot_be_built() -> None:
    with pytest.raises(ValidationError) as error:
        BusinessCalendar(
            "Asia/Shenzhen", work_days=[], holiday_ordinals=(3, 2), cutoff="4pm"
        )  # fmt: skip

    assert error.value.paths == ("timezone", "work_days", "holiday_ordinals", "cutoff")


def test_a_calendar_is_built_from_a_supplier_only() -> None:
    with pytest.raises(ValidationError) as error:
        BusinessCalendar.of("sup-sz-01")  # type: ignore[arg-type]

    assert error.value.paths == ("supplier",)


# --------------------------------------------------------------------------- promises

PROCESSING = DayRange(1, 3)
TRANSIT = DayRange(10, 15)


def test_a_friday_evening_order_ships_tuesday_to_thursday_and_arrives_ten_days_later() -> None:
    promise = promise_dates(
        local(SHANGHAI, 2026, 3, 6, 17), CALENDARS[SHANGHAI], PROCESSING, TRANSIT
    )

    assert promise == Promise(
        placed_at=local(SHANGHAI, 2026, 3, 6, 17),
        ship_by_earliest=local(SHANGHAI, 2026, 3, 10),
        ship_by=local(SHANGHAI, 2026, 3, 12),
        deliver_by_earliest=local(SHANGHAI, 2026, 3, 20),
        deliver_by=local(SHANGHAI, 2026, 3, 27),
    )


def test_a_monday_morning_order_keeps_its_time_of_day() -> None:
    promise = promise_dates(
        local(SHANGHAI, 2026, 3, 2, 9), CALENDARS[SHANGHAI], PROCESSING, TRANSIT
    )

    assert promise.ship_by_earliest == local(SHANGHAI, 2026, 3, 3, 9)
    assert promise.ship_by == local(SHANGHAI, 2026, 3, 5, 9)
    assert promise.deliver_by_earliest == local(SHANGHAI, 2026, 3, 13, 9)
    assert promise.deliver_by == local(SHANGHAI, 2026, 3, 20, 9)


def test_processing_skips_the_closure_but_shipping_counts_every_calendar_day() -> None:
    promise = promise_dates(
        local(SHANGHAI, 2027, 2, 4, 9), CALENDARS[SHANGHAI], PROCESSING, TRANSIT
    )

    assert promise.ship_by_earliest == local(SHANGHAI, 2027, 2, 15, 9)
    assert promise.ship_by == local(SHANGHAI, 2027, 2, 17, 9)
    assert promise.deliver_by - promise.ship_by == dt.timedelta(days=15)


def test_promise_dates_are_in_utc() -> None:
    promise = promise_dates(
        local(SHANGHAI, 2026, 3, 6, 17), CALENDARS[SHANGHAI], PROCESSING, TRANSIT
    )

    assert all(
        value.tzinfo is pendulum.UTC
        for value in (
            promise.placed_at,
            promise.ship_by_earliest,
            promise.ship_by,
            promise.deliver_by_earliest,
            promise.deliver_by,
        )
    )


day_ranges = st.lists(st.integers(0, 60), min_size=2, max_size=2).map(
    lambda d: DayRange(*sorted(d))
)


@given(zones, hours, day_ranges, day_ranges)
def test_a_promise_s_windows_are_always_in_order(
    zone: str, hour: int, processing: DayRange, transit: DayRange
) -> None:
    placed = hour_of_2026(hour)

    promise = promise_dates(placed, CALENDARS[zone], processing, transit)

    assert placed <= promise.ship_by_earliest <= promise.ship_by <= promise.deliver_by
    assert promise.ship_by_earliest <= promise.deliver_by_earliest <= promise.deliver_by


def test_a_promise_with_windows_out_of_order_cannot_be_built() -> None:
    placed = local(SHANGHAI, 2026, 3, 6, 17)

    with pytest.raises(ValidationError) as error:
        Promise(
            placed_at=placed,
            ship_by_earliest=placed.add(days=3),
            ship_by=placed.add(days=1),
            deliver_by_earliest=placed.add(days=10),
            deliver_by=dt.datetime(2026, 3, 20),
        )

    assert error.value.paths == ("deliver_by", "ship_by")  # not aware; before ship_by_earliest


def test_promise_dates_refuses_bad_arguments_all_at_once() -> None:
    with pytest.raises(ValidationError) as error:
        promise_dates(dt.datetime(2026, 3, 6), SUPPLIERS[SHANGHAI], (3, 1), "fast")  # type: ignore[arg-type]

    assert error.value.paths == ("placed_at", "calendar", "processing.max_days", "transit")


def test_promise_ranges_may_be_given_as_pairs() -> None:
    calendar = BusinessCalendar.of(make_supplier_for("Asia/Shanghai"))
    placed = pendulum.datetime(2026, 3, 2, 9, tz="Asia/Shanghai")
    assert promise_dates(placed, calendar, (1, 3), (10, 15)) == promise_dates(
        placed, calendar, DayRange(1, 3), DayRange(10, 15)
    )


def test_transit_days_keep_the_local_date_across_a_dst_change() -> None:
    # Shipped Thursday 29 Oct 2026 at 17:00 in New York; clocks go back on Sunday 1 Nov.
    # Three 24-hour days would land at 16:00 local; three calendar days land at 17:00.
    calendar = BusinessCalendar.of(make_supplier_for("America/New_York"))
    placed = pendulum.datetime(2026, 10, 29, 17, tz="America/New_York")
    promise = promise_dates(placed, calendar, (0, 0), (3, 3))
    local = promise.deliver_by.in_tz("America/New_York")
    assert (local.month, local.day, local.hour) == (11, 1, 17)


def test_a_repeated_hours_second_pass_carried_into_a_spring_gap_moves_forward() -> None:
    paris = BusinessCalendar.of(make_supplier_for("Europe/Paris", every_day=True))
    second_pass = dt.datetime(2026, 10, 25, 2, 30, fold=1, tzinfo=ZoneInfo("Europe/Paris"))
    result = paris.add_business_days(second_pass, 154).in_tz("Europe/Paris")
    assert (result.month, result.day, result.hour, result.minute) == (3, 28, 3, 30)


def make_supplier_for(zone: str, *, every_day: bool = False) -> Supplier:
    return Supplier(
        id="sup-t",
        name="Test Supplier",
        timezone=zone,
        country="CN",
        work_days=list(range(7)) if every_day else list(range(5)),
        cutoff="23:59",
    )


def test_a_promise_made_in_a_repeated_hour_keeps_its_windows_in_order() -> None:
    supplier = Supplier(
        id="sup-il", name="Tel Aviv Prints", timezone="Asia/Jerusalem", country="IL",
        work_days=["sun", "mon", "tue", "wed", "thu"],
    )  # fmt: skip
    second_pass = dt.datetime(2026, 10, 25, 1, 30, fold=1, tzinfo=ZoneInfo("Asia/Jerusalem"))
    promise = promise_dates(second_pass, BusinessCalendar.of(supplier), (0, 2), (0, 5))
    assert promise.ship_by_earliest <= promise.deliver_by_earliest
