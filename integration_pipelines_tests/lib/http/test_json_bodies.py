"""``ApiClient.request_json`` decodes every body to exactly what ``json.loads`` made of it before
bodies went through orjson: the shapes where the two parsers differ (integers over 64 bits, ``NaN``,
lone surrogate escapes, a byte order mark, UTF-16, undecodable bytes) are served over real HTTP by a
loopback server, and each decoded value must equal, type for type, the ``json`` reading."""

from __future__ import annotations

import json
import math
import re
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from integration_pipelines.lib.http.client import ApiClient, _has_long_digit_run

BODIES: dict[str, bytes] = {
    "plain": '{"id":7,"name":"سلام é 𝄞","score":-0.0,"tiny":2.5e-7,"nested":[{"a":null,"b":true}]}'.encode(),
    "int64_edges": b'{"max":9223372036854775807,"min":-9223372036854775808,"u64":18446744073709551615}',
    "big_int": b'{"id":123456789012345678901234567890,"neg":-9223372036854775809}',
    "digits_in_text": b'{"phone":"12345678901234567890123","n":1}',
    "nan_and_infinity": b'{"a":NaN,"b":Infinity,"c":-Infinity,"d":1e400}',
    "lone_surrogate": b'{"text":"broken \\ud800 here","pair":"\\ud83d\\ude00"}',
    "byte_order_mark": b'\xef\xbb\xbf{"a":1}',
    "utf16": '{"a":"سلام"}'.encode("utf-16"),
    "duplicate_keys": b'{"a":1,"a":2,"b":{"c":1,"c":[3]}}',
    "not_utf8": b'{"text":"caf\xe9","n":1}',
}


class _Bodies:
    def __init__(self) -> None:
        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 - the http.server API
                body = BODIES[self.path.strip("/")]
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - quiet
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)


@pytest.fixture(scope="module")
def bodies() -> Iterator[_Bodies]:
    served = _Bodies()
    served.thread.start()
    yield served
    served.server.shutdown()
    served.server.server_close()


def _typed(value: object) -> object:
    """``value`` with every leaf paired with its type (1 == 1.0 == True must not pass), NaN comparable."""
    if isinstance(value, dict):
        return {k: _typed(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_typed(v) for v in value]
    if isinstance(value, float) and math.isnan(value):
        return ("nan", float)
    if isinstance(value, float):
        return (repr(value), float)
    return (value, type(value))


def _json_reading(body: bytes) -> object:
    """What the client made of a body before orjson: ``json.loads`` of the detected encoding, with
    undecodable bytes kept as surrogate escapes."""
    encoding = json.detect_encoding(body)
    try:
        text = body.decode(encoding, "surrogatepass")
    except UnicodeDecodeError:
        text = body.decode(encoding, "surrogateescape")
    return json.loads(text)


@pytest.mark.parametrize("name", sorted(BODIES))
def test_bodies_decode_as_json_loads_did(bodies: _Bodies, name: str) -> None:
    with ApiClient("test", bodies.url) as client:
        got = client.request_json("GET", f"/{name}")
        assert client.metrics.as_dict()["malformed_bodies"] == 0
    assert _typed(got) == _typed(_json_reading(BODIES[name]))


def test_big_integers_stay_integers(bodies: _Bodies) -> None:
    """orjson alone would read 30 digits as a float and lose the id; the client must keep it exact."""
    with ApiClient("test", bodies.url) as client:
        got = client.request_json("GET", "/big_int")
    assert got["id"] == 123456789012345678901234567890 and type(got["id"]) is int
    assert got["neg"] == -9223372036854775809 and type(got["neg"]) is int


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(st.binary(max_size=8), st.sampled_from([b"7" * n for n in (17, 18, 19, 20, 40)]))))
def test_the_long_digit_scan_answers_as_the_regex_did(parts: list[bytes]) -> None:
    """The body scan that decides orjson or json finds a 19-digit run exactly where ``[0-9]{19}`` does."""
    content = b"".join(parts)
    assert _has_long_digit_run(content) == (re.search(rb"[0-9]{19}", content) is not None)
