"""The model: a causal LM from a directory, generating one token at a time so answers can stream
and a cancelled call stops costing anything after the token it was on."""
from __future__ import annotations

import random
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator


class BadRequest(ValueError):
    """A request the model cannot run (a parameter out of range): a 4xx, never a 500."""


@dataclass
class Sampling:
    """How to pick tokens; the parameters every protocol maps onto."""

    max_new_tokens: int = 20
    temperature: float = 1.0
    top_p: float = 1.0
    top_k: int = 0
    do_sample: bool = False
    seed: int | None = None
    stop: list[str] = field(default_factory=list)

    def check(self) -> None:
        if not 0 < self.max_new_tokens <= 4096:
            raise BadRequest(f"max_new_tokens must be between 1 and 4096, not {self.max_new_tokens}")
        if self.temperature < 0:
            raise BadRequest(f"temperature must be >= 0, not {self.temperature}")
        if not 0 < self.top_p <= 1:
            raise BadRequest(f"top_p must be in (0, 1], not {self.top_p}")
        if self.top_k < 0:
            raise BadRequest(f"top_k must be >= 0, not {self.top_k}")


@dataclass
class Token:
    id: int
    text: str
    logprob: float
    special: bool


@dataclass
class Finish:
    reason: str  # "length", "eos_token" (TGI) / "stop"
    generated_tokens: int
    prompt_tokens: int
    seed: int | None


def find_model_dir(path: str) -> Path:
    """The directory holding ``config.json``: ``path`` itself or its only subdirectory that has one
    (a zip of a folder unpacks one level down)."""
    root = Path(path)
    if (root / "config.json").is_file():
        return root
    found = sorted(p.parent for p in root.glob("*/config.json"))
    if len(found) == 1:
        return found[0]
    raise FileNotFoundError(f"no model (config.json) in {root} or one level below it; pass --model DIR in PARAMS")


class Engine:
    """One loaded model. Forward passes take a lock: concurrent streams interleave token by token."""

    def __init__(self, path: str, max_total_tokens: int = 1024) -> None:
        import torch
        from transformers import AutoModelForCausalLM, AutoTokenizer

        self.torch = torch
        self.dir = find_model_dir(path)
        self.tokenizer = AutoTokenizer.from_pretrained(self.dir)
        self.model = AutoModelForCausalLM.from_pretrained(self.dir)
        self.model.eval()
        self.max_total_tokens = min(max_total_tokens, getattr(self.model.config, "n_positions", None)
                                    or getattr(self.model.config, "max_position_embeddings", None) or max_total_tokens)
        self.lock = threading.Lock()

    def count(self, text: str) -> int:
        return len(self.tokenizer(text)["input_ids"])

    def chat_prompt(self, messages: list[dict]) -> str:
        """A chat as one prompt: the tokenizer's template when it has one, else ``role: content`` lines."""
        if getattr(self.tokenizer, "chat_template", None):
            return self.tokenizer.apply_chat_template(messages, tokenize=False, add_generation_prompt=True)
        lines = [f"{m.get('role', 'user')}: {_content(m.get('content'))}" for m in messages]
        return "\n".join(lines) + "\nassistant:"

    def generate(self, prompt: str, sampling: Sampling, finish: list[Finish]) -> Iterator[Token]:
        """The tokens as they are made (when done, why is appended to ``finish``); stopping the
        iteration (the client went away) stops the generation. Bad parameters raise here, before
        any token, so a streamed answer never starts with an error to come."""
        sampling.check()
        torch = self.torch
        ids = self.tokenizer(prompt, return_tensors="pt")["input_ids"]
        prompt_tokens = ids.shape[1]
        if prompt_tokens == 0:
            ids = torch.tensor([[self.tokenizer.bos_token_id or self.tokenizer.eos_token_id or 0]])
        room = self.max_total_tokens - ids.shape[1]
        if room <= 0:
            raise BadRequest(f"the prompt is {prompt_tokens} tokens; this model takes at most {self.max_total_tokens}")
        return self._tokens(ids, min(sampling.max_new_tokens, room), sampling, prompt_tokens, finish)

    def _tokens(self, ids, budget: int, sampling: Sampling, prompt_tokens: int, finish: list[Finish]) -> Iterator[Token]:
        torch = self.torch
        seed = sampling.seed if sampling.seed is not None else random.randrange(2**63)
        generator = torch.Generator().manual_seed(seed)
        eos = self.tokenizer.eos_token_id
        past, text, made, reason = None, "", 0, "length"
        generated: list[int] = []
        step_input = ids
        while made < budget:
            with self.lock, torch.no_grad():
                out = self.model(input_ids=step_input, past_key_values=past, use_cache=True)
            past = out.past_key_values
            logits = out.logits[0, -1].float()
            token_id, logprob = _pick(torch, logits, sampling, generator)
            made += 1
            step_input = torch.tensor([[token_id]])
            special = token_id in self.tokenizer.all_special_ids
            piece = ""
            if not special:  # decode what was made so far: a character may span tokens (byte-level BPE)
                generated.append(token_id)
                decoded = self.tokenizer.decode(generated)
                if not decoded.endswith("\ufffd"):
                    piece, text = decoded[len(text):], decoded
            yield Token(token_id, piece, logprob, special)
            if token_id == eos:
                reason = "eos_token"
                break
            if any(s and s in text for s in sampling.stop):
                reason = "stop_sequence"
                break
        finish.append(Finish(reason, made, prompt_tokens, seed))


def _pick(torch, logits, sampling: Sampling, generator) -> tuple[int, float]:
    logprobs = torch.log_softmax(logits, dim=-1)
    if not sampling.do_sample or sampling.temperature == 0:
        token = int(torch.argmax(logits))
        return token, float(logprobs[token])
    scaled = logits / max(sampling.temperature, 1e-5)
    if sampling.top_k:
        kth = torch.topk(scaled, min(sampling.top_k, scaled.shape[-1])).values[-1]
        scaled = scaled.masked_fill(scaled < kth, float("-inf"))
    probs = torch.softmax(scaled, dim=-1)
    if sampling.top_p < 1:
        sorted_probs, order = torch.sort(probs, descending=True)
        keep = torch.cumsum(sorted_probs, dim=-1) - sorted_probs < sampling.top_p
        mask = torch.zeros_like(probs, dtype=torch.bool).scatter(0, order[keep], True)
        probs = torch.where(mask, probs, torch.zeros_like(probs))
        probs = probs / probs.sum()
    token = int(torch.multinomial(probs, 1, generator=generator))
    return token, float(logprobs[token])


def _content(content) -> str:
    if isinstance(content, list):  # OpenAI's content parts
        return "".join(part.get("text", "") for part in content if isinstance(part, dict))
    return "" if content is None else str(content)


def now() -> int:
    return int(time.time())
