"""The private state-machine engine behind every lifecycle table.

Each lifecycle module declares its table once, as plain :class:`Edge` rows. :func:`compile_table`
hands the rows to ``transitions`` (the declaration and validation engine), checks that every
state and guard is known, and compiles the machine's definition into a dict lookup keyed by
``(state, trigger)``. Domain objects never see a ``transitions.Machine``: they ask the compiled
:class:`Lifecycle` where a trigger leads, which costs one dict lookup and a guard call or two.

A (state, trigger) pair with no edge raises
:class:`~fulfillment_core.exceptions.IllegalTransitionError`; a pair whose edges' guards all fail
raises :class:`~fulfillment_core.exceptions.TransitionRefusedError` with the guards' reason.
Neither changes anything.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Iterable, Mapping
from typing import Generic, TypeVar

import attrs
from transitions import Machine

from .exceptions import IllegalTransitionError, TransitionRefusedError

S = TypeVar("S", bound=enum.Enum)
C = TypeVar("C")  # what guards look at


@attrs.frozen
class Edge(Generic[S]):
    """One row of a lifecycle table: ``trigger`` moves ``source`` to ``dest`` when ``guard``
    (a name in the table's guard set, or ``None`` for always) holds."""

    trigger: str
    source: S
    dest: S
    guard: str | None = None


class Lifecycle(Generic[S, C]):
    """A compiled lifecycle table: a dict from ``(state, trigger)`` to guarded destinations."""

    __slots__ = (
        "_allowed",
        "_direct",
        "_lookup",
        "_named",
        "edges",
        "guards",
        "name",
        "states",
        "trigger_set",
        "triggers",
    )

    def __init__(
        self,
        name: str,
        states: type[S],
        edges: Iterable[Edge[S]],
        guards: Mapping[str, tuple[Callable[[C], bool], str]],
    ) -> None:
        self.name = name
        self.states: tuple[S, ...] = tuple(states)
        self.edges: tuple[Edge[S], ...] = tuple(edges)
        self.guards = dict(guards)
        self.triggers: tuple[str, ...] = tuple(dict.fromkeys(e.trigger for e in self.edges))
        self.trigger_set = frozenset(self.triggers)
        self._lookup: dict[
            tuple[S, str], tuple[tuple[S, Callable[[C], bool] | None, str], ...]
        ] = {}
        _validate(name, states, self.edges, self.guards)
        #: The options of each pair with their guards' names, in the order they are asked.
        self._named: dict[tuple[S, str], tuple[tuple[S, str | None], ...]] = {}
        for (state_name, trigger), options in _compiled_from_transitions(
            states, self.edges
        ).items():
            state = states[state_name]
            self._named[(state, trigger)] = tuple((states[dest], guard) for dest, guard in options)
            self._lookup[(state, trigger)] = tuple(
                (
                    states[dest],
                    self.guards[guard][0] if guard else None,
                    self.guards[guard][1] if guard else "",
                )
                for dest, guard in options
            )
        self._allowed = {
            state: tuple(t for t in self.triggers if (state, t) in self._lookup)
            for state in self.states
        }
        #: Where an edge leads when its first option has no guard (no context needed).
        self._direct = {
            key: options[0][0] for key, options in self._lookup.items() if options[0][1] is None
        }

    def allowed(self, state: S) -> tuple[str, ...]:
        """The triggers with an edge out of ``state``, in table order."""
        return self._allowed[state]

    def has_edge(self, state: S, trigger: str) -> bool:
        return (state, trigger) in self._lookup

    def direct(self, state: S, trigger: str) -> S | None:
        """Where ``trigger`` leads from ``state`` whatever the context, if it does (the first
        option has no guard); ``None`` when the guards must be asked (see ``destination``)."""
        return self._direct.get((state, trigger))

    def options(self, state: S, trigger: str) -> tuple[tuple[S, str | None], ...]:
        """Where ``trigger`` may lead from ``state`` and the guard of each way (``None``:
        always), in the order :meth:`destination` asks them; empty when there is no edge."""
        return self._named.get((state, trigger), ())

    def destination(
        self, state: S, trigger: str, context: C, subject: str | Callable[[], str]
    ) -> S:
        """Where ``trigger`` leads from ``state`` for ``context``; raises if it leads nowhere.

        ``subject`` names the object in the error; it may be a function, called only then.
        """
        options = self._lookup.get((state, trigger))
        if options is not None:
            for dest, guard, _ in options:
                if guard is None or guard(context):
                    return dest
        name = subject if isinstance(subject, str) else subject()
        if options is None:
            raise IllegalTransitionError(name, state.value, trigger, self._allowed[state])
        reasons = "; ".join(reason for _, _, reason in options)
        raise TransitionRefusedError(name, state.value, trigger, reasons)

    def mermaid(self) -> str:
        """The table as a Mermaid state diagram (the source of docs/lifecycle.md).

        Edges between the same two states are drawn once, labelled with every trigger (and
        guard). States that lead to exactly the same places on the same triggers (three or
        more of them) are drawn as one composite state, so a table in which every moving
        status may follow every other stays readable.
        """
        group, members = self._groups()
        labels: dict[tuple[str, str], list[str]] = {}
        for edge in self.edges:
            source = group.get(edge.source, edge.source.value)
            dest = group.get(edge.dest, edge.dest.value)
            label = edge.trigger + (f" [{edge.guard}]" if edge.guard else "")
            bucket = labels.setdefault((source, dest), [])
            if label not in bucket:
                bucket.append(label)
        lines = ["stateDiagram-v2"]
        for name, states in members.items():
            lines.append(f"    state {name} {{")
            lines.extend(f"        {state.value}" for state in states)
            lines.append("    }")
        first = self.states[0]
        lines.append(f"    [*] --> {group.get(first, first.value)}")
        for (source, dest), names in labels.items():
            lines.append(f"    {source} --> {dest}: {', '.join(names)}")
        return "\n".join(lines) + "\n"

    def _groups(self) -> tuple[dict[S, str], dict[str, list[S]]]:
        outgoing: dict[S, frozenset[tuple[str, S, str | None]]] = {
            state: frozenset((e.trigger, e.dest, e.guard) for e in self.edges if e.source is state)
            for state in self.states
        }
        by_signature: dict[frozenset[tuple[str, S, str | None]], list[S]] = {}
        for state, signature in outgoing.items():
            if signature:
                by_signature.setdefault(signature, []).append(state)
        group: dict[S, str] = {}
        members: dict[str, list[S]] = {}
        for index, states in enumerate(s for s in by_signature.values() if len(s) >= 3):
            name = f"moving_{index + 1}" if index else "moving"
            members[name] = states
            for state in states:
                group[state] = name
        return group, members


def _validate(
    name: str, states: type[enum.Enum], edges: tuple[Edge[S], ...], guards: Mapping[str, object]
) -> None:
    problems = []
    for edge in edges:
        for end in (edge.source, edge.dest):
            if not isinstance(end, states):
                problems.append(f"{edge.trigger}: {end!r} is not a {states.__name__}")
        if edge.guard is not None and edge.guard not in guards:
            problems.append(f"{edge.trigger}: unknown guard {edge.guard!r}")
    seen: dict[tuple[object, str, object], int] = {}
    for edge in edges:
        key = (edge.source, edge.trigger, edge.guard)
        seen[key] = seen.get(key, 0) + 1
        if seen[key] == 2:
            problems.append(f"{edge.trigger} from {edge.source}: two edges with the same guard")
    if problems:
        raise AssertionError(f"lifecycle table {name} is inconsistent: " + "; ".join(problems))


def _compiled_from_transitions(
    states: type[S], edges: tuple[Edge[S], ...]
) -> dict[tuple[str, str], list[tuple[str, str | None]]]:
    """Declare the machine in ``transitions`` and read its definition back as a lookup."""
    machine = Machine(
        model=None,
        states=[state.value for state in states],
        transitions=[
            {
                "trigger": edge.trigger,
                "source": edge.source.value,
                "dest": edge.dest.value,
                **({"conditions": edge.guard} if edge.guard else {}),
            }
            for edge in edges
        ],
        initial=next(iter(states)).value,
        auto_transitions=False,
    )
    by_value = {state.value: state.name for state in states}
    lookup: dict[tuple[str, str], list[tuple[str, str | None]]] = {}
    for trigger, event in machine.events.items():
        for source, transitions in event.transitions.items():
            for transition in transitions:
                guards = [str(c.func) for c in transition.conditions]
                lookup.setdefault((by_value[source], trigger), []).append(
                    (by_value[transition.dest], guards[0] if guards else None)
                )
    return lookup
