"""The documented dict form of every value: JSON-safe, exact, and checked on the way in.

:func:`to_dict` turns a value into plain ``dict`` / ``list`` / ``str`` / ``int`` / ``bool`` /
``None`` data that :mod:`json` can write; :func:`from_dict` turns such data back into the value,
and ``from_dict(type(v), to_dict(v)) == v`` for every value ``v``. The conventions:

* field names are the attribute names; optional fields may be left out;
* money is ``{"amount": "19.99", "currency": "USD"}`` (the amount is a string: exact);
* instants are ISO-8601 strings in UTC (``"2026-03-02T01:30:00+00:00"``); input may use any
  offset; dates are ``"2026-02-17"``, times of day ``"16:00:00"``;
* enumerations are their lower-case values (``"paid"``, ``"monday"``);
* sets are sorted lists;
* a stock status carries its ``kind`` (``"in_warehouse"``, ``"at_factory"``, ``"out_of_stock"``,
  ``"discontinued"``), a fulfillment event its ``type`` (``"GoodsSourced"``...);
* an aggregate (a :class:`~fulfillment_core.FulfillmentOrder`) carries its ``schema_version``,
  and data of another schema version is refused rather than misread.

:func:`from_dict` reports every problem in the data at once, with its path in the data, in one
:class:`~fulfillment_core.exceptions.ValidationError`; unknown keys are reported too (they are
usually typos).

>>> from fulfillment_core import Money, from_dict, to_dict
>>> to_dict(Money("19.99", "USD"))
{'amount': '19.99', 'currency': 'USD'}
>>> from_dict(Money, {"amount": "19.99", "currency": "USD"})
Money('19.99', 'USD')
"""

from __future__ import annotations

import datetime as dt
import enum
import functools
import types
import typing
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any, TypeVar

import attrs
import pendulum

from ._validation import describe, to_datetime, to_enum, top_field
from .exceptions import Problem, ValidationError
from .fulfillment import EVENT_TYPES, FulfillmentEvent
from .stock import STOCK_CLASSES, StockStatus

__all__ = ["from_dict", "to_dict"]

T = TypeVar("T")

#: Stands in for a field whose own data failed, so the owner can still report its other fields.
_FAILED = object()


def to_dict(value: Any) -> dict[str, Any]:
    """``value`` (any of the library's value classes) as JSON-safe data."""
    if not attrs.has(type(value)):
        raise TypeError(f"to_dict takes a fulfillment_core value, got {type(value).__name__}")
    result = _unstructure(value)
    assert isinstance(result, dict)
    return result


def from_dict(cls: type[T], data: object) -> T:
    """Build a ``cls`` from its dict form; a ``ValidationError`` lists every problem in ``data``."""
    if not attrs.has(cls):
        raise TypeError(f"from_dict builds fulfillment_core values, not {cls.__name__}")
    return typing.cast(T, _structure(cls, data))


# --------------------------------------------------------------------------- out


def _unstructure(value: Any) -> Any:
    if value is None or (isinstance(value, (bool, int, str)) and not isinstance(value, enum.Enum)):
        return value
    if isinstance(value, enum.Enum):
        return value.name.lower() if isinstance(value, enum.IntEnum) else value.value
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, (dt.datetime, dt.date, dt.time)):
        return value.isoformat()
    if isinstance(value, (tuple, list)):
        return [_unstructure(item) for item in value]
    if isinstance(value, frozenset):
        if value and all(isinstance(item, enum.Enum) for item in value):
            members = typing.cast("Iterable[enum.Enum]", type(next(iter(value))))
            order = {member: index for index, member in enumerate(members)}
            return [_unstructure(item) for item in sorted(value, key=order.__getitem__)]
        return sorted((_unstructure(item) for item in value), key=repr)
    if attrs.has(type(value)):
        out: dict[str, Any] = {}
        schema_version = getattr(type(value), "SCHEMA_VERSION", None)
        if schema_version is not None:
            out["schema_version"] = schema_version
        for base, (tag, tag_of, _) in _FAMILIES.items():
            if isinstance(value, base):
                out[tag] = tag_of(value)
        for field in attrs.fields(type(value)):
            if field.init:
                out[field.name] = _unstructure(getattr(value, field.name))
        return out
    raise TypeError(f"cannot serialize {type(value).__name__}")  # pragma: no cover


# --------------------------------------------------------------------------- in


@functools.cache
def _hints(cls: type) -> dict[str, Any]:
    return typing.get_type_hints(cls)


def _structure(cls: type, data: object) -> object:
    name = cls.__name__
    if not isinstance(data, Mapping) or not all(isinstance(key, str) for key in data):
        raise ValidationError(
            name, [Problem("", f"must be an object with named fields, got {describe(data)}")]
        )
    for base, (tag, _, classes) in _FAMILIES.items():
        if issubclass(cls, base):
            cls = _member_class(cls, tag, classes, data)
            data = {key: value for key, value in data.items() if key != tag}
    schema_version = getattr(cls, "SCHEMA_VERSION", None)
    if schema_version is not None:
        found = data.get("schema_version")
        if found != schema_version:
            raise ValidationError(
                name,
                [
                    Problem(
                        "schema_version",
                        f"is {describe(found)}; this version of the library reads {schema_version}",
                        "migrate the stored data first",
                    )
                ],
            )
        data = {key: value for key, value in data.items() if key != "schema_version"}
    fields = {field.name: field for field in attrs.fields(cls) if field.init}
    problems: list[Problem] = []
    failed: set[str] = set()
    kwargs: dict[str, object] = {}
    for key in data:
        if key not in fields:
            problems.append(
                Problem(key, f"is not a field of {name}", f"known fields: {', '.join(fields)}")
            )
    hints = _hints(cls)
    for field_name, field in fields.items():
        if field_name not in data:
            if field.default is attrs.NOTHING:
                problems.append(Problem(field_name, "is required"))
                failed.add(field_name)
                kwargs[field_name] = _FAILED
            continue
        try:
            kwargs[field_name] = _structure_value(hints[field_name], data[field_name])
        except ValidationError as error:
            problems.extend(problem.under(field_name) for problem in error.problems)
            failed.add(field_name)
            kwargs[field_name] = _FAILED
    try:
        built = cls(**kwargs)
    except ValidationError as error:
        # Problems of fields that already failed were reported from inside those fields.
        problems.extend(p for p in error.problems if top_field(p.path) not in failed)
        raise ValidationError(name, _in_field_order(problems, fields)) from None
    if problems:
        raise ValidationError(name, _in_field_order(problems, fields))
    return built


def _in_field_order(problems: list[Problem], fields: Mapping[str, object]) -> list[Problem]:
    """Problems sorted as the fields are declared (unknown keys first), stable within a field."""
    rank = {name: index for index, name in enumerate(fields)}
    return sorted(problems, key=lambda problem: rank.get(top_field(problem.path), -1))


#: Polymorphic families: base class -> (tag key, tag of an instance, class of each tag).
_FAMILIES: dict[type, tuple[str, Any, Mapping[str, type]]] = {
    StockStatus: (
        "kind",
        lambda value: value.kind.value,
        {kind.value: cls for kind, cls in STOCK_CLASSES.items()},
    ),
    FulfillmentEvent: ("type", lambda value: type(value).__name__, EVENT_TYPES),
}


def _member_class(
    cls: type, tag: str, classes: Mapping[str, type], data: Mapping[str, object]
) -> type:
    raw = data.get(tag)
    chosen = classes.get(raw.strip()) if isinstance(raw, str) else None
    if chosen is None and isinstance(raw, str):
        chosen = classes.get(raw.strip().lower())
    if chosen is None:
        raise ValidationError(
            cls.__name__,
            [Problem(tag, f"must be one of {', '.join(classes)}; got {describe(raw)}")],
        )
    if not issubclass(chosen, cls):
        raise ValidationError(
            cls.__name__,
            [Problem(tag, f"is {raw}, but a {cls.__name__} was expected")],
        )
    return chosen


def _structure_value(hint: Any, raw: object) -> object:
    origin = typing.get_origin(hint)
    if origin in (typing.Union, types.UnionType):
        if raw is None:
            return None
        options = [arg for arg in typing.get_args(hint) if arg is not type(None)]
        hint = options[0] if len(options) == 1 else Any
        origin = typing.get_origin(hint)
    if isinstance(hint, type) and attrs.has(hint):
        return _structure(hint, raw)
    if origin is tuple:
        args = typing.get_args(hint)
        item = args[0] if len(args) == 2 and args[1] is Ellipsis else None
        if isinstance(item, type) and attrs.has(item):
            if not isinstance(raw, (list, tuple)):
                raise ValidationError(
                    "list", [Problem("", f"must be a list of objects, got {describe(raw)}")]
                )
            items: list[object] = []
            problems: list[Problem] = []
            for index, element in enumerate(raw):
                try:
                    items.append(_structure(item, element))
                except ValidationError as error:
                    problems.extend(p.under(f"[{index}]") for p in error.problems)
            if problems:
                raise ValidationError("list", problems)
            return tuple(items)
        if item is not None and typing.get_origin(item) is tuple and isinstance(raw, list):
            # Pairs such as (name, value) arrive from JSON as lists.
            return tuple(tuple(e) if isinstance(e, list) else e for e in raw)
    # Instants and enumerations read back from their text; a value that does not read stays
    # as it was, for the owner's check to report (or, for a class without checks, to keep).
    if hint is pendulum.DateTime:
        return to_datetime(raw)
    if isinstance(hint, type) and issubclass(hint, enum.Enum):
        return to_enum(hint, raw)
    # Other leaves (text, numbers, dates, sets) are converted and checked by the owner.
    return raw
