"""The fulfillment service: inbound messages in, the pure core applied, effects out through ports.

:class:`FulfillmentService` (and its twin :class:`AsyncFulfillmentService`) is what an app calls
from its webhook handlers and workers: ``service.handle(message)`` for each
:mod:`~fulfillment_core.messages` message, and ``service.handle(Tick(key=...))`` every few
minutes. For each message it

1. loads the work (:class:`~fulfillment_core.FulfillmentOrder`) from the repository,
2. applies the events the message calls for, keyed by the message's idempotency key, so a
   message seen before is a no-op that returns its first outcome (a message that changed
   nothing is recorded too, with a ``MessageNoted`` event),
3. records the effects the change calls for in the work's **outbox** (ask the supplier, buy a
   label, push tracking, notify someone: :mod:`fulfillment_core.outbox`),
4. saves it with the version it loaded (a stale save is reloaded and decided again), and only then
5. carries out the pending effects through the ports, each one's result applied and the effect
   marked done in the same save. Results lead to more effects (an accepted request to sourcing,
   arrived goods to a label), which run in turn. Effects that ask the supplier or the carrier to
   act wait while the work is held or while a cancellation awaits the supplier's answer.

A crash or an adapter failure anywhere after step 4 loses nothing: the effect stays pending and the
next tick retries it. Port calls are at-least-once, made harmless by the ports' own keys (the
fulfillment order id, the shipment id, a purchase ``reference``, the ``key`` of a notification or
of a cancellation report or request). An adapter error that is not retryable (or a retryable one
past ``max_attempts``) closes the effect as failed, **holds** the work with the reason and tells
the merchant (for work past holding, only tells): nothing is dropped silently, and
:class:`~fulfillment_core.messages.RetryFailedEffects` tries again once it is fixed.

Both services share one implementation: every message is a *flow*, a generator that yields the
port calls it needs (:class:`PortCall`) and receives their results. The sync service makes the
calls; the async one awaits them. :meth:`FulfillmentService.flow` hands the generator out, for a
driver of your own (a durable-workflow engine) or a test that interleaves two workers step by
step.
"""

from __future__ import annotations

import inspect
from collections.abc import Iterable, Mapping
from typing import Any, TypeVar

from fulfillment_core._validation import Checker, describe
from fulfillment_core.calendar import BusinessCalendar
from fulfillment_core.catalog import SupplierCatalog
from fulfillment_core.messages import Message, Outcome
from fulfillment_core.packing import PackingLimits
from fulfillment_core.policy import ShipmentPolicy
from fulfillment_core.ports import (
    ActiveVersions,
    AsyncActiveVersions,
    AsyncCarrier,
    AsyncClock,
    AsyncFulfillmentRepository,
    AsyncNotifier,
    AsyncStorefront,
    AsyncSupplierGateway,
    Carrier,
    Clock,
    FulfillmentRepository,
    Notifier,
    Storefront,
    SupplierGateway,
)
from fulfillment_core.supplier import Supplier

from ._calls import Flow, PortCall
from ._flows import Flows
from ._session import Setup

__all__ = ["AsyncFulfillmentService", "FulfillmentService", "PortCall"]

T = TypeVar("T")

_NO_LIMITS = PackingLimits()


def _wrong_kind(port: object, protocol: type, *, awaited: bool) -> list[str]:
    """The port's methods (those of ``protocol``) that are not ``async def`` when ``awaited``,
    or are when not: a sync adapter handed to the async service fails only when first awaited."""
    wrong = []
    for name, member in vars(protocol).items():
        if name.startswith("_") or not callable(member):
            continue
        method = getattr(port, name, None)
        if callable(method) and inspect.iscoroutinefunction(method) is not awaited:
            wrong.append(name)
    return wrong


class _Wired(Flows):
    """Checks and wires the ports and the shop's setup; the subclasses say which ports."""

    _subject = "FulfillmentService"
    _awaited = False
    _port_types: Mapping[str, type] = {}
    _gateway_type: type = object
    _versions_type: type = object

    def __init__(
        self,
        *,
        repository: Any,
        storefront: Any,
        gateways: Any,
        carrier: Any,
        notifier: Any,
        clock: Any,
        policy: ShipmentPolicy,
        catalog: SupplierCatalog,
        suppliers: Iterable[Supplier] | Supplier,
        buys_labels: bool = True,
        packing_limits: PackingLimits = _NO_LIMITS,
        max_conflict_retries: int = 3,
        max_attempts: int = 10,
    ) -> None:
        given = (suppliers,) if isinstance(suppliers, Supplier) else tuple(suppliers)
        ports = {
            "repository": repository,
            "storefront": storefront,
            "carrier": carrier,
            "notifier": notifier,
            "clock": clock,
        }
        by_supplier: dict[str, object] = (
            dict(gateways)
            if isinstance(gateways, Mapping)
            else {s.id: gateways for s in given if isinstance(s, Supplier)}
        )
        check = Checker()
        for name, port in self._port_types.items():
            if not isinstance(ports[name], port):
                check.fail(name, f"must implement {port.__name__}, got {describe(ports[name])}")
        for supplier_id, gateway in by_supplier.items():
            if not isinstance(gateway, self._gateway_type):
                check.fail(
                    f"gateways[{supplier_id!r}]",
                    f"must implement {self._gateway_type.__name__}, got {describe(gateway)}",
                )
        knows_versions = callable(getattr(repository, "active_versions", None))
        named = [
            *((name, port, self._port_types.get(name)) for name, port in ports.items()),
            *((f"gateways[{i!r}]", g, self._gateway_type) for i, g in by_supplier.items()),
            *([("repository", repository, self._versions_type)] if knows_versions else []),
        ]
        for name, port, protocol in named:
            if protocol is None:
                continue
            wrong = _wrong_kind(port, protocol, awaited=self._awaited)
            if wrong:
                flavour = "async def" if self._awaited else "def (not async)"
                check.fail(name, f"has {', '.join(wrong)} not as {flavour}")
        check.instance("policy", policy, ShipmentPolicy)
        check.instance("catalog", catalog, SupplierCatalog)
        by_id: dict[str, Supplier] = {}
        if check.sequence("suppliers", given, Supplier, non_empty=True):
            for supplier in given:
                if supplier.id in by_id:
                    check.fail("suppliers", f"supplier {supplier.id!r} is given twice")
                by_id[supplier.id] = supplier
            for supplier_id in by_id.keys() - by_supplier.keys():
                check.fail(
                    "gateways",
                    f"has no gateway for supplier {supplier_id!r}",
                    "map every supplier id to its SupplierGateway",
                )
            for supplier_id in by_supplier.keys() - by_id.keys():
                check.fail("gateways", f"names supplier {supplier_id!r}, not among the suppliers")
        check.boolean("buys_labels", buys_labels)
        check.instance("packing_limits", packing_limits, PackingLimits)
        check.integer("max_conflict_retries", max_conflict_retries, minimum=0, maximum=100)
        check.integer("max_attempts", max_attempts, minimum=1, maximum=1000)
        check.done(self._subject)
        setup = Setup(
            policy,
            catalog,
            by_id,
            {supplier_id: BusinessCalendar.of(s) for supplier_id, s in by_id.items()},
            buys_labels,
            packing_limits,
            max_conflict_retries,
            max_attempts,
            knows_versions,
        )
        super().__init__(setup, ports, by_supplier)

    @property
    def policy(self) -> ShipmentPolicy:
        """The merchant's policy the service decides by."""
        return self._setup.policy


class FulfillmentService(_Wired):
    """The synchronous service. Build it once with the ports and the shop's setup; call
    :meth:`handle` for every inbound message (a :class:`~fulfillment_core.messages.Tick` on a
    schedule).

    ``gateways`` is one :class:`~fulfillment_core.ports.SupplierGateway` for every supplier, or a
    mapping from supplier id to its gateway. ``buys_labels=False`` leaves labels to the supplier
    (the service then waits for :class:`~fulfillment_core.messages.LabelBought`).
    ``max_conflict_retries`` bounds how often a stale save is reloaded and decided again before
    :class:`~fulfillment_core.exceptions.ConcurrencyError` reaches the caller (who redelivers the
    message: its key keeps that safe). ``max_attempts`` is how often a retryable failure of one
    effect is tried before it counts as permanent.
    """

    _subject = "FulfillmentService"
    _port_types: Mapping[str, type] = {
        "repository": FulfillmentRepository,
        "storefront": Storefront,
        "carrier": Carrier,
        "notifier": Notifier,
        "clock": Clock,
    }
    _gateway_type = SupplierGateway
    _versions_type = ActiveVersions

    def handle(self, message: Message) -> Outcome:
        """Apply ``message`` and carry out what it calls for; see the module's steps."""
        return self.run(self.flow(message))

    def run(self, flow: Flow[T]) -> T:
        """Drive a flow to its end, making each port call it yields."""
        try:
            call = flow.send(None)
            while True:
                try:
                    result = self.perform(call)
                except Exception as error:
                    call = flow.throw(error)
                else:
                    call = flow.send(result)
        except StopIteration as stop:
            return stop.value  # type: ignore[no-any-return]

    def perform(self, call: PortCall) -> Any:
        """Make one port call of a flow on this service's ports, and return its result."""
        return getattr(self._target(call), call.method)(*call.args, **dict(call.kwargs))


class AsyncFulfillmentService(_Wired):
    """The asynchronous twin of :class:`FulfillmentService`: the same flows, every port call
    awaited. It takes the ``Async...`` ports; ``await service.handle(message)``."""

    _subject = "AsyncFulfillmentService"
    _awaited = True
    _port_types: Mapping[str, type] = {
        "repository": AsyncFulfillmentRepository,
        "storefront": AsyncStorefront,
        "carrier": AsyncCarrier,
        "notifier": AsyncNotifier,
        "clock": AsyncClock,
    }
    _gateway_type = AsyncSupplierGateway
    _versions_type = AsyncActiveVersions

    async def handle(self, message: Message) -> Outcome:
        """Apply ``message`` and carry out what it calls for, awaiting every port call."""
        return await self.run(self.flow(message))

    async def run(self, flow: Flow[T]) -> T:
        """Drive a flow to its end, awaiting each port call it yields."""
        try:
            call = flow.send(None)
            while True:
                try:
                    result = await self.perform(call)
                except Exception as error:
                    call = flow.throw(error)
                else:
                    call = flow.send(result)
        except StopIteration as stop:
            return stop.value  # type: ignore[no-any-return]

    async def perform(self, call: PortCall) -> Any:
        """Make one port call of a flow on this service's ports, await it, return its result."""
        return await getattr(self._target(call), call.method)(*call.args, **dict(call.kwargs))
