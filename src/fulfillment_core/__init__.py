"""fulfillment-core: the rules of dropshipping order fulfillment, with no I/O.

Values (:class:`Order`, :class:`Money`, :class:`Supplier`, :class:`StockStatus`,
:class:`ShipmentPolicy`, ...) are frozen and validated on construction; :func:`check_order` tells
whether a supplier has every datum it needs before it buys anything. Errors live in
:mod:`fulfillment_core.exceptions`.
"""

from .address import Address, Contact
from .calendar import BusinessCalendar, Promise, promise_dates
from .catalog import CatalogEntry, SkuSource, SupplierCatalog
from .check import LABEL_LINE_LIMIT, OrderCheck, check_order
from .exceptions import (
    CurrencyMismatchError,
    FulfillmentError,
    IdempotencyConflictError,
    IllegalTransitionError,
    NoQualifyingServiceError,
    Problem,
    TransitionRefusedError,
    ValidationError,
)
from .fulfillment import (
    CancellationAccepted,
    CancellationRejected,
    CancellationRequested,
    EffectCompleted,
    EffectFailed,
    EffectsScheduled,
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
from .notifications import Notification, notifications_for, notifications_for_breaches
from .order import CustomsInfo, LineItem, Order, PaymentStatus, RiskLevel
from .outbox import Effect, EffectKind
from .packing import (
    PackingLimits,
    PackingPlan,
    PackItem,
    Parcel,
    plan_parcels,
    ready_to_ship,
)
from .policy import (
    Audience,
    Channel,
    Insert,
    NotificationKind,
    NotificationPreferences,
    ServiceConstraints,
    ServiceStrategy,
    ShipmentPolicy,
    SlaThresholds,
    SplitMode,
)
from .rollup import LineRollup, OrderRollup, OrderStatus, rollup
from .routing import RoutedWork, RoutingPlan, route_order
from .serialization import from_dict, to_dict
from .service import AsyncFulfillmentService, FulfillmentService
from .shipment import LineQuantity, Shipment
from .shipping import CarrierQuote, ServiceChoice, choose_service
from .sla import Breach, DelayCause, DelayKind, sla_breaches
from .sourcing import (
    Allocation,
    BackupOffer,
    SourcingAction,
    SourcingDecision,
    decide_sourcing,
)
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
    "Allocation",
    "AsyncFulfillmentService",
    "AtFactory",
    "Audience",
    "BackupOffer",
    "Breach",
    "BusinessCalendar",
    "CancellationAccepted",
    "CancellationRejected",
    "CancellationRequested",
    "CarrierQuote",
    "CatalogEntry",
    "Channel",
    "Closure",
    "Contact",
    "CurrencyMismatchError",
    "CustomsInfo",
    "DataWarning",
    "DayRange",
    "DelayCause",
    "DelayKind",
    "Discontinued",
    "Effect",
    "EffectCompleted",
    "EffectFailed",
    "EffectKind",
    "EffectsScheduled",
    "FulfillmentError",
    "FulfillmentEvent",
    "FulfillmentLine",
    "FulfillmentOrder",
    "FulfillmentOrderOpened",
    "FulfillmentService",
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
    "NoQualifyingServiceError",
    "Notification",
    "NotificationKind",
    "NotificationPreferences",
    "Order",
    "OrderCheck",
    "OrderRollup",
    "OrderStatus",
    "OutOfStock",
    "PackItem",
    "PackingLimits",
    "PackingPlan",
    "Parcel",
    "PaymentStatus",
    "Problem",
    "Promise",
    "RequestStatus",
    "RequestSubmitted",
    "RiskLevel",
    "RoutedWork",
    "RoutingPlan",
    "ServiceChoice",
    "ServiceConstraints",
    "ServiceStrategy",
    "Shipment",
    "ShipmentDispatched",
    "ShipmentPolicy",
    "SkuSource",
    "SlaThresholds",
    "SourcingAction",
    "SourcingDecision",
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
    "choose_service",
    "decide_sourcing",
    "from_dict",
    "notifications_for",
    "notifications_for_breaches",
    "plan_parcels",
    "promise_dates",
    "ready_to_ship",
    "reduce_tracking",
    "rollup",
    "route_order",
    "sla_breaches",
    "to_dict",
]
