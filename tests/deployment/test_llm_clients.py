"""LangChain's OCI model deployment classes (langchain-community's and langchain-oci's) and ADS's ModelDeployment.predict against an LLM
deployment, through the gateway, from the ADS venv (``make ads``: oracle-ads and LangChain pin what
the project's venv cannot). The emulator checks every signature (``--auth enforce``), as OCI does: a
client that signed wrongly, or not at all, would fail here. Skipped without that venv unless
DOCKYARD_REQUIRE_ADS=1 (CI sets it)."""
from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest
import requests

from tests.ads.conftest import ads_python, signing_emulator
from tests.conftest import guarded
from tests.deployment.conftest import pointing_at
from tests.deployment.test_llm_deployments import TGI_ENV, TGI_IMAGE
from tests.llm.conftest import TINY_MODEL
from toolkit.deployment import deploy_model
from toolkit.llm import save_zipped_model

pytestmark = pytest.mark.ads

SCRIPT = Path(__file__).with_name("llm_clients") / "langchain_and_ads.py"


@pytest.fixture(scope="module")
def signing(tmp_path_factory):
    """An emulator of this module's own that enforces request signing; the TGI image runs as the CPU
    LLM stand-in on its process runtime."""
    with signing_emulator(tmp_path_factory, "process", "llm-clients-home") as emulator:
        yield emulator


@pytest.fixture(scope="module")
def signed_tgi_deployment(signing):
    with pointing_at(signing.running):
        deployment = deploy_model(save_zipped_model(TINY_MODEL, "tiny-gpt2"), display_name="tiny-llm-tgi-signed",
                                  deployment_image=TGI_IMAGE, server_port=8080, health_check_port=8080,
                                  environment_variables=TGI_ENV)
    yield deployment
    with pointing_at(signing.running):
        deployment.delete()


@pytest.fixture(scope="module")
def client_run(signed_tgi_deployment, signing):
    python = ads_python()
    if not python.is_file():
        if os.environ.get("DOCKYARD_REQUIRE_ADS") == "1":
            pytest.fail(f"{python} is missing; run make ads")
        pytest.skip("no ADS venv (make ads)")
    profile = signing.session.profile
    config = {k: profile.config[k] for k in ("tenancy", "user", "fingerprint", "key_file", "region")}
    run = subprocess.run([str(python), str(SCRIPT), json.dumps(config), signed_tgi_deployment.url, signing.running.url,
                          signed_tgi_deployment.id], capture_output=True, text=True, timeout=300,
                         env=guarded({k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "VIRTUAL_ENV", "OCI_"))}))
    assert run.returncode == 0, run.stderr[-3000:]
    return json.loads(run.stdout.strip().splitlines()[-1])


def test_the_deployment_the_clients_call_refuses_an_unsigned_predict(signed_tgi_deployment):
    """What makes the client tests below prove signing: the same call without a signature is refused."""
    response = requests.post(f"{signed_tgi_deployment.url}/predict", json={"inputs": "The harbour"}, timeout=30)
    assert response.status_code == 401, response.text
    assert response.json()["code"] == "NotAuthenticated"


def _package(client_run: dict, package: str) -> dict:
    """One LangChain package's results: langchain-community's at the top, langchain-oci's under its key."""
    return client_run["langchain_oci"] if package == "langchain-oci" else client_run


@pytest.mark.parametrize("package", ["langchain-community", "langchain-oci"])
def test_langchains_oci_model_deployment_llm_invokes_and_streams_token_by_token(client_run, package):
    run = _package(client_run, package)
    assert isinstance(run["llm_invoke"], str) and run["llm_invoke"]
    assert len(run["llm_stream"]) > 1 and "".join(run["llm_stream"]) == run["llm_invoke"]
    print(f"\n{package} time to first token through the gateway: {run['llm_first_token_ms']:.0f} ms")


@pytest.mark.parametrize("package", ["langchain-community", "langchain-oci"])
def test_langchains_chat_oci_model_deployment_invokes_and_streams(client_run, package):
    run = _package(client_run, package)
    assert run["chat_invoke"] and len(run["chat_stream"]) > 1
    assert "".join(run["chat_stream"]) == run["chat_invoke"]


def test_ads_model_deployment_predict_sends_the_tgi_body(client_run):
    assert set(client_run["ads_predict"]) == {"generated_text"}
