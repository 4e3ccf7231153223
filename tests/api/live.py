"""The real app under uvicorn in a thread on a free localhost port, for browser tests."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

import uvicorn

#: 10:00 in Shanghai on `plan_body`'s day: a phone's clock for pages that report. A report's
#: time must fall within a day of the plan's day, so a browser test must not take the wall
#: clock's (a test run on 2026-12-03 would have every report refused).
PLAN_DAY_MORNING = datetime(2026, 12, 1, 2, 0, tzinfo=UTC)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def serving(build: Callable[[str], Any]) -> Iterator[tuple[str, Any]]:
    """`build(base_url)` makes the app (settings often need the URL); yields (base, app).

    The server is stopped, and its thread joined, when the block ends.
    """
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    app = build(base)
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, access_log=False,
                                           log_config=None, ws="none", lifespan="on"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    end = time.monotonic() + 30
    while not server.started and time.monotonic() < end:
        time.sleep(0.05)
    assert server.started, "the app did not start within 30 s"
    try:
        yield base, app
    finally:
        server.should_exit = True
        thread.join(30)
