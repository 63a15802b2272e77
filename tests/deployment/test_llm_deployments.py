"""LLM deployments as ADS's large-language-model page makes them, offline: the weights zipped as
the model artifact, a container-runtime deployment of a TGI (or vLLM) image with
MODEL_DEPLOY_PREDICT_ENDPOINT, PARAMS and the other variables, served here by the CPU stand-in in
the process runtime; then real clients through the gateway: ADS's predict body, the openai package
with a signing httpx auth, streams read chunk by chunk, and a client that goes away."""
from __future__ import annotations

import json
import socket
import time
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import requests

from tests.llm.conftest import TINY_MODEL
from toolkit.catalog.session import connect
from toolkit.deployment import deploy_model
from toolkit.llm import TGI_OFFLINE_ENV, save_zipped_model

TGI_IMAGE = "iad.ocir.io/dockyard/text-generation-inference:1.1.0"
TGI_ENV = {**TGI_OFFLINE_ENV, "PARAMS": "--model /opt/ds/model/deployed_model --max-batch-prefill-tokens 1024"}


@pytest.fixture(scope="module")
def tgi_deployment(emulator):
    from tests.deployment.conftest import pointing_at

    with pointing_at(emulator):
        deployment = deploy_model(save_zipped_model(TINY_MODEL, "tiny-gpt2"), display_name="tiny-llm-tgi", deployment_image=TGI_IMAGE,
                                  server_port=8080, health_check_port=8080, environment_variables=TGI_ENV)
    yield deployment
    with pointing_at(emulator):
        deployment.delete()


def _signer():
    return connect().profile.signer


def test_the_offline_tgi_spec_deploys_and_answers_ads_predict_with_the_tgi_body(tgi_deployment):
    assert tgi_deployment.lifecycle_state == "ACTIVE"
    env = tgi_deployment.record.model_deployment_configuration_details.environment_configuration_details
    assert env.environment_configuration_type == "OCIR_CONTAINER" and env.image == TGI_IMAGE
    answer = tgi_deployment.predict(json_input={"inputs": "The harbour", "parameters": {"max_new_tokens": 8}})
    assert set(answer) == {"generated_text"} and answer["generated_text"]


def test_predict_with_response_stream_streams_tgi_events_chunk_by_chunk(tgi_deployment):
    started = time.perf_counter()
    with requests.post(f"{tgi_deployment.url}/predictWithResponseStream", auth=_signer(), stream=True,
                       headers={"route": "/generate_stream"},
                       json={"inputs": "The harbour", "parameters": {"max_new_tokens": 12}}) as response:
        assert response.status_code == 200 and response.headers["content-type"] == "text/event-stream"
        events, first = [], None
        for line in response.iter_lines():
            if line.startswith(b"data:"):
                first = first or time.perf_counter() - started
                events.append(json.loads(line[5:]))
    print(f"\ntime to first token through the gateway: {first * 1000:.0f} ms")
    assert len(events) == 13 and events[-1]["generated_text"] == "".join(e["token"]["text"] for e in events[:-1])


def test_the_openai_client_streams_chat_through_the_gateway_signed_by_an_httpx_auth(tgi_deployment):
    import httpx
    from openai import OpenAI

    from toolkit.llm import OCISignedAuth, openai_client

    client = OpenAI(base_url=f"{tgi_deployment.url}/v1", api_key="oci",
                    http_client=httpx.Client(auth=OCISignedAuth(_signer(), tgi_deployment.url)))
    messages = [{"role": "user", "content": "Tell me about the harbour"}]
    whole = client.chat.completions.create(model="odsc-llm", messages=messages, max_tokens=10, temperature=0)
    assert whole.choices[0].finish_reason == "length" and whole.usage.completion_tokens == 10
    pieces = []
    for chunk in client.chat.completions.create(model="odsc-llm", messages=messages, max_tokens=10, temperature=0,
                                                stream=True):
        if chunk.choices and chunk.choices[0].delta.content:
            pieces.append(chunk.choices[0].delta.content)
    assert len(pieces) > 1 and "".join(pieces) == whole.choices[0].message.content
    completion = openai_client(tgi_deployment).completions.create(model="odsc-llm", prompt="The harbour",
                                                                  max_tokens=4, temperature=0)
    assert completion.object == "text_completion" and completion.usage.completion_tokens == 4


def test_an_unsigned_or_wrongly_routed_call_is_refused_in_ocis_shape(tgi_deployment, emulator):
    bad = requests.post(f"{tgi_deployment.url}/predict", auth=_signer(), headers={"route": "v1/completions"},
                        json={"prompt": "x"})
    assert bad.status_code == 400 and bad.json()["code"] == "InvalidParameter"


def test_a_client_that_goes_away_mid_stream_stops_the_generation_in_the_server(tgi_deployment, emulator):
    body = json.dumps({"inputs": "The harbour", "parameters": {"max_new_tokens": 100}}).encode()
    url = urlsplit(tgi_deployment.url)
    prepared = requests.Request("POST", f"{tgi_deployment.url}/predictWithResponseStream", data=body,
                                headers={"content-type": "application/json", "route": "/generate_stream"}).prepare()
    _signer()(prepared)
    head = "".join(f"{k}: {v}\r\n" for k, v in prepared.headers.items())
    client = socket.create_connection((url.hostname, url.port))
    client.sendall(f"POST {urlsplit(prepared.url).path} HTTP/1.1\r\n{head}\r\n".encode() + body)
    received = b""
    while b"data:" not in received:
        received += client.recv(4096)
    client.close()
    log = Path(emulator.state.config.home)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        text = "".join(p.read_text(errors="replace") for p in log.rglob("server.log"))
        if "generation cancelled" in text:
            break
        time.sleep(0.2)
    assert "generation cancelled" in text
