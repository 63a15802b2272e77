"""The deployments' endpoint served by worker processes (``--gateway-workers 2``), end to end on the
process runtime under ``--auth enforce``: predict through the workers, signatures checked there, the
calls recorded by the emulator (its metrics see them), streams passed through as they come, and a
worker killed under load taking no call but the ones it was serving, then started again. And the
setting itself: its values, and its way from the CLI to a detached emulator."""
from __future__ import annotations

import os
import signal
import socket
import threading
import time
from typing import Iterator

import pytest
import requests

from click.testing import CliRunner

from emulator import daemon
from emulator.__main__ import parse_config
from emulator.config import EmulatorConfig, gateway_workers
from emulator.errors import OCIError
from emulator.model_deployment.balancer import Router
from emulator.model_deployment.gateway_workers import GatewayWorkers
from emulator.model_deployment.service import service_of
from emulator.runtimes import ServerHandle
from tests.ads.conftest import SigningEmulator, signing_emulator
from tests.deployment import helpers
from tests.deployment.artifacts import ECHO_SCORE, write_artifact
from tests.deployment.conftest import pointing_at
from tests.deployment.test_endpoint import assert_streamed_as_it_came, stub  # noqa: F401 - the stub model server fixture
from tests.monitoring.conftest import wait_for_calls
from toolkit.cli import cli
from toolkit.deployment import deploy_model



def test_the_setting_is_a_count_or_auto_from_the_environment_or_the_command_line(monkeypatch, tmp_path):
    assert gateway_workers(None) == gateway_workers("") == gateway_workers("1") == 1
    assert gateway_workers("auto") == max(1, (os.cpu_count() or 1) // 4) and gateway_workers(" 3 ") == 3
    for wrong in ("0", "-2", "many"):
        with pytest.raises(ValueError, match="gateway workers"):
            gateway_workers(wrong)
    monkeypatch.setenv("DOCKYARD_GATEWAY_WORKERS", "4")
    config = EmulatorConfig(home=tmp_path)
    assert config.gateway_workers == 4
    assert parse_config(daemon._command(config)[3:]).gateway_workers == 4  # what a detached emulator gets
    refused = CliRunner().invoke(cli, ["emulator", "start", "--home", str(tmp_path), "--gateway-workers", "0"])
    assert refused.exit_code == 2 and "--gateway-workers" in refused.output


def test_an_instance_that_refuses_a_worker_is_ejected_in_the_emulator_and_the_call_goes_elsewhere(stub, tmp_path):  # noqa: F811
    closed = socket.create_server(("127.0.0.1", 0))
    refusing = f"http://127.0.0.1:{closed.getsockname()[1]}/predict"
    closed.close()
    answering = f"http://127.0.0.1:{stub.server_address[1]}/predict"
    router, reports = Router(), []
    route = router.set("ocid1.datasciencemodeldeployment.oc1.iad.amaaaaaarefused", "ocid1.compartment.oc1..aaaa",
                       str(tmp_path), [ServerHandle("process", refusing, refusing, "dead"),
                                       ServerHandle("process", answering, answering, "alive")])
    pool = GatewayWorkers(router, lambda d: OCIError(404, "NotAuthorizedOrNotFound", d),
                          lambda *report: reports.append(report), 1024, 2)
    base = f"{pool.start()}/{route.deployment_id}/predict"
    try:
        assert all(requests.post(base, data=b"{}", timeout=10).status_code == 200 for _ in range(6))
        _wait(lambda: reports, "the refusal to reach the emulator")
        dead = route.instances[0]
        assert dead.ejected and "refused the connection" in dead.reason
        assert reports[0][:2] == (route.deployment_id, dead)  # what starts the emulator's health checks
        _wait(lambda: route.calls == 6, "the calls to be recorded")
    finally:
        pool.stop()
    assert not pool.pids()


@pytest.fixture(scope="module")
def signing(tmp_path_factory) -> Iterator[SigningEmulator]:
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("DOCKYARD_GATEWAY_WORKERS", "2")
        with signing_emulator(tmp_path_factory, "process", "gateway-workers-home") as emulator:
            mp.delenv("DOCKYARD_GATEWAY_WORKERS")
            yield emulator


@pytest.fixture(scope="module")
def workers(signing) -> GatewayWorkers:
    endpoint = service_of(signing.running.app).endpoint
    assert isinstance(endpoint, GatewayWorkers) and len(endpoint.pids()) == 2
    return endpoint


@pytest.fixture(scope="module")
def deployment(signing, workers, tmp_path_factory):
    with pointing_at(signing.running):
        model_id = helpers.save_to_catalog(write_artifact(tmp_path_factory.mktemp("echo"), ECHO_SCORE), "echo")
        return deploy_model(model_id, display_name="behind-workers", runtime="process")


def _signed(signing: SigningEmulator) -> requests.Session:
    session = requests.Session()
    session.auth = signing.session.profile.signer
    return session


@pytest.mark.slow
def test_predict_goes_through_the_workers_and_unsigned_calls_are_refused(signing, deployment):
    assert f":{service_of(signing.running.app).endpoint.port}/" in deployment.url
    unsigned = requests.post(f"{deployment.url}/predict", json={"data": [1]}, timeout=30)
    assert unsigned.status_code == 401 and unsigned.json()["code"] == "NotAuthenticated"
    signed = _signed(signing).post(f"{deployment.url}/predict", json={"data": [1, 2]}, timeout=30)
    assert signed.status_code == 200 and signed.json() == {"prediction": [2, 4]}
    missing = _signed(signing).post(f"{deployment.url[:-4]}aaaa/predict", json={}, timeout=30)
    assert missing.status_code == 404 and missing.json()["code"] == "NotAuthorizedOrNotFound"


@pytest.mark.slow
def test_the_emulator_records_the_calls_the_workers_answered(signing, deployment):
    route = service_of(signing.running.app).router.get(deployment.id)
    before = _settled(route)  # calls of the tests before, still on their way back from the workers
    session = _signed(signing)
    for n in range(10):
        assert session.post(f"{deployment.url}/predict", json={"data": [n]}, timeout=30).status_code == 200
    assert session.post(f"{deployment.url}/predict", json={"boom": True}, timeout=30).status_code == 500
    assert _settled(route) == before + 11  # what the autoscaler reads
    wait_for_calls(signing.running, deployment.id, before + 11)  # what the Monitoring metrics store


@pytest.mark.slow
def test_a_stream_passes_through_a_worker_as_it_comes(signing, workers, stub, tmp_path):  # noqa: F811
    service = service_of(signing.running.app)
    deployment_id = "ocid1.datasciencemodeldeployment.oc1.iad.amaaaaaastreamstub"
    url = f"http://127.0.0.1:{stub.server_address[1]}/stream"
    service.router.set(deployment_id, signing.compartment, str(tmp_path), [ServerHandle("process", url, url, "s1")])
    try:
        assert_streamed_as_it_came(_signed(signing).post(
            f"http://127.0.0.1:{workers.port}/{deployment_id}/predictWithResponseStream", data=b"{}", stream=True,
            timeout=10))
    finally:
        service.router.drop(deployment_id)


@pytest.mark.slow
def test_a_killed_worker_takes_only_the_calls_it_was_serving_and_is_started_again(signing, workers, deployment):
    """Every worker serving at the start is killed in turn (so every client's connection is hit) while
    six clients call one after another; a call sent once its worker was dead must succeed."""
    stop, results = threading.Event(), []  # (started, ended, ok) per call

    def client() -> None:
        session = _signed(signing)
        while not stop.is_set():
            started = time.monotonic()
            try:
                ok = session.post(f"{deployment.url}/predict", json={"data": [1]}, timeout=30).status_code == 200
            except requests.RequestException:
                ok = False
            results.append((started, time.monotonic(), ok))

    clients = [threading.Thread(target=client) for _ in range(6)]
    for thread in clients:
        thread.start()
    kills = []  # (signal sent, worker reaped)
    try:
        time.sleep(1)
        for victim in workers.pids():
            sent = time.monotonic()
            os.kill(victim, signal.SIGKILL)
            _wait(lambda: victim not in workers.pids(), "the worker to die")
            kills.append((sent, time.monotonic()))
            _wait(lambda: len(workers.pids()) == 2, "the worker to be replaced")
            time.sleep(1)
    finally:
        stop.set()
        for thread in clients:
            thread.join(timeout=60)
    failed = [(started, ended) for started, ended, ok in results if not ok]
    assert len(failed) <= len(clients) * len(kills), failed  # at most the call in flight, per client and kill
    in_flight = [(started, ended) for started, ended in failed
                 if any(started <= dead and ended >= sent for sent, dead in kills)]
    assert failed == in_flight, "a call that was not in flight when a worker was killed failed"
    after = [ok for started, _, ok in results if started > kills[-1][1]]
    assert len(after) >= len(clients) and all(after)
    assert workers.restarts >= 2


def _settled(route) -> int:
    """The route's call count once no more calls arrive from the workers (none for 0.5 s)."""
    seen, since = route.calls, time.monotonic()
    while time.monotonic() - since < 0.5:
        time.sleep(0.05)
        if route.calls != seen:
            seen, since = route.calls, time.monotonic()
    return seen


def _wait(check, what: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.02)
