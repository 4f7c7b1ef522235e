"""fulfillment-core: the rules of dropshipping order fulfillment, with no I/O.

Values (:class:`Order`, :class:`Money`, :class:`Supplier`, :class:`StockStatus`,
:class:`ShipmentPolicy`, ...) are frozen and validated on construction; :func:`check_order` tells
whether a supplier has every datum it needs before it buys anything. Errors live in
:mod:`fulfillment_core.exceptions`.
"""

from .address import Address, Contact
from .catalog import CatalogEntry, SkuSource, SupplierCatalog
from .check import LABEL_LINE_LIMIT, OrderCheck, check_order
from .exceptions import (
    CurrencyMismatchError,
    FulfillmentError,
    IdempotencyConflictError,
    IllegalTransitionError,
    Problem,
    TransitionRefusedError,
    ValidationError,
)
from .fulfillment import (
    CancellationAccepted,
    CancellationRejected,
    CancellationRequested,
    FulfillmentEvent,
    FulfillmentLine,
    FulfillmentOrder,
    FulfillmentOrderOpened,
    GoodsBackordered,
    GoodsPacked,
    GoodsRestocked,
    GoodsSourced,
    HoldPlaced,
    HoldReleased,
    RequestSubmitted,
    ShipmentDispatched,
    TrackingUpdated,
    WorkAccepted,
    WorkCancelled,
    WorkRejected,
)
from .holds import Actor, DataWarning, Hold, HoldReason, WarningCode
from .lifecycle import LedgerTotals, RequestStatus, WorkStatus
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
from .rollup import LineRollup, OrderRollup, OrderStatus, rollup
from .serialization import from_dict, to_dict
from .shipment import LineQuantity, Shipment
from .stock import AtFactory, Discontinued, InWarehouse, OutOfStock, StockKind, StockStatus
from .supplier import Closure, DayRange, Supplier, Weekday
from .tracking import (
    TrackingAnomaly,
    TrackingEvent,
    TrackingState,
    TrackingStatus,
    reduce_tracking,
)

__version__ = "0.1.0.dev0"

__all__ = [
    "LABEL_LINE_LIMIT",
    "Actor",
    "Address",
    "AtFactory",
    "CancellationAccepted",
    "CancellationRejected",
    "CancellationRequested",
    "CatalogEntry",
    "Closure",
    "Contact",
    "CurrencyMismatchError",
    "CustomsInfo",
    "DataWarning",
    "DayRange",
    "Discontinued",
    "FulfillmentError",
    "FulfillmentEvent",
    "FulfillmentLine",
    "FulfillmentOrder",
    "FulfillmentOrderOpened",
    "GoodsBackordered",
    "GoodsPacked",
    "GoodsRestocked",
    "GoodsSourced",
    "Hold",
    "HoldPlaced",
    "HoldReason",
    "HoldReleased",
    "IdempotencyConflictError",
    "IllegalTransitionError",
    "InWarehouse",
    "Insert",
    "LedgerTotals",
    "LineItem",
    "LineQuantity",
    "LineRollup",
    "Money",
    "Order",
    "OrderCheck",
    "OrderRollup",
    "OrderStatus",
    "OutOfStock",
    "PaymentStatus",
    "Problem",
    "RequestStatus",
    "RequestSubmitted",
    "RiskLevel",
    "ServiceConstraints",
    "ServiceStrategy",
    "Shipment",
    "ShipmentDispatched",
    "ShipmentPolicy",
    "SkuSource",
    "SlaThresholds",
    "SplitMode",
    "StockKind",
    "StockStatus",
    "Supplier",
    "SupplierCatalog",
    "TrackingAnomaly",
    "TrackingEvent",
    "TrackingState",
    "TrackingStatus",
    "TrackingUpdated",
    "TransitionRefusedError",
    "ValidationError",
    "WarningCode",
    "Weekday",
    "WorkAccepted",
    "WorkCancelled",
    "WorkRejected",
    "WorkStatus",
    "__version__",
    "check_order",
    "from_dict",
    "reduce_tracking",
    "rollup",
    "to_dict",
]
