"""An OSRM server that is down, wrong or broken: a RoutingError that names it, or smaller blocks."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from tests.travel.testnet import GridNetwork

from routeplan.domain.errors import RoutingError
from routeplan.domain.team import Mode
from routeplan.travel.osrm import OsrmEmbedded, OsrmServer
from routeplan.travel.roads import RoutedServer, free_port, routed

Stub = Any  # conftest.Stub: .url, .paths


def _pts(grid: GridNetwork) -> list[tuple[float, float]]:
    return [grid.at(0.5, 0), grid.at(3.5, 2), grid.at(6.5, 3)]


def test_wrong_port_names_the_server(grid: GridNetwork) -> None:
    """Nobody listens: the error says which URL and that it could not connect."""
    url = f"http://127.0.0.1:{free_port()}"
    engine = OsrmServer(url, retries=1, backoff_s=0)
    with pytest.raises(RoutingError, match=r"127\.0\.0\.1.*2 attempt\(s\): cannot connect"):
        engine.matrices(_pts(grid), Mode.CAR)


def test_server_killed_between_requests(roads_dir: Path, grid: GridNetwork) -> None:
    """Answers while it runs; once stopped, the next table is a RoutingError."""
    with routed(roads_dir, "car") as server:
        engine = OsrmServer(server.url, retries=0)
        assert engine.matrices(_pts(grid), Mode.CAR).durations[0, 1] > 0
        server.stop()
        with pytest.raises(RoutingError, match=server.url.replace(".", r"\.")):
            engine.matrices(_pts(grid), Mode.CAR)


def test_http_500_is_retried_then_reported(stub: Callable[..., Stub], grid: GridNetwork) -> None:
    """A 500 is tried 1 + retries times and the error carries the status and the body."""
    s = stub(500, "database on fire")
    engine = OsrmServer(s.url, retries=2, backoff_s=0)
    with pytest.raises(RoutingError, match=r"3 attempt.*HTTP 500 database on fire"):
        engine.matrices(_pts(grid), Mode.CAR)
    assert len(s.paths) == 3
    assert s.paths[0].startswith("/table/v1/driving/113.6")


def test_osrm_error_code_is_not_retried(stub: Callable[..., Stub], grid: GridNetwork) -> None:
    """A 400 with an OSRM code is the server's final word: one request, code in the message."""
    s = stub(400, {"code": "InvalidQuery", "message": "Query string malformed"})
    engine = OsrmServer(s.url, retries=3, backoff_s=0)
    with pytest.raises(RoutingError, match="InvalidQuery: Query string malformed"):
        engine.matrices(_pts(grid), Mode.CAR)
    assert len(s.paths) == 1


def test_non_json_answer_is_reported(stub: Callable[..., Stub], grid: GridNetwork) -> None:
    """Something that is not OSRM (an HTML page) is named as such."""
    s = stub(200, "<html>proxy login</html>")
    with pytest.raises(RoutingError, match="not JSON"):
        OsrmServer(s.url, retries=0).matrices(_pts(grid), Mode.CAR)


def test_silent_server_times_out(stub: Callable[..., Stub], grid: GridNetwork) -> None:
    """A server that accepts but never answers ends in a timeout error, not a hang."""
    s = stub(hold=True)
    engine = OsrmServer(s.url, retries=0, timeout_s=0.3)
    with pytest.raises(RoutingError, match="timed out"):
        engine.matrices(_pts(grid), Mode.CAR)


def test_too_big_answer_shrinks_the_blocks(routed_server: RoutedServer,
                                           server_table_size: int, embedded: OsrmEmbedded,
                                           grid: GridNetwork) -> None:
    """A client that believes in 100-point tables learns the server's limit of 5 and succeeds."""
    engine = OsrmServer(routed_server.url, max_table_size=100, retries=0)
    pts = [grid.at(i + 0.5, j) for i in range(grid.nx - 1) for j in range(0, grid.ny, 3)]
    got = engine.matrices(pts, Mode.CAR)
    want = embedded.matrices(pts, Mode.CAR)
    assert np.abs(got.durations - want.durations).max() <= 1
    assert engine._table_limit is not None
    assert engine._table_limit <= server_table_size


def test_mode_the_server_does_not_serve(stub: Callable[..., Stub], grid: GridNetwork) -> None:
    """A car server asked for walking refuses without a request."""
    s = stub(200, {"code": "Ok"})
    with pytest.raises(RoutingError, match="walk"):
        OsrmServer(s.url).matrices(_pts(grid), Mode.WALK)
    assert s.paths == []
