"""Response bodies of finished plan versions, kept per process for the hot read paths.

A finished version never changes; what a reader sees of it changes only with a new field
event, a new version, or a field link issued, revoked or expired. Those are all part of the
key (`routeplan_api.store.PlanRead`), read afresh from the database on every request, so a
cached body is never stale, whichever process or worker wrote the change.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Hashable

#: Bodies kept per process: a 300-stop plan is ~140 KiB, so 64 of them stay under 10 MiB.
MAX_ENTRIES = 64


class BodyCache:
    """A small least-recently-used map from a read's key to the JSON body it produced."""

    def __init__(self, max_entries: int = MAX_ENTRIES) -> None:
        self._max = max_entries
        self._items: OrderedDict[Hashable, bytes] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Hashable) -> bytes | None:
        with self._lock:
            body = self._items.get(key)
            if body is not None:
                self._items.move_to_end(key)
            return body

    def put(self, key: Hashable, body: bytes) -> None:
        with self._lock:
            self._items[key] = body
            self._items.move_to_end(key)
            while len(self._items) > self._max:
                self._items.popitem(last=False)
