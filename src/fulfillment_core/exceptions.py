"""Every error the library raises, under one root: :class:`FulfillmentError`.

Catch ``FulfillmentError`` to handle anything this library refuses; catch a subclass to handle one
kind of refusal. Errors are raised before anything changes, so a caught error means the call had
no effect.

Bad input raises :class:`ValidationError`, which lists *every* problem found, each with the path
of the field, what is wrong and how to fix it::

    >>> from fulfillment_core import Money, ValidationError
    >>> try:
    ...     Money("1.999", "EUR")
    ... except ValidationError as error:
    ...     print(error.problems[0])
    amount: '1.999' has more decimal places than EUR allows (2); round it first, e.g. ...
"""

from __future__ import annotations

from collections.abc import Iterable

import attrs

__all__ = [
    "AdapterError",
    "ConcurrencyError",
    "CurrencyMismatchError",
    "FulfillmentError",
    "IdempotencyConflictError",
    "IllegalTransitionError",
    "NoQualifyingServiceError",
    "NotFoundError",
    "PermanentAdapterError",
    "Problem",
    "RetryableAdapterError",
    "TransitionRefusedError",
    "ValidationError",
]


class FulfillmentError(Exception):
    """Root of every error raised by ``fulfillment_core``."""


@attrs.frozen
class Problem:
    """One thing wrong with an input: where (``path``), what (``message``) and the fix (``hint``).

    ``path`` uses dotted attribute names and ``[index]`` for list items, as in
    ``line_items[2].unit_price.currency``; it is empty when the problem concerns the whole value.
    """

    path: str
    message: str
    hint: str = ""

    def __str__(self) -> str:
        where = f"{self.path}: " if self.path else ""
        fix = f"; {self.hint}" if self.hint else ""
        return f"{where}{self.message}{fix}"

    def under(self, prefix: str) -> Problem:
        """The same problem seen from a containing value whose field ``prefix`` holds this one."""
        if not prefix:
            return self
        if not self.path:
            path = prefix
        elif self.path.startswith("["):
            path = prefix + self.path
        else:
            path = f"{prefix}.{self.path}"
        return Problem(path, self.message, self.hint)


class ValidationError(FulfillmentError, ValueError):
    """Input that cannot become a valid value. ``problems`` lists every problem found, in order.

    Subclasses ``ValueError`` too, so code that already guards conversions with
    ``except ValueError`` keeps working.
    """

    def __init__(self, subject: str, problems: Iterable[Problem]) -> None:
        self.subject = subject
        self.problems: tuple[Problem, ...] = tuple(problems)
        count = len(self.problems)
        noun = "problem" if count == 1 else "problems"
        lines = "".join(f"\n  {problem}" for problem in self.problems)
        super().__init__(f"{subject} is invalid ({count} {noun}):{lines}")

    @property
    def paths(self) -> tuple[str, ...]:
        """The field paths of the problems, in order (handy in tests and API error bodies)."""
        return tuple(problem.path for problem in self.problems)


class CurrencyMismatchError(FulfillmentError, TypeError):
    """Arithmetic or comparison between two different currencies.

    Money in two currencies never mixes silently: convert one side explicitly first.
    """

    def __init__(self, operation: str, left: str, right: str) -> None:
        self.operation = operation
        self.left = left
        self.right = right
        super().__init__(
            f"cannot {operation} {left} and {right}: amounts in different currencies never mix;"
            f" convert one of them to the other currency first"
        )


class IllegalTransitionError(FulfillmentError):
    """A trigger that the lifecycle table has no edge for in the current status.

    Names the aggregate (``subject``), its ``status``, the ``trigger`` and what is ``allowed``
    instead. Raised before anything changes.
    """

    def __init__(
        self,
        subject: str,
        status: str,
        trigger: str,
        allowed: Iterable[str],
        *,
        action: str | None = None,
    ) -> None:
        self.subject = subject
        self.status = status
        self.trigger = trigger
        #: What the caller called (a method name), when it differs from the table's trigger.
        self.action = action or trigger
        self.allowed: tuple[str, ...] = tuple(allowed)
        choices = ", ".join(self.allowed) or "nothing (the status is final)"
        super().__init__(
            f"{subject} is {status}: {self.action!r} is not allowed there; allowed: {choices}"
        )


class TransitionRefusedError(FulfillmentError):
    """A trigger the table allows in this status, refused by its rule now, with the reason.

    Raised before anything changes.
    """

    def __init__(self, subject: str, status: str, trigger: str, reason: str) -> None:
        self.subject = subject
        self.status = status
        self.trigger = trigger
        self.reason = reason
        super().__init__(f"{subject} is {status}: {trigger!r} refused: {reason}")


class NoQualifyingServiceError(FulfillmentError):
    """No carrier service meets the policy's constraints. ``exclusions`` says, per quote, why
    it was excluded, as ``(quote label, reason)`` pairs in the order the quotes were given."""

    def __init__(self, exclusions: Iterable[tuple[str, str]]) -> None:
        self.exclusions: tuple[tuple[str, str], ...] = tuple(exclusions)
        if self.exclusions:
            lines = "".join(f"\n  {label}: {reason}" for label, reason in self.exclusions)
            message = f"no carrier service qualifies ({len(self.exclusions)} excluded):{lines}"
        else:
            message = "no carrier service qualifies: no quotes were given"
        super().__init__(message)


class IdempotencyConflictError(FulfillmentError):
    """A message reused an idempotency key that an earlier, *different* message carried.

    Replaying the same message is harmless and returns the original outcome; a different
    message under the same key is a bug in the caller (two webhooks, one id), so it is refused
    rather than silently dropped. ``original`` and ``refused`` are the two events.
    """

    def __init__(self, subject: str, key: str, original: object, refused: object) -> None:
        self.subject = subject
        self.key = key
        self.original = original
        self.refused = refused
        super().__init__(
            f"{subject}: idempotency key {key!r} was used for {type(original).__name__},"
            f" not {type(refused).__name__}; give each message its own key"
        )


class AdapterError(FulfillmentError):
    """An adapter (a port's implementation) could not do what was asked.

    ``retryable`` says whether trying again later can help: a timeout or a rate limit can, an
    invalid address or a closed account cannot. Raise :class:`RetryableAdapterError` or
    :class:`PermanentAdapterError` rather than this class itself.
    """

    retryable: bool = False

    def __init__(self, port: str, operation: str, message: str) -> None:
        self.port = port
        self.operation = operation
        kind = "retryable" if self.retryable else "permanent"
        super().__init__(f"{port}.{operation} failed ({kind}): {message}")


class RetryableAdapterError(AdapterError):
    """A failure that may pass: a timeout, a rate limit, a 5xx. Try again later."""

    retryable = True


class PermanentAdapterError(AdapterError):
    """A failure that will not pass by itself: bad data, a refusal, a missing account."""

    retryable = False


class ConcurrencyError(FulfillmentError):
    """A save based on a stale version: someone saved the aggregate since it was loaded.

    Reload it and apply the message again (the idempotency key keeps that safe).
    """

    def __init__(self, aggregate_id: str, expected: int, actual: int | None) -> None:
        self.aggregate_id = aggregate_id
        self.expected = expected
        self.actual = actual
        found = "nothing stored" if actual is None else f"version {actual} stored"
        super().__init__(
            f"{aggregate_id}: expected version {expected} but found {found}; reload and retry"
        )


class NotFoundError(FulfillmentError, KeyError):
    """No stored aggregate (or order) with that id."""

    def __init__(self, kind: str, key: str) -> None:
        self.kind = kind
        self.key = key
        super().__init__(f"no {kind} {key!r} is stored")

    def __str__(self) -> str:  # KeyError would repr() the message
        return str(self.args[0])
