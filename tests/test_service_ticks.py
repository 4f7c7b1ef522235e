"""A tick on a repository that tells the versions of its unsettled work (``ActiveVersions``)
passes over the work a tick before found nothing to do for, until it changes or its next SLA
breach or restock date comes. It must do exactly what a tick that loads every work does."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fulfillment_core import WorkStatus
from fulfillment_core.exceptions import ValidationError
from fulfillment_core.messages import OrderDataUpdated, OrderPlaced, Tick
from fulfillment_core.testing import (
    AsyncInMemoryRepository,
    InMemoryRepository,
    make_address,
    make_line,
    make_order,
)

from service_world import World

CASE = "SZ-PC-1501-B"


class _NoVersions(InMemoryRepository):
    """A repository without the optional ``active_versions``."""

    active_versions = None  # type: ignore[assignment]


def _world(*, versions: bool) -> World:
    world = World()
    if not versions:
        world.repository = _NoVersions()
        world.service = world.sync_service()
    return world


def _order(index: int, *, missing_zip: bool) -> Any:
    address = make_address(postal_code=None) if missing_zip else make_address()
    return make_order(
        id=f"59123388{index:05d}",
        reference=f"#{index}",
        line_items=[make_line(0, quantity=1 + index % 3)],
        shipping_address=address,
    )


_STOCK = st.sampled_from(["warehouse", "restock", "factory", "late_restock"])
_STEP = st.one_of(
    st.tuples(st.just("advance"), st.integers(1, 80)),
    st.tuples(st.just("restock"), st.just(0)),
    st.tuples(st.just("fix"), st.integers(0, 5)),
)


def _run(world: World, orders: list[tuple[str, bool]], steps: list[tuple[str, int]]) -> None:
    for index, (stock, missing_zip) in enumerate(orders):
        if stock == "warehouse":
            world.in_warehouse(CASE)
        elif stock == "factory":
            world.at_factory(CASE, ready_in_days=2)
        else:
            world.out_of_stock(CASE, restock_in_days=3 if stock == "restock" else 40)
        world.handle(OrderPlaced(key=f"o-{index}", order=_order(index, missing_zip=missing_zip)))
    for number, (action, amount) in enumerate(steps):
        if action == "advance":
            world.clock.advance(hours=amount)
        elif action == "restock":
            world.in_warehouse(CASE)
        elif amount < len(orders) and orders[amount][1]:
            order = _order(amount, missing_zip=False)
            world.handle(OrderDataUpdated(key=f"fix-{number}", order=order))
        world.handle(Tick(key=f"t-{number}"))


def _seen(world: World) -> dict[str, Any]:
    repository = world.repository
    return {
        "told": [
            (n.audience, n.kind, n.fulfillment_order_id, n.key, n.at) for n in world.notifier.sent
        ],
        "work": {
            fo_id: [(type(e).__name__, e.key, e.at) for e in repository.get(fo_id).history]
            for fo_id in repository.ids()
        },
        "pushed": sorted(world.storefront.fulfillments),
        "requests": len(world.supplier.requests),
    }


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(st.tuples(_STOCK, st.booleans()), min_size=1, max_size=5),
    st.lists(_STEP, min_size=1, max_size=25),
)
def test_a_tick_that_passes_over_quiet_work_does_what_a_tick_visiting_all_of_it_does(
    orders: list[tuple[str, bool]], steps: list[tuple[str, int]]
) -> None:
    skipping, visiting = _world(versions=True), _world(versions=False)
    _run(skipping, orders, steps)
    _run(visiting, orders, steps)
    assert _seen(skipping) == _seen(visiting)
    assert skipping.repository.calls.count("get") <= visiting.repository.calls.count("get")


def test_work_in_transit_is_loaded_again_only_when_its_shipping_breach_comes() -> None:
    world = World()
    world.in_warehouse(CASE)
    world.handle(OrderPlaced(key="o-1", order=_order(1, missing_zip=False)))
    (fo_id,) = world.repository.ids()
    assert world.work(fo_id).status is WorkStatus.SHIPPED
    sla = world.policy.sla.shipping_days
    loads = []
    for day in range(sla + 3):
        world.clock.advance(days=1)
        before = world.repository.calls.count("get")
        world.handle(Tick(key=f"t-{day}"))
        loads.append(world.repository.calls.count("get") - before)
    # Loaded on the first tick (to learn it is quiet), then not until the breach is due, when
    # it is told and changes; then loaded once more to learn it is quiet again.
    assert sum(loads) < len(loads) // 2
    assert ("merchant", "shipping_delayed") in world.told()
    assert sum(1 for told in world.told() if told == ("merchant", "shipping_delayed")) == 1


def test_a_repository_answering_versions_wrongly_is_named() -> None:
    class Garbled(InMemoryRepository):
        def active_versions(self) -> Any:
            return ["fo-1"]

    world = World()
    world.repository = Garbled()
    world.service = world.sync_service()
    with pytest.raises(ValidationError) as caught:
        world.handle(Tick(key="t-1"))
    assert "repository.active_versions" in str(caught.value)


def test_the_async_service_wants_active_versions_awaitable() -> None:
    class SyncVersions:
        def __init__(self, repository: Any) -> None:
            self.repository = repository

        def __getattr__(self, name: str) -> Any:
            return getattr(self.repository, name)

        def active_versions(self) -> Any:
            return {}

    world = World()
    repository = SyncVersions(AsyncInMemoryRepository(world.repository))
    with pytest.raises(ValidationError) as caught:
        world.async_service(repository=repository)
    assert "active_versions" in str(caught.value)


def test_the_async_service_on_a_repository_without_versions_ticks_as_before() -> None:
    world = _world(versions=False)
    world.in_warehouse(CASE)
    service = world.async_service()
    asyncio.run(service.handle(OrderPlaced(key="o-1", order=_order(1, missing_zip=False))))
    world.clock.advance(days=1)
    asyncio.run(service.handle(Tick(key="t-1")))
    assert "active_versions" not in world.repository.calls
    assert "active_ids" in world.repository.calls
