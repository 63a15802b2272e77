"""The CPU LLM stand-in speaks TGI's, vLLM's and OpenAI's APIs as their documentation shows them,
streams token by token, answers bad input in each protocol's error shape, and stops generating
when the client goes away."""
from __future__ import annotations

import json
import socket
import time

import requests

TGI = {"inputs": "The harbour", "parameters": {"max_new_tokens": 6}}


def _events(response: requests.Response) -> list[dict]:
    """The server-sent events' JSON documents, read chunk by chunk as they arrive."""
    events = []
    for line in response.iter_lines():
        if line.startswith(b"data:") and line[5:].strip() != b"[DONE]":
            events.append(json.loads(line[5:]))
    return events


def test_tgi_generate_answers_generated_text_and_details_on_request(standin):
    plain = requests.post(f"{standin}/generate", json=TGI).json()
    assert set(plain) == {"generated_text"} and isinstance(plain["generated_text"], str)
    detailed = requests.post(f"{standin}/generate",
                             json={"inputs": "The harbour", "parameters": {"max_new_tokens": 4, "details": True,
                                                                           "return_full_text": True}}).json()
    assert detailed["generated_text"].startswith("The harbour")
    assert detailed["details"]["finish_reason"] == "length" and detailed["details"]["generated_tokens"] == 4
    assert [set(t) for t in detailed["details"]["tokens"]] == [{"id", "text", "logprob", "special"}] * 4


def test_greedy_generation_is_the_same_every_time(standin):
    first = requests.post(f"{standin}/generate", json=TGI).json()
    assert requests.post(f"{standin}/generate", json=TGI).json() == first


def test_tgi_generate_stream_sends_one_event_per_token_then_the_whole_text(standin):
    with requests.post(f"{standin}/generate_stream", json=TGI, stream=True) as response:
        assert response.headers["content-type"] == "text/event-stream"
        events = _events(response)
    tokens, last = events[:-1], events[-1]
    assert len(tokens) == 6 and all(e["generated_text"] is None and e["token"]["text"] is not None for e in tokens)
    assert last["generated_text"] == "".join(e["token"]["text"] for e in tokens)
    assert last["generated_text"] == requests.post(f"{standin}/generate", json=TGI).json()["generated_text"]
    assert last["details"]["finish_reason"] == "length" and last["details"]["generated_tokens"] == 6


def test_vllm_generate_answers_prompt_plus_text_per_n_and_streams_nul_separated_documents(standin):
    body = {"prompt": "The harbour", "n": 2, "max_tokens": 5, "temperature": 0.8, "seed": 3}
    answer = requests.post(f"{standin}/generate", json=body).json()
    assert len(answer["text"]) == 2 and all(t.startswith("The harbour") for t in answer["text"])
    with requests.post(f"{standin}/generate", json={**body, "n": 1, "stream": True}, stream=True) as response:
        documents = [json.loads(part) for part in response.content.split(b"\0") if part]
    texts = [d["text"][0] for d in documents]
    assert len(texts) == 5 and all(b.startswith(a) for a, b in zip(texts, texts[1:]))  # each the text so far


def test_openai_completions_and_chat_completions_answer_in_openais_shape(standin):
    completion = requests.post(f"{standin}/v1/completions",
                               json={"model": "tiny-gpt2", "prompt": "The harbour", "max_tokens": 5,
                                     "temperature": 0}).json()
    assert completion["object"] == "text_completion" and completion["model"] == "tiny-gpt2"
    assert completion["choices"][0]["finish_reason"] == "length" and completion["usage"]["completion_tokens"] == 5
    chat = requests.post(f"{standin}/v1/chat/completions",
                         json={"model": "tiny-gpt2", "messages": [{"role": "user", "content": "Tell me a story"}],
                               "max_tokens": 5, "temperature": 0}).json()
    assert chat["object"] == "chat.completion" and chat["choices"][0]["message"]["role"] == "assistant"
    assert isinstance(chat["choices"][0]["message"]["content"], str)
    models = requests.get(f"{standin}/v1/models").json()
    assert models["object"] == "list" and [m["id"] for m in models["data"]] == ["tiny-gpt2"]


def test_openai_streams_deltas_then_finish_reason_usage_and_done(standin):
    body = {"model": "tiny-gpt2", "messages": [{"role": "user", "content": "Tell me a story"}],
            "max_tokens": 6, "temperature": 0, "stream": True, "stream_options": {"include_usage": True}}
    with requests.post(f"{standin}/v1/chat/completions", json=body, stream=True) as response:
        raw = response.text
    assert raw.rstrip().endswith("data: [DONE]")
    events = [json.loads(line[6:]) for line in raw.splitlines() if line.startswith("data: {")]
    assert events[0]["choices"][0]["delta"] == {"role": "assistant", "content": ""}
    assert all(e["object"] == "chat.completion.chunk" for e in events)
    assert [e["choices"][0]["finish_reason"] for e in events[:-1]][-1] == "length"
    assert events[-1]["choices"] == [] and events[-1]["usage"]["completion_tokens"] == 6
    text = "".join(e["choices"][0]["delta"].get("content", "") for e in events[:-1])
    whole = requests.post(f"{standin}/v1/chat/completions", json={**body, "stream": False}).json()
    assert text == whole["choices"][0]["message"]["content"]


def test_a_route_header_on_another_path_picks_the_route(standin):
    answer = requests.post(f"{standin}/predict", headers={"route": "/v1/completions"},
                           json={"prompt": "The harbour", "max_tokens": 3}).json()
    assert answer["object"] == "text_completion"


def test_bad_input_is_answered_in_each_protocols_error_shape(standin):
    openai = requests.post(f"{standin}/v1/completions", json={"prompt": "x", "max_tokens": 0})
    assert openai.status_code == 400 and openai.json()["error"]["type"] == "invalid_request_error"
    tgi = requests.post(f"{standin}/generate", json={"inputs": 3})
    assert tgi.status_code == 422 and tgi.json()["error_type"] == "validation"
    vllm = requests.post(f"{standin}/generate", json={"prompt": "x", "temperature": "hot"})
    assert vllm.status_code == 400 and "temperature" in vllm.json()["error"]
    assert requests.post(f"{standin}/v1/chat/completions", json={"messages": []}).status_code == 400
    assert requests.post(f"{standin}/generate", data=b"{not json").status_code == 400
    assert requests.post(f"{standin}/generate", json=["a list"]).status_code == 400
    too_long = requests.post(f"{standin}/generate", json={"inputs": "word " * 500})
    assert too_long.status_code == 422 and "at most" in too_long.json()["error"]
    assert requests.get(f"{standin}/health").status_code == 200  # still serving


def test_a_client_that_goes_away_mid_stream_stops_the_generation(standin, standin_log):
    host, port = standin.removeprefix("http://").split(":")
    body = json.dumps({"inputs": "The harbour", "parameters": {"max_new_tokens": 100}}).encode()
    client = socket.create_connection((host, int(port)))
    client.sendall(b"POST /generate_stream HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\n"
                   b"content-length: %d\r\n\r\n%s" % (len(body), body))
    received = b""
    while b"data:" not in received:  # the head, then the first token's event
        received += client.recv(4096)
    client.close()
    deadline = time.monotonic() + 30
    while "generation cancelled" not in standin_log.read_text() and time.monotonic() < deadline:
        time.sleep(0.1)
    line = next(l for l in standin_log.read_text().splitlines() if "generation cancelled" in l)
    assert int(line.rsplit("after ", 1)[1].split()[0]) < 100
