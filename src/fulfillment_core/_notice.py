"""The :class:`Notification` value (documented in :mod:`fulfillment_core.notifications`).

It lives apart so that the outbox (:mod:`fulfillment_core.outbox`), which the aggregate holds, can
carry notifications without importing the rules that make them.
"""

from __future__ import annotations

from typing import Any

import attrs
import pendulum

from ._validation import (
    Checker,
    checked_copy,
    is_text_pairs,
    to_datetime,
    to_enum,
    to_line,
    to_pairs,
    to_text,
)
from .policy import Audience, Channel, NotificationKind

__all__ = ["Notification", "keyed"]


def _to_audience(value: object) -> Any:
    return to_enum(Audience, value)


def _to_kind(value: object) -> Any:
    return to_enum(NotificationKind, value)


def _to_channel(value: object) -> Any:
    return to_enum(Channel, value)


@attrs.frozen
class Notification:
    """Tell ``audience`` about ``kind`` on ``channel``; ``context`` holds the details as sorted
    ``(name, text)`` pairs that a template can use.

    ``key``, when set, identifies this notification for the notifier: sending a notification
    whose key was sent before must not reach anyone twice (the fulfillment service sets it, so a
    retried send after a crash is harmless).
    """

    audience: Audience = attrs.field(converter=_to_audience)
    kind: NotificationKind = attrs.field(converter=_to_kind)
    channel: Channel = attrs.field(converter=_to_channel)
    order_id: str = attrs.field(converter=to_text)
    fulfillment_order_id: str = attrs.field(converter=to_text)
    at: pendulum.DateTime = attrs.field(converter=to_datetime)
    context: tuple[tuple[str, str], ...] = attrs.field(default=(), converter=to_pairs)
    key: str | None = attrs.field(default=None, converter=to_line, kw_only=True)

    def __attrs_post_init__(self) -> None:
        check = Checker()
        check.member("audience", self.audience, Audience)
        kind_ok = check.member("kind", self.kind, NotificationKind)
        if (
            kind_ok
            and isinstance(self.audience, Audience)
            and self.kind.audience is not self.audience
        ):
            check.fail("audience", f"{self.kind} is for the {self.kind.audience}")
        check.member("channel", self.channel, Channel)
        check.text("order_id", self.order_id, max_length=255)
        check.text("fulfillment_order_id", self.fulfillment_order_id, max_length=255)
        check.datetime("at", self.at)
        if not is_text_pairs(self.context):
            check.fail("context", "must be (name, text) pairs", "e.g. [('carrier', 'DHL')]")
        check.text("key", self.key, required=False, max_length=512)
        check.done("Notification")

    def detail(self, name: str) -> str | None:
        for key, value in self.context:
            if key == name:
                return value
        return None


_FIELDS = tuple(field.name for field in attrs.fields(Notification) if field.name != "key")


def keyed(notification: Notification, key: str | None) -> Notification:
    """``attrs.evolve(notification, key=key)``, without converting and checking the other
    fields again (they were when ``notification`` was built); a subclass's value is evolved."""
    if type(notification) is not Notification:
        return attrs.evolve(notification, key=key)
    key = to_line(key)
    check = Checker()
    check.text("key", key, required=False, max_length=512)
    check.done("Notification")
    return checked_copy(notification, _FIELDS, key=key)
