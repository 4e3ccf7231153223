"""A stand-in for AMap's geocoding service: a real HTTP server on localhost, started per test."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlparse

import pytest

# Answers recorded in the format AMap documents for /v3/geocode/geo (strings everywhere, empty
# lists where a value is missing, location "lon,lat" in GCJ-02).
ZHENGZHOU_HOUSE = {
    "formatted_address": "河南省郑州市金水区花园路100号", "country": "中国", "province": "河南省",
    "citycode": "0371", "city": "郑州市", "district": "金水区", "township": [],
    "neighborhood": {"name": [], "type": []}, "building": {"name": [], "type": []},
    "adcode": "410105", "street": "花园路", "number": "100号",
    "location": "113.672429,34.790347", "level": "门牌号",
}
KAIFENG_COUNTY = {**ZHENGZHOU_HOUSE, "formatted_address": "河南省开封市杞县", "city": "开封市",
                  "district": "杞县", "adcode": "410221", "street": [], "number": [],
                  "location": "114.783139,34.549174", "level": "区县"}
BEIJING_ROAD = {**ZHENGZHOU_HOUSE, "formatted_address": "北京市朝阳区建国路", "province": "北京市",
                "city": "北京市", "district": "朝阳区", "adcode": "110105",
                "location": "116.473168,39.908119", "level": "道路"}
HENAN_ONLY = {**ZHENGZHOU_HOUSE, "formatted_address": "河南省", "city": [], "district": [],
              "adcode": "410000", "location": "113.753094,34.767052", "level": "省"}


def ok(*geocodes: dict[str, Any]) -> dict[str, Any]:
    return {"status": "1", "info": "OK", "infocode": "10000", "count": str(len(geocodes)),
            "geocodes": list(geocodes)}


def error(infocode: str, info: str) -> dict[str, Any]:
    return {"status": "0", "info": info, "infocode": infocode}


INVALID_KEY = error("10001", "INVALID_USER_KEY")
DAILY_LIMIT = error("10003", "DAILY_QUERY_OVER_LIMIT")
QPS_LIMIT = error("10021", "CUQPS_HAS_EXCEEDED_THE_LIMIT")
INVALID_PARAMS = error("20000", "INVALID_PARAMS")


@dataclass
class FakeAmap:
    """Scripted answers per address; each request pops the next one (the last one repeats)."""

    base_url: str = ""
    script: dict[str, list[Any]] = field(default_factory=dict)
    requests: list[dict[str, list[str]]] = field(default_factory=list)
    paths: list[str] = field(default_factory=list)

    def answer(self, address: str, *answers: Any) -> None:
        """Queue answers: a dict is sent as JSON, an int as that HTTP status, a float sleeps."""
        self.script[address] = list(answers)

    def next_for(self, address: str) -> Any:
        queue = self.script.get(address, [ok()])
        return queue.pop(0) if len(queue) > 1 else queue[0]


@pytest.fixture
def amap() -> Iterator[FakeAmap]:
    fake = FakeAmap()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            url = urlparse(self.path)
            query = parse_qs(url.query)
            fake.paths.append(url.path)
            fake.requests.append(query)
            step = fake.next_for(query.get("address", [""])[0])
            if isinstance(step, float):
                time.sleep(step)
                step = ok()
            if isinstance(step, int):
                self.send_response(step)
                self.end_headers()
                return
            body = json.dumps(step, ensure_ascii=False).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json;charset=UTF-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, args=(0.02,), daemon=True)
    thread.start()
    fake.base_url = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        yield fake
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)
