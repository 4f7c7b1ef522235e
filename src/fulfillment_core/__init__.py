"""fulfillment-core: the rules of dropshipping order fulfillment, with no I/O.

Values (:class:`Order`, :class:`Money`, :class:`Supplier`, :class:`StockStatus`,
:class:`ShipmentPolicy`, ...) are frozen and validated on construction; :func:`check_order` tells
whether a supplier has every datum it needs before it buys anything. Errors live in
:mod:`fulfillment_core.exceptions`.
"""

from .address import Address, Contact
from .catalog import CatalogEntry, SkuSource, SupplierCatalog
from .check import LABEL_LINE_LIMIT, OrderCheck, check_order
from .exceptions import CurrencyMismatchError, FulfillmentError, Problem, ValidationError
from .holds import Actor, DataWarning, Hold, HoldReason, WarningCode
from .money import Money
from .order import CustomsInfo, LineItem, Order, PaymentStatus, RiskLevel
from .policy import (
    Insert,
    ServiceConstraints,
    ServiceStrategy,
    ShipmentPolicy,
    SlaThresholds,
    SplitMode,
)
from .serialization import from_dict, to_dict
from .stock import AtFactory, Discontinued, InWarehouse, OutOfStock, StockKind, StockStatus
from .supplier import Closure, DayRange, Supplier, Weekday

__version__ = "0.1.0.dev0"

__all__ = [
    "LABEL_LINE_LIMIT",
    "Actor",
    "Address",
    "AtFactory",
    "CatalogEntry",
    "Closure",
    "Contact",
    "CurrencyMismatchError",
    "CustomsInfo",
    "DataWarning",
    "DayRange",
    "Discontinued",
    "FulfillmentError",
    "Hold",
    "HoldReason",
    "InWarehouse",
    "Insert",
    "LineItem",
    "Money",
    "Order",
    "OrderCheck",
    "OutOfStock",
    "PaymentStatus",
    "Problem",
    "RiskLevel",
    "ServiceConstraints",
    "ServiceStrategy",
    "ShipmentPolicy",
    "SkuSource",
    "SlaThresholds",
    "SplitMode",
    "StockKind",
    "StockStatus",
    "Supplier",
    "SupplierCatalog",
    "ValidationError",
    "WarningCode",
    "Weekday",
    "__version__",
    "check_order",
    "from_dict",
    "to_dict",
]
