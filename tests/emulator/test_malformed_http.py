"""HTTP that never reaches the app (waitress answers it itself) and paths werkzeug would redirect
still get OCI's JSON error shape: ``{"code", "message"}`` with an ``opc-request-id``.

These go through raw sockets: no HTTP client would send them."""
from __future__ import annotations

import json
import socket

import pytest


def _exchange(url: str, raw: bytes) -> tuple[int, dict[str, str], bytes]:
    """Send ``raw`` as is and read the whole answer (the server closes after an error)."""
    host, port = url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=10) as sock:
        sock.sendall(raw)
        chunks = []
        while True:
            try:
                chunk = sock.recv(65536)
            except ConnectionResetError:
                break
            if not chunk:
                break
            chunks.append(chunk)
            head, sep, body = b"".join(chunks).partition(b"\r\n\r\n")
            if sep and _complete(head, body):
                break
    head, _, body = b"".join(chunks).partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    headers = {k.strip().lower(): v.strip() for k, _, v in (line.partition(":") for line in lines[1:])}
    return status, headers, body


def _complete(head: bytes, body: bytes) -> bool:
    for line in head.decode("latin-1").split("\r\n")[1:]:
        name, _, value = line.partition(":")
        if name.strip().lower() == "content-length":
            return len(body) >= int(value)
    return False


def _assert_oci_error(answer: tuple[int, dict[str, str], bytes], status: int) -> dict:
    got, headers, body = answer
    assert got == status, body
    assert headers["content-type"].startswith("application/json"), headers
    assert headers["opc-request-id"]
    error = json.loads(body)
    assert set(error) == {"code", "message"} and error["code"] and error["message"]
    return error


def test_duplicate_content_length_is_an_oci_error(emulator):
    raw = (b"POST /20190101/projects HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
           b"Content-Length: 2\r\nContent-Length: 3\r\n\r\n{}")
    assert _assert_oci_error(_exchange(emulator.url, raw), 400)["code"] == "InvalidParameter"


def test_bad_chunk_is_an_oci_error(emulator):
    raw = (b"POST /20190101/projects HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
           b"Transfer-Encoding: chunked\r\n\r\nzz\r\n{}\r\n0\r\n\r\n")
    assert _assert_oci_error(_exchange(emulator.url, raw), 400)["code"] == "InvalidParameter"


def test_oversized_header_is_an_oci_error(emulator):
    raw = b"GET /20190101/projects HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 300_000 + b"\r\n\r\n"
    error = _assert_oci_error(_exchange(emulator.url, raw), 431)
    assert "header" in error["message"].lower()


def test_content_length_that_is_not_a_number_is_an_oci_error(emulator):
    raw = b"POST /20190101/projects HTTP/1.1\r\nHost: x\r\nContent-Length: " + b"9" * 5000 + b"\r\n\r\n{}"
    _assert_oci_error(_exchange(emulator.url, raw), 400)


@pytest.mark.parametrize("path", ["/20190101//projects", "/20190101/projects//x", "/n//b"])
def test_double_slash_inside_a_path_is_an_oci_error_not_a_redirect(emulator, path):
    raw = f"GET {path}?compartmentId=ocid1.compartment.oc1..aaaa HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
    error = _assert_oci_error(_exchange(emulator.url, raw.encode()), 404)
    assert error["code"] == "NotAuthorizedOrNotFound"


def test_a_leading_double_slash_reaches_the_route_as_a_trailing_slash_endpoint_sends_it(emulator):
    """``service_endpoint="http://host/"`` makes the SDK send ``//20190101/...``; it is served, not redirected."""
    raw = b"GET //20190101/projects?compartmentId=ocid1.compartment.oc1..aaaa HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
    status, headers, body = _exchange(emulator.url, raw)
    assert (status, json.loads(body)) == (200, [])
