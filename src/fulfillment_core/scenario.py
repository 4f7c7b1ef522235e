"""What-if scenarios for the simulator: a dropshipping shop over a number of days.

A :class:`Scenario` is a frozen value with defaults modelled on the seed (a Shenzhen supplier
processing in 1 to 3 business days, tracked economy shipping in 10 to 15 days, most products on
the shelf). :func:`load_scenario` reads one from TOML text (``tomllib``), every key optional;
:func:`scenario_from_mapping` from a parsed mapping. Unknown keys and bad values are reported
together, each with its dotted key and what is wrong, in one
:class:`~fulfillment_core.exceptions.ValidationError`.

Every key is explained in ``docs/simulate.md``.

>>> scenario = load_scenario('orders = 200\\n[policy]\\nmax_restock_wait_days = 10\\n')
>>> scenario.orders, scenario.max_restock_wait_days, scenario.seed
(200, 10, 1)
"""

from __future__ import annotations

import datetime as dt
import tomllib
import zoneinfo
from collections.abc import Callable, Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

import attrs

from ._validation import Checker, describe
from .exceptions import Problem, ValidationError
from .money import Money
from .policy import ServiceStrategy, SplitMode
from .supplier import Closure, DayRange

__all__ = ["CarrierService", "Scenario", "load_scenario", "scenario_from_mapping"]


@attrs.frozen
class CarrierService:
    """One carrier service the shop can buy: a fixed price, a transit range in days."""

    carrier: str
    service: str
    price: Money
    transit: DayRange
    tracked: bool = True

    def __attrs_post_init__(self) -> None:
        check = Checker()
        check.text("carrier", self.carrier, max_length=255)
        check.text("service", self.service, max_length=255)
        check.instance("price", self.price, Money)
        check.instance("transit", self.transit, DayRange)
        check.boolean("tracked", self.tracked)
        check.done("CarrierService")


_DEFAULT_CARRIERS = (
    CarrierService("YunExpress", "Global Direct", Money("6.40", "USD"), DayRange(10, 15)),
    CarrierService("DHL", "Express Worldwide", Money("24.00", "USD"), DayRange(3, 6)),
    CarrierService("China Post", "Small Packet", Money("2.10", "USD"), DayRange(15, 30), False),
)


@attrs.frozen
class Scenario:
    """A shop, its supplier, its carriers, its customers and its policy, for ``days`` days.

    Ranges are ``DayRange`` values (inclusive, whole units: days or hours as named); shares
    are fractions from 0 to 1. See ``docs/simulate.md`` for every field.
    """

    # the run
    seed: int = 1
    orders: int = 1000
    days: int = 30
    start: dt.date = dt.date(2026, 11, 2)
    tick_hours: int = 24
    # the orders
    lines: DayRange = DayRange(1, 3)
    quantity: DayRange = DayRange(1, 2)
    missing_data_share: float = 0.05
    fix_hours: DayRange = DayRange(2, 72)
    cancel_share: float = 0.01
    cancel_hours: DayRange = DayRange(1, 48)
    # the stock
    products: int = 200
    warehouse_share: float = 0.70
    factory_share: float = 0.15
    out_of_stock_share: float = 0.12
    discontinued_share: float = 0.03
    factory_days: DayRange = DayRange(1, 3)
    restock_days: DayRange = DayRange(3, 20)
    backup_share: float = 0.30
    # the supplier
    timezone: str = "Asia/Shanghai"
    processing_days: DayRange = DayRange(1, 3)
    holidays: tuple[Closure, ...] = (Closure("2027-02-05", "2027-02-13", "Chinese New Year"),)
    # the promise to customers and the carriers
    transit_days: DayRange = DayRange(10, 15)
    carriers: tuple[CarrierService, ...] = _DEFAULT_CARRIERS
    # what goes wrong in transit
    customs_hold_share: float = 0.05
    customs_days: DayRange = DayRange(2, 5)
    delay_share: float = 0.08
    delay_days: DayRange = DayRange(1, 4)
    failed_delivery_share: float = 0.02
    # the merchant's policy
    service_strategy: ServiceStrategy = ServiceStrategy.CHEAPEST
    max_restock_wait_days: int = 5
    use_backup_suppliers: bool = True
    split: SplitMode = SplitMode.SHIP_AVAILABLE
    processing_sla_days: int = 3
    shipping_sla_days: int = 20

    def __attrs_post_init__(self) -> None:
        """Built from Python, a scenario is checked as the TOML reader checks it."""
        check = Checker()
        for name, low, high in _WHOLE_NUMBERS:
            check.integer(name, getattr(self, name), minimum=low, maximum=high)
        if isinstance(self.start, dt.datetime) or not isinstance(self.start, dt.date):
            check.fail("start", f"must be a date, got {describe(self.start)}")
        for name in _RANGES:
            check.instance(name, getattr(self, name), DayRange)
        for name in _SHARES:
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                check.fail(name, f"must be a number from 0 to 1, got {describe(value)}")
            elif not 0 <= value <= 1:
                check.fail(name, f"must be from 0 to 1 (a share), got {value}")
        stock = [getattr(self, name) for name in _STOCK_SHARES]
        if all(isinstance(v, (int, float)) for v in stock) and abs(sum(stock) - 1) > 1e-9:
            check.fail(
                "warehouse_share",
                f"warehouse + factory + out_of_stock + discontinued is {sum(stock):g}, not 1",
                "the four shares split the products between them",
            )
        check.text("timezone", self.timezone, max_length=64)
        check.sequence("holidays", self.holidays, Closure)
        if check.sequence("carriers", self.carriers, CarrierService, non_empty=True):
            currencies = sorted({c.price.currency for c in self.carriers})
            if len(currencies) > 1:
                check.fail(
                    "carriers",
                    f"are priced in {', '.join(currencies)}",
                    "price every service in one currency, so the policy can compare them",
                )
        check.member("service_strategy", self.service_strategy, ServiceStrategy)
        check.member("split", self.split, SplitMode)
        check.boolean("use_backup_suppliers", self.use_backup_suppliers)
        check.done("Scenario")


_WHOLE_NUMBERS = (
    ("seed", 0, 2**63 - 1),
    ("orders", 1, 10_000_000),
    ("days", 1, 3650),
    ("tick_hours", 1, 24 * 7),
    ("products", 1, 1_000_000),
    ("max_restock_wait_days", 0, 365),
    ("processing_sla_days", 1, 365),
    ("shipping_sla_days", 1, 365),
)
_RANGES = (
    "lines",
    "quantity",
    "fix_hours",
    "cancel_hours",
    "factory_days",
    "restock_days",
    "processing_days",
    "transit_days",
    "customs_days",
    "delay_days",
)
_STOCK_SHARES = ("warehouse_share", "factory_share", "out_of_stock_share", "discontinued_share")
_SHARES = (
    "missing_data_share",
    "cancel_share",
    *_STOCK_SHARES,
    "backup_share",
    "customs_hold_share",
    "delay_share",
    "failed_delivery_share",
)


# --------------------------------------------------------------------------- reading TOML

_Reader = Callable[[str, object, list[Problem]], Any]


def _integer(minimum: int, maximum: int) -> _Reader:
    def read(path: str, value: object, problems: list[Problem]) -> Any:
        if isinstance(value, bool) or not isinstance(value, int):
            problems.append(Problem(path, f"must be a whole number, got {value!r}"))
        elif not minimum <= value <= maximum:
            problems.append(Problem(path, f"must be from {minimum} to {maximum}, got {value}"))
        else:
            return value
        return None

    return read


def _share(path: str, value: object, problems: list[Problem]) -> Any:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        problems.append(Problem(path, f"must be a number from 0 to 1, got {value!r}"))
    elif not 0 <= value <= 1:
        problems.append(Problem(path, f"must be from 0 to 1 (a share), got {value}"))
    else:
        return float(value)
    return None


def _boolean(path: str, value: object, problems: list[Problem]) -> Any:
    if not isinstance(value, bool):
        problems.append(Problem(path, f"must be true or false, got {value!r}"))
        return None
    return value


def _range(minimum: int, maximum: int) -> _Reader:
    def read(path: str, value: object, problems: list[Problem]) -> Any:
        if (
            not isinstance(value, list)
            or len(value) != 2
            or not all(isinstance(v, int) and not isinstance(v, bool) for v in value)
        ):
            problems.append(
                Problem(path, f"must be [fewest, most], two whole numbers, got {value!r}")
            )
            return None
        low, high = value
        if not minimum <= low <= high <= maximum:
            problems.append(
                Problem(path, f"must have {minimum} <= fewest <= most <= {maximum}, got {value}")
            )
            return None
        return DayRange(low, high)

    return read


def _date(path: str, value: object, problems: list[Problem]) -> Any:
    if isinstance(value, dt.datetime) or not isinstance(value, dt.date):
        problems.append(Problem(path, f"must be a date like 2026-11-02, got {value!r}"))
        return None
    return value


def _text(path: str, value: object, problems: list[Problem]) -> Any:
    if not isinstance(value, str) or not value.strip():
        problems.append(Problem(path, f"must be a non-empty string, got {value!r}"))
        return None
    return value.strip()


def _timezone(path: str, value: object, problems: list[Problem]) -> Any:
    name = _text(path, value, problems)
    if name is None:
        return None
    try:
        zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        problems.append(Problem(path, f"{name!r} is not an IANA timezone, like 'Asia/Shanghai'"))
        return None
    return name


def _member(enum_cls: Any) -> _Reader:
    def read(path: str, value: object, problems: list[Problem]) -> Any:
        try:
            return enum_cls(value)
        except ValueError:
            choices = ", ".join(repr(m.value) for m in enum_cls)
            problems.append(Problem(path, f"must be one of {choices}, got {value!r}"))
            return None

    return read


def _table(path: str, value: object, problems: list[Problem]) -> Mapping[str, Any] | None:
    if not isinstance(value, Mapping):
        problems.append(Problem(path, f"must be a table of keys, got {value!r}"))
        return None
    return value


def _holidays(path: str, value: object, problems: list[Problem]) -> Any:
    if not isinstance(value, list):
        problems.append(Problem(path, "must be a list of {start, end, name} tables"))
        return None
    closures = []
    for index, item in enumerate(value):
        where = f"{path}[{index}]"
        table = _table(where, item, problems)
        if table is None:
            continue
        fields = _read_keys(
            where,
            table,
            {"start": _date, "end": _date, "name": _text},
            problems,
            required=("start", "end"),
        )
        if "start" in fields and "end" in fields:
            if fields["end"] < fields["start"]:
                problems.append(Problem(f"{where}.end", "is before start"))
            else:
                closures.append(Closure(fields["start"], fields["end"], fields.get("name", "")))
    return tuple(closures)


def _price(path: str, value: object, problems: list[Problem]) -> Any:
    try:
        amount = Decimal(str(value)) if isinstance(value, (str, int)) else None
    except InvalidOperation:
        amount = None
    if amount is None or isinstance(value, bool) or not amount.is_finite() or amount < 0:
        problems.append(Problem(path, f'must be a price like "6.40", got {value!r}'))
        return None
    return amount


def _carriers(path: str, value: object, problems: list[Problem]) -> Any:
    if not isinstance(value, list) or not value:
        problems.append(Problem(path, "must be a non-empty list of [[carriers]] tables"))
        return None
    services = []
    for index, item in enumerate(value):
        where = f"{path}[{index}]"
        table = _table(where, item, problems)
        if table is None:
            continue
        fields = _read_keys(
            where,
            table,
            {
                "carrier": _text,
                "service": _text,
                "price": _price,
                "currency": _text,
                "transit": _range(0, 365),
                "tracked": _boolean,
            },
            problems,
            required=("carrier", "service", "price", "transit"),
        )
        if {"carrier", "service", "price", "transit"} <= set(fields):
            currency = fields.get("currency", "USD")
            try:
                price = Money(fields["price"], currency)
            except ValidationError as error:
                problems.extend(
                    Problem(f"{where}.{p.path.replace('amount', 'price')}", p.message)
                    for p in error.problems
                )
                continue
            services.append(
                CarrierService(
                    fields["carrier"],
                    fields["service"],
                    price,
                    fields["transit"],
                    fields.get("tracked", True),
                )
            )
    names = [(s.carrier, s.service) for s in services]
    for index, name in enumerate(names):
        if name in names[:index]:
            problems.append(Problem(f"{path}[{index}]", f"{name[0]} / {name[1]} is listed twice"))
    return tuple(services)


def _read_keys(
    path: str,
    table: Mapping[str, Any],
    readers: Mapping[str, _Reader],
    problems: list[Problem],
    *,
    required: tuple[str, ...] = (),
) -> dict[str, Any]:
    fields: dict[str, Any] = {}
    for key, value in table.items():
        where = f"{path}.{key}" if path else key
        reader = readers.get(key)
        if reader is None:
            known = ", ".join(sorted(readers))
            problems.append(Problem(where, f"is not a scenario key (known here: {known})"))
            continue
        read = reader(where, value, problems)
        if read is not None:
            fields[key] = read
    for key in required:
        if key not in table:
            problems.append(Problem(f"{path}.{key}" if path else key, "is required"))
    return fields


#: Each TOML section: its keys, how each is read, and the Scenario field it sets.
_SECTIONS: dict[str, dict[str, tuple[str, _Reader]]] = {
    "": {
        "seed": ("seed", _integer(0, 2**63 - 1)),
        "orders": ("orders", _integer(1, 10_000_000)),
        "days": ("days", _integer(1, 3650)),
        "start": ("start", _date),
    },
    "order_mix": {
        "lines": ("lines", _range(1, 50)),
        "quantity": ("quantity", _range(1, 1000)),
        "missing_data_share": ("missing_data_share", _share),
        "fix_hours": ("fix_hours", _range(0, 24 * 365)),
        "cancel_share": ("cancel_share", _share),
        "cancel_hours": ("cancel_hours", _range(0, 24 * 365)),
    },
    "stock": {
        "products": ("products", _integer(1, 1_000_000)),
        "warehouse": ("warehouse_share", _share),
        "factory": ("factory_share", _share),
        "out_of_stock": ("out_of_stock_share", _share),
        "discontinued": ("discontinued_share", _share),
        "factory_days": ("factory_days", _range(0, 365)),
        "restock_days": ("restock_days", _range(1, 365)),
        "backup_share": ("backup_share", _share),
    },
    "supplier": {
        "timezone": ("timezone", _timezone),
        "processing_days": ("processing_days", _range(0, 365)),
        "holidays": ("holidays", _holidays),
    },
    "promise": {"transit_days": ("transit_days", _range(0, 365))},
    "incidents": {
        "customs_hold_share": ("customs_hold_share", _share),
        "customs_days": ("customs_days", _range(0, 365)),
        "delay_share": ("delay_share", _share),
        "delay_days": ("delay_days", _range(0, 365)),
        "failed_delivery_share": ("failed_delivery_share", _share),
    },
    "policy": {
        "service_strategy": ("service_strategy", _member(ServiceStrategy)),
        "max_restock_wait_days": ("max_restock_wait_days", _integer(0, 365)),
        "use_backup_suppliers": ("use_backup_suppliers", _boolean),
        "split": ("split", _member(SplitMode)),
        "processing_sla_days": ("processing_sla_days", _integer(1, 365)),
        "shipping_sla_days": ("shipping_sla_days", _integer(1, 365)),
    },
    "simulation": {"tick_hours": ("tick_hours", _integer(1, 24 * 7))},
}


def scenario_from_mapping(data: Mapping[str, Any], *, base: Scenario | None = None) -> Scenario:
    """A scenario from parsed TOML (``base``'s values, the defaults unless given, for the keys
    left out). Raises ``ValidationError`` naming every bad or unknown key."""
    problems: list[Problem] = []
    fields: dict[str, Any] = {}
    for key, value in data.items():
        if key == "carriers":
            carriers = _carriers("carriers", value, problems)
            if carriers is not None:
                fields["carriers"] = carriers
            continue
        if key in _SECTIONS and key:
            table = _table(key, value, problems)
            if table is None:
                continue
            section = _SECTIONS[key]
            readers = {name: reader for name, (_, reader) in section.items()}
            for name, read in _read_keys(key, table, readers, problems).items():
                fields[section[name][0]] = read
            continue
        top = _SECTIONS[""]
        if key in top:
            field, reader = top[key]
            read = reader(key, value, problems)
            if read is not None:
                fields[field] = read
            continue
        known = ", ".join(sorted([*(k for k in _SECTIONS if k), *_SECTIONS[""], "carriers"]))
        problems.append(Problem(key, f"is not a scenario key or section (known: {known})"))
    try:
        scenario = attrs.evolve(base or Scenario(), **fields)
    except ValidationError as error:  # what only the keys together can break
        named = {problem.path for problem in problems}
        sections = {path.partition(".")[0] for path in named}
        # A total worked out with a default for a refused key would name a sum nobody wrote.
        problems += [
            _as_key(p)
            for p in error.problems
            if _as_key(p).path not in named and _as_key(p).path not in sections
        ]
    if problems:  # every problem at once: the bad keys, and what the good ones break together
        raise ValidationError("scenario", problems)
    return scenario


#: Scenario fields by the TOML key that sets them, for errors that name the key.
_KEY_OF = {
    field: (f"{section}.{key}" if section else key)
    for section, keys in _SECTIONS.items()
    for key, (field, _) in keys.items()
}


def _as_key(problem: Problem) -> Problem:
    head, _, rest = problem.path.partition(".")
    if head in _STOCK_SHARES and "not 1" in problem.message:
        return Problem("stock", problem.message, problem.hint)
    key = _KEY_OF.get(head, head)
    return Problem(f"{key}.{rest}" if rest else key, problem.message, problem.hint)


def load_scenario(text: str, *, base: Scenario | None = None) -> Scenario:
    """A scenario from TOML ``text``; a syntax error is a ``ValidationError`` too."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise ValidationError(
            "scenario", [Problem("", f"is not valid TOML: {error}", "see https://toml.io")]
        ) from None
    return scenario_from_mapping(data, base=base)
