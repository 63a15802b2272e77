"""The request and answer shapes of the servers the stand-in replaces, each from its project's
documented API: TGI (``/generate``, ``/generate_stream``), vLLM's demo server (``/generate``) and
OpenAI's (``/v1/completions``, ``/v1/chat/completions``, ``/v1/models``).

Each handler takes the request's JSON and returns a :class:`Reply`: a JSON document, or a stream of
byte chunks (server-sent events for TGI and OpenAI, NUL-separated JSON for vLLM).
"""
from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from typing import Any, Callable, Iterator

from .engine import BadRequest, Engine, Finish, Sampling, Token, now


@dataclass
class Reply:
    status: int = 200
    document: Any = None
    chunks: Iterator[bytes] | None = None
    content_type: str = "application/json"


def error(protocol: str, status: int, message: str) -> Reply:
    """An error in the protocol's own shape (what its clients parse)."""
    if protocol == "openai":
        kind = "invalid_request_error" if status < 500 else "server_error"
        return Reply(status, {"error": {"message": message, "type": kind, "param": None, "code": status}})
    if protocol == "tgi":
        return Reply(status, {"error": message, "error_type": "validation" if status < 500 else "generation"})
    return Reply(status, {"error": message})


def _number(body: dict, name: str, kind: type, default: Any) -> Any:
    value = body.get(name, default)
    if value is None:
        return default
    if isinstance(value, bool) or not isinstance(value, (int, float)) or (kind is int and value != int(value)):
        raise BadRequest(f"{name} must be a{'n integer' if kind is int else ' number'}, not {value!r}")
    return kind(value)


def _stop(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return value
    raise BadRequest(f"stop must be a string or a list of strings, not {value!r}")


def _text(body: dict, name: str) -> str:
    value = body.get(name)
    if not isinstance(value, str):
        raise BadRequest(f"'{name}' must be a string")
    return value


def _sse(document: Any, prefix: bytes = b"data:") -> bytes:
    return prefix + json.dumps(document, separators=(",", ":")).encode() + b"\n\n"


# --------------------------------------------------------------------------------------- TGI
def tgi_sampling(parameters: Any) -> tuple[Sampling, dict]:
    if parameters is None:
        parameters = {}
    if not isinstance(parameters, dict):
        raise BadRequest("'parameters' must be an object")
    temperature = _number(parameters, "temperature", float, None)
    top_p = _number(parameters, "top_p", float, None)
    top_k = _number(parameters, "top_k", int, None)
    sampling = Sampling(
        max_new_tokens=_number(parameters, "max_new_tokens", int, 100),
        temperature=temperature if temperature is not None else 1.0,
        top_p=top_p if top_p is not None else 1.0, top_k=top_k or 0,
        do_sample=bool(parameters.get("do_sample")) or any(v is not None for v in (temperature, top_p, top_k)),
        seed=_number(parameters, "seed", int, None), stop=_stop(parameters.get("stop")))
    return sampling, parameters


def tgi_generate(engine: Engine, body: dict) -> Reply:
    prompt = _text(body, "inputs")
    sampling, parameters = tgi_sampling(body.get("parameters"))
    finish: list[Finish] = []
    tokens = list(engine.generate(prompt, sampling, finish))
    text = "".join(t.text for t in tokens)
    if parameters.get("return_full_text"):
        text = prompt + text
    document: dict[str, Any] = {"generated_text": text}
    if parameters.get("details"):
        document["details"] = {**_tgi_details(finish[0]), "prefill": [],
                               "tokens": [_tgi_token(t) for t in tokens]}
    return Reply(200, document)


def tgi_generate_stream(engine: Engine, body: dict) -> Reply:
    prompt = _text(body, "inputs")
    sampling, parameters = tgi_sampling(body.get("parameters"))
    tokens = engine.generate(prompt, sampling, finish := [])

    def events() -> Iterator[bytes]:
        text = prompt if parameters.get("return_full_text") else ""
        index = 0
        for token in tokens:
            index += 1
            text += token.text
            yield _sse({"index": index, "token": _tgi_token(token), "generated_text": None, "details": None,
                        "top_tokens": None})
        yield _sse({"index": index + 1, "token": {"id": 0, "text": "", "logprob": 0.0, "special": True},
                    "generated_text": text, "details": _tgi_details(finish[0]), "top_tokens": None})
    return Reply(200, chunks=events(), content_type="text/event-stream")


def _tgi_token(token: Token) -> dict:
    return {"id": token.id, "text": token.text, "logprob": token.logprob, "special": token.special}


def _tgi_details(finish: Finish) -> dict:
    return {"finish_reason": finish.reason, "generated_tokens": finish.generated_tokens, "seed": finish.seed}


# --------------------------------------------------------------------------------------- vLLM
def vllm_generate(engine: Engine, body: dict) -> Reply:
    """vLLM's demo ``/generate``: ``{"text": [prompt + output, ...]}``, one entry per ``n``; streamed as
    the whole texts so far, each JSON document followed by a NUL byte."""
    prompt = _text(body, "prompt")
    n = _number(body, "n", int, 1)
    if not 1 <= n <= 16:
        raise BadRequest(f"n must be between 1 and 16, not {n}")
    temperature = _number(body, "temperature", float, 1.0)
    sampling = Sampling(max_new_tokens=_number(body, "max_tokens", int, 16), temperature=temperature,
                        top_p=_number(body, "top_p", float, 1.0), top_k=max(_number(body, "top_k", int, -1), 0),
                        do_sample=temperature > 0 and not body.get("use_beam_search"),
                        seed=_number(body, "seed", int, None), stop=_stop(body.get("stop")))
    texts = [prompt] * n
    runs = [engine.generate(prompt, _seeded(sampling, i), []) for i in range(n)]

    def steps() -> Iterator[list[str]]:
        live = list(range(n))
        while live:
            for i in list(live):
                token = next(runs[i], None)
                if token is None:
                    live.remove(i)
                else:
                    texts[i] += token.text
            if live:
                yield list(texts)

    if body.get("stream"):
        return Reply(200, chunks=(json.dumps({"text": t}).encode() + b"\0" for t in steps()))
    for _ in steps():
        pass
    return Reply(200, {"text": texts})


def _seeded(sampling: Sampling, index: int) -> Sampling:
    if sampling.seed is None or index == 0:
        return sampling
    return Sampling(**{**sampling.__dict__, "seed": sampling.seed + index})


# --------------------------------------------------------------------------------------- OpenAI
def openai_sampling(body: dict, default_max: int) -> Sampling:
    temperature = _number(body, "temperature", float, 1.0)
    max_tokens = _number(body, "max_completion_tokens", int, None) or _number(body, "max_tokens", int, default_max)
    return Sampling(max_new_tokens=max_tokens, temperature=temperature, top_p=_number(body, "top_p", float, 1.0),
                    top_k=max(_number(body, "top_k", int, 0), 0), do_sample=temperature > 0,
                    seed=_number(body, "seed", int, None), stop=_stop(body.get("stop")))


def _finish_reason(finish: Finish) -> str:
    return "length" if finish.reason == "length" else "stop"


def _usage(finish: Finish) -> dict:
    return {"prompt_tokens": finish.prompt_tokens, "completion_tokens": finish.generated_tokens,
            "total_tokens": finish.prompt_tokens + finish.generated_tokens}


def completions(engine: Engine, body: dict, model: str) -> Reply:
    prompt = body.get("prompt")
    if isinstance(prompt, list) and len(prompt) == 1 and isinstance(prompt[0], str):
        prompt = prompt[0]
    if not isinstance(prompt, str):
        raise BadRequest("'prompt' must be a string (or a list of one string)")
    sampling = openai_sampling(body, 16)
    head = {"id": f"cmpl-{uuid.uuid4().hex}", "object": "text_completion", "created": now(), "model": model}
    echo = prompt if body.get("echo") else ""

    def choice(text: str, finish: Finish | None) -> dict:
        return {"index": 0, "text": text, "logprobs": None,
                "finish_reason": _finish_reason(finish) if finish else None}

    return _openai_reply(engine, prompt, sampling, body, head,
                         whole=lambda text, finish: [choice(echo + text, finish)],
                         first=[choice(echo, None)] if echo else None,
                         piece=lambda token: [choice(token.text, None)],
                         last=lambda finish: [choice("", finish)])


def chat_completions(engine: Engine, body: dict, model: str) -> Reply:
    messages = body.get("messages")
    if not isinstance(messages, list) or not messages or not all(isinstance(m, dict) for m in messages):
        raise BadRequest("'messages' must be a non-empty list of {\"role\", \"content\"} objects")
    prompt = engine.chat_prompt(messages)
    sampling = openai_sampling(body, 256)
    head = {"id": f"chatcmpl-{uuid.uuid4().hex}", "object": "chat.completion", "created": now(), "model": model}

    def delta(content: dict, finish: Finish | None) -> list[dict]:
        return [{"index": 0, "delta": content, "logprobs": None,
                 "finish_reason": _finish_reason(finish) if finish else None}]

    return _openai_reply(
        engine, prompt, sampling, body, head,
        whole=lambda text, finish: [{"index": 0, "message": {"role": "assistant", "content": text},
                                     "logprobs": None, "finish_reason": _finish_reason(finish)}],
        first=delta({"role": "assistant", "content": ""}, None),
        piece=lambda token: delta({"content": token.text}, None),
        last=lambda finish: delta({}, finish), chunk_object="chat.completion.chunk")


def _openai_reply(engine: Engine, prompt: str, sampling: Sampling, body: dict, head: dict,
                  whole: Callable, first: list | None, piece: Callable, last: Callable,
                  chunk_object: str | None = None) -> Reply:
    n = _number(body, "n", int, 1)
    if n != 1:
        raise BadRequest("this server answers n=1 only")
    finish: list[Finish] = []
    tokens = engine.generate(prompt, sampling, finish)
    if not body.get("stream"):
        text = "".join(t.text for t in tokens)
        return Reply(200, {**head, "choices": whole(text, finish[0]), "usage": _usage(finish[0])})
    chunk_head = {**head, "object": chunk_object or head["object"]}
    options = body.get("stream_options") or {}
    include_usage = isinstance(options, dict) and bool(options.get("include_usage"))

    def events() -> Iterator[bytes]:
        extra = {"usage": None} if include_usage else {}
        if first is not None:
            yield _sse({**chunk_head, "choices": first, **extra}, b"data: ")
        for token in tokens:
            if token.text:
                yield _sse({**chunk_head, "choices": piece(token), **extra}, b"data: ")
        yield _sse({**chunk_head, "choices": last(finish[0]), **extra}, b"data: ")
        if include_usage:
            yield _sse({**chunk_head, "choices": [], "usage": _usage(finish[0])}, b"data: ")
        yield b"data: [DONE]\n\n"
    return Reply(200, chunks=events(), content_type="text/event-stream")


def models(model: str, created: int) -> Reply:
    return Reply(200, {"object": "list", "data": [{"id": model, "object": "model", "created": created,
                                                   "owned_by": "dockyard", "root": model}]})
