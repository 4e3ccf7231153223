"""Fixtures for travel tests: the generated grid, its road graphs, osrm-routed, a stub server."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from routeplan.travel.osrm import OsrmEmbedded, OsrmServer
from routeplan.travel.roads import RoutedServer, routed

#: Small on purpose, so the chunked server path is exercised on a 20-odd point table.
SERVER_TABLE_SIZE = 5


@pytest.fixture(scope="session")
def server_table_size() -> int:
    return SERVER_TABLE_SIZE


@pytest.fixture(scope="session")
def routed_server(roads_dir: Path) -> Iterator[RoutedServer]:
    """osrm-routed on the car graph, on a free localhost port, stopped at the end."""
    with routed(roads_dir, "car", max_table_size=SERVER_TABLE_SIZE) as server:
        yield server


@pytest.fixture(scope="session")
def embedded(roads_dir: Path) -> OsrmEmbedded:
    return OsrmEmbedded(roads_dir, max_snap_m=500)


@pytest.fixture(scope="session")
def server_engine(routed_server: RoutedServer) -> OsrmServer:
    return OsrmServer(routed_server.url, max_snap_m=500, max_table_size=SERVER_TABLE_SIZE,
                      retries=0, timeout_s=30)


@pytest.fixture(params=["embedded", "server"])
def engine(request: pytest.FixtureRequest) -> OsrmEmbedded | OsrmServer:
    """Each road test runs once through the library and once through osrm-routed."""
    name = "embedded" if request.param == "embedded" else "server_engine"
    found: OsrmEmbedded | OsrmServer = request.getfixturevalue(name)
    return found


@dataclass
class Stub:
    """A tiny HTTP server on 127.0.0.1 that answers every GET with one canned reply."""

    status: int = 500
    body: str = "internal error"
    hold: threading.Event | None = None  # when set: never answer until the event fires
    paths: list[str] = field(default_factory=list)
    url: str = ""


@pytest.fixture
def stub() -> Iterator[Callable[..., Stub]]:
    servers: list[tuple[ThreadingHTTPServer, Stub]] = []

    def start(status: int = 500, body: object = "internal error", *,
              hold: bool = False) -> Stub:
        text = body if isinstance(body, str) else json.dumps(body)
        state = Stub(status, text, threading.Event() if hold else None)

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                state.paths.append(self.path)
                if state.hold is not None:
                    state.hold.wait(timeout=30)
                    return
                data = state.body.encode()
                self.send_response(state.status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, format: str, *args: object) -> None:
                pass

        httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        httpd.daemon_threads = True
        threading.Thread(target=httpd.serve_forever, args=(0.05,), daemon=True).start()
        state.url = f"http://127.0.0.1:{httpd.server_address[1]}"
        servers.append((httpd, state))
        return state

    yield start
    for httpd, state in servers:
        if state.hold is not None:
            state.hold.set()
        httpd.shutdown()
        httpd.server_close()
