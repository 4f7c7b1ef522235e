"""The installed package: typed, versioned, with a curated public API."""

from __future__ import annotations

import importlib.resources
import re

import fulfillment_core
from fulfillment_core import exceptions


def test_the_package_ships_its_py_typed_marker() -> None:
    assert importlib.resources.files("fulfillment_core").joinpath("py.typed").is_file()


def test_the_version_is_pep_440() -> None:
    assert re.fullmatch(r"\d+\.\d+\.\d+(\.dev\d+|a\d+|b\d+|rc\d+)?", fulfillment_core.__version__)


def test_every_public_name_is_importable_and_listed_once() -> None:
    names = fulfillment_core.__all__
    assert len(names) == len(set(names))
    for name in names:
        assert hasattr(fulfillment_core, name), name


def test_the_issue_s_headline_imports_work() -> None:
    from fulfillment_core import Money, Order, ShipmentPolicy, StockStatus, Supplier

    assert all((Order, Supplier, StockStatus, ShipmentPolicy, Money))


def test_every_error_descends_from_fulfillment_error() -> None:
    for name in exceptions.__all__:
        value = getattr(exceptions, name)
        if isinstance(value, type) and issubclass(value, BaseException):
            assert issubclass(value, exceptions.FulfillmentError), name
