"""The deployments' endpoint server as a proxy, against stub model servers on 127.0.0.1: what it
forwards, how it streams, what it does when the client or an instance goes away, and the OCI error
shapes it answers with. (End to end through real deployments: test_instances.py and the others.)"""
from __future__ import annotations

import asyncio
import json
import select
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Iterator

import pytest
import requests

from emulator.errors import OCIError
from emulator.model_deployment.gateway_proxy import GatewayProxy
from emulator.model_deployment.balancer import Router
from emulator.runtimes import ServerHandle

DEPLOYMENT = "ocid1.datasciencemodeldeployment.oc1.iad.amaaaaaastub"
COMPARTMENT = "ocid1.compartment.oc1..aaaastub"


class _Stub(BaseHTTPRequestHandler):
    """A model server: /predict echoes what it got, /stream sends two server-sent events with a pause
    the test controls, /hang never answers and notes when the gateway closes the connection."""

    protocol_version = "HTTP/1.1"
    events: dict[str, threading.Event] = {}
    seen_pids: list[int] = []
    hanging: list[int] = []  # one entry per /hang call that arrived

    def log_message(self, *args: object) -> None:
        pass

    def do_POST(self) -> None:  # noqa: N802 - http.server's naming
        body = self.rfile.read(int(self.headers.get("content-length") or 0))
        if self.path.startswith("/stream"):
            self._stream()
        elif self.path.startswith("/hang"):
            self._hang()
        else:
            answer = json.dumps({"path": self.path, "body": body.decode(),
                                 "headers": {k.lower(): v for k, v in self.headers.items()}}).encode()
            self.send_response(200)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(answer)))
            self.end_headers()
            self.wfile.write(answer)

    def _stream(self) -> None:
        self.send_response(200)
        self.send_header("content-type", "text/event-stream")
        self.send_header("transfer-encoding", "chunked")
        self.end_headers()
        for n, event in enumerate((b"data: one\n\n", b"data: two\n\n")):
            if n:
                _Stub.events["go"].wait(10)
            self.wfile.write(b"%x\r\n%s\r\n" % (len(event), event))
            self.wfile.flush()
        self.wfile.write(b"0\r\n\r\n")

    def _hang(self) -> None:
        _Stub.hanging.append(1)
        _Stub.events["started"].set()
        conn = self.connection
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            readable, _, _ = select.select([conn], [], [], 0.05)
            if readable and conn.recv(1, socket.MSG_PEEK) == b"":
                _Stub.events["cancelled"].set()
                return
        self.close_connection = True


@pytest.fixture()
def stub() -> Iterator[ThreadingHTTPServer]:
    _Stub.events = {name: threading.Event() for name in ("go", "started", "cancelled")}
    _Stub.hanging = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Stub)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture()
def endpoint(tmp_path) -> Iterator[tuple[GatewayProxy, Router]]:
    router = Router()

    def explain(deployment_id: str) -> OCIError:
        return OCIError(404, "NotAuthorizedOrNotFound", f"model deployment {deployment_id} not found")

    server = GatewayProxy(router, explain, None, lambda *args: None, max_payload_bytes=1024)
    server.start()
    yield server, router
    server.stop()


def _route(router: Router, stub: ThreadingHTTPServer, path: str, log_dir, ref: str = "1") -> None:
    url = f"http://127.0.0.1:{stub.server_address[1]}{path}"
    router.set(DEPLOYMENT, COMPARTMENT, str(log_dir), [ServerHandle("process", url, url, ref)])


def test_forwards_the_body_and_headers_but_not_the_credentials(endpoint, stub, tmp_path):
    server, router = endpoint
    _route(router, stub, "/predict", tmp_path)
    response = requests.post(f"http://127.0.0.1:{server.port}/{DEPLOYMENT}/predict?x=1", data=b'{"a": 1}',
                             headers={"content-type": "application/json", "route": "/v1/completions",
                                      "authorization": "Signature secret", "opc-request-id": "ABC"})
    echoed = response.json()
    assert response.status_code == 200 and echoed["body"] == '{"a": 1}' and echoed["path"] == "/v1/completions?x=1"
    assert echoed["headers"]["route"] == "/v1/completions" and "authorization" not in echoed["headers"]
    assert response.headers["opc-request-id"] == "ABC" == echoed["headers"]["opc-request-id"]
    entry = json.loads((tmp_path / "access.log").read_text().splitlines()[-1])
    assert entry["status"] == 200 and entry["path"] == "/predict" and entry["opcRequestId"] == "ABC"


def test_a_call_goes_to_the_deployments_predict_endpoint_or_the_path_its_route_header_names(endpoint, stub, tmp_path):
    server, router = endpoint
    _route(router, stub, "/generate", tmp_path)  # MODEL_DEPLOY_PREDICT_ENDPOINT=/generate
    base = f"http://127.0.0.1:{server.port}/{DEPLOYMENT}"
    assert requests.post(f"{base}/predict", data=b"{}").json()["path"] == "/generate"
    assert requests.post(f"{base}/predictWithResponseStream", data=b"{}").json()["path"] == "/generate"
    routed = requests.post(f"{base}/predict", data=b"{}", headers={"route": "/v1/chat/completions"}).json()
    assert routed["path"] == "/v1/chat/completions" and routed["headers"]["route"] == "/v1/chat/completions"


@pytest.mark.parametrize("route", ["v1/completions", "//evil.example/x", "/a/../b", "/a?b=1", "/" + "a" * 300])
def test_a_route_header_that_is_not_a_server_path_is_a_400(endpoint, stub, tmp_path, route):
    server, router = endpoint
    _route(router, stub, "/predict", tmp_path)
    response = requests.post(f"http://127.0.0.1:{server.port}/{DEPLOYMENT}/predict", data=b"{}",
                             headers={"route": route})
    assert response.status_code == 400 and response.json()["code"] == "InvalidParameter"
    assert "route header" in response.json()["message"]
    # the connection still serves the next call
    assert requests.post(f"http://127.0.0.1:{server.port}/{DEPLOYMENT}/predict", data=b"{}").status_code == 200


def test_predict_with_response_stream_passes_events_through_as_they_come(endpoint, stub, tmp_path):
    server, router = endpoint
    _route(router, stub, "/stream", tmp_path)
    assert_streamed_as_it_came(requests.post(f"http://127.0.0.1:{server.port}/{DEPLOYMENT}/predictWithResponseStream",
                                             data=b"{}", stream=True, timeout=10))


def assert_streamed_as_it_came(response: requests.Response) -> None:
    """The stub's /stream answer came event by event: the first before the stub sent the second."""
    chunks = response.iter_content(chunk_size=None)
    assert next(chunks) == b"data: one\n\n"  # arrived while the server still holds the second event back
    _Stub.events["go"].set()
    assert b"".join(chunks) == b"data: two\n\n"
    assert response.headers["content-type"] == "text/event-stream"


def test_a_client_that_goes_away_cancels_the_call_upstream(endpoint, stub, tmp_path):
    server, router = endpoint
    _route(router, stub, "/hang", tmp_path)
    client = socket.create_connection(("127.0.0.1", server.port))
    client.sendall(f"POST /{DEPLOYMENT}/predict HTTP/1.1\r\nhost: x\r\ncontent-length: 2\r\n\r\n{{}}".encode())
    assert _Stub.events["started"].wait(10)
    client.close()
    assert _Stub.events["cancelled"].wait(10), "the model server never saw the connection close"


def _loop_tasks(server: GatewayProxy) -> list[asyncio.Task]:
    """The tasks alive on the endpoint's loop (read on the loop itself)."""
    async def alive() -> list[asyncio.Task]:
        return [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]

    return asyncio.run_coroutine_threadsafe(alive(), server.loop).result(5)


def test_clients_that_go_away_mid_call_leave_no_task_behind(endpoint, stub, tmp_path):
    server, router = endpoint
    _route(router, stub, "/hang", tmp_path)
    before = len(_loop_tasks(server))
    clients = []
    for _ in range(40):
        client = socket.create_connection(("127.0.0.1", server.port))
        client.sendall(f"POST /{DEPLOYMENT}/predict HTTP/1.1\r\nhost: x\r\ncontent-length: 2\r\n\r\n{{}}".encode())
        clients.append(client)
    deadline = time.monotonic() + 10
    while len(_Stub.hanging) < len(clients) and time.monotonic() < deadline:
        time.sleep(0.02)
    assert len(_Stub.hanging) == len(clients), "not every call reached the model server"
    assert len(_loop_tasks(server)) >= before + len(clients)  # one task per call in flight
    for client in clients:
        client.close()
    deadline = time.monotonic() + 5
    while len(_loop_tasks(server)) > before and time.monotonic() < deadline:
        time.sleep(0.02)
    left = _loop_tasks(server)
    assert not [t for t in left if "Exchange._run" in repr(t.get_coro())], left[:3]
    assert len(left) <= before
    assert router.get(DEPLOYMENT).instances[0].inflight == 0


def test_a_chunked_request_body_is_sent_with_its_length(endpoint, stub, tmp_path):
    server, router = endpoint
    _route(router, stub, "/predict", tmp_path)
    response = requests.post(f"http://127.0.0.1:{server.port}/{DEPLOYMENT}/predict", data=iter([b"ab", b"c"]))
    assert response.json()["body"] == "abc" and response.json()["headers"]["content-length"] == "3"


@pytest.mark.parametrize("method, path, status, code", [
    ("POST", f"/{DEPLOYMENT}/nothing", 404, "NotAuthorizedOrNotFound"),
    ("POST", "/ocid1.datasciencemodeldeployment.oc1.iad.unknown/predict", 404, "NotAuthorizedOrNotFound"),
    ("GET", f"/{DEPLOYMENT}/predict", 405, "MethodNotAllowed"),
])
def test_calls_that_go_nowhere_get_oci_errors(endpoint, stub, tmp_path, method, path, status, code):
    server, router = endpoint
    _route(router, stub, "/predict", tmp_path)
    response = requests.request(method, f"http://127.0.0.1:{server.port}{path}", data=b"{}")
    assert response.status_code == status and response.json()["code"] == code
    assert response.headers["opc-request-id"]


def test_bodies_over_the_limit_are_413(endpoint, stub, tmp_path):
    server, router = endpoint
    _route(router, stub, "/predict", tmp_path)
    url = f"http://127.0.0.1:{server.port}/{DEPLOYMENT}/predict"
    assert requests.post(url, data=b"x" * 2000).json()["code"] == "PayloadTooLarge"
    chunked = requests.post(url, data=iter([b"x" * 600, b"x" * 600]))
    assert chunked.status_code == 413 and chunked.json()["code"] == "PayloadTooLarge"


def test_malformed_http_gets_a_400_in_oci_shape(endpoint):
    server, _ = endpoint
    with socket.create_connection(("127.0.0.1", server.port)) as client:
        client.sendall(b"POST /x/predict HTTP/1.1\r\ncontent-length: 1\r\ncontent-length: 2\r\n\r\nab")
        answer = client.recv(65536)
    head, _, body = answer.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 400") and json.loads(body)["code"] == "InvalidParameter"


def test_an_instance_that_refuses_is_ejected_and_the_call_goes_to_another(endpoint, stub, tmp_path):
    server, router = endpoint
    dead = socket.socket()
    dead.bind(("127.0.0.1", 0))
    dead_port = dead.getsockname()[1]
    dead.close()  # nothing listens there
    live = f"http://127.0.0.1:{stub.server_address[1]}/predict"
    gone = f"http://127.0.0.1:{dead_port}/predict"
    router.set(DEPLOYMENT, COMPARTMENT, str(tmp_path), [ServerHandle("process", gone, gone, "dead"),
                                                        ServerHandle("process", live, live, "live")])
    for _ in range(6):
        assert requests.post(f"http://127.0.0.1:{server.port}/{DEPLOYMENT}/predict", data=b"{}").status_code == 200
    dead_instance = next(i for i in router.get(DEPLOYMENT).instances if i.ref == "dead")
    assert dead_instance.ejected and "refused" in dead_instance.reason
    router.set(DEPLOYMENT, COMPARTMENT, str(tmp_path), [ServerHandle("process", gone, gone, "dead")])
    response = requests.post(f"http://127.0.0.1:{server.port}/{DEPLOYMENT}/predict", data=b"{}")
    assert response.status_code == 503 and response.json()["code"] == "ServiceUnavailable"
