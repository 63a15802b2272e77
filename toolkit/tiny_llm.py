"""A tiny language model made here with no model hub: a 2-layer GPT-2 whose byte-level BPE tokenizer
is trained on a page of text shipped with Dockyard (``tiny_llm_corpus.txt``). About 0.55 MB, trained
in seconds on one CPU core, seeded: the same prompt and seed give the same text. The LLM quickstart
trains it; ``fixtures/llm/build.py`` rebuilds the committed copy the tests deploy.
"""
from __future__ import annotations

from pathlib import Path

CORPUS = Path(__file__).with_name("tiny_llm_corpus.txt")
VOCAB = 384
CONTEXT = 128
STEPS = 200


def train_tokenizer(text: str):
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import PreTrainedTokenizerFast

    tokenizer = Tokenizer(models.BPE())
    tokenizer.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tokenizer.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(vocab_size=VOCAB, special_tokens=["<|endoftext|>"],
                                  initial_alphabet=pre_tokenizers.ByteLevel.alphabet(), show_progress=False)
    tokenizer.train_from_iterator([text], trainer)
    return PreTrainedTokenizerFast(tokenizer_object=tokenizer, bos_token="<|endoftext|>",
                                   eos_token="<|endoftext|>", unk_token="<|endoftext|>",
                                   model_max_length=CONTEXT)


def train_model(tokenizer, text: str):
    import torch
    from transformers import GPT2Config, GPT2LMHeadModel

    torch.manual_seed(0)
    torch.set_num_threads(1)  # a tiny model: one thread is fastest, and kind to a shared machine
    config = GPT2Config(vocab_size=len(tokenizer), n_positions=CONTEXT, n_embd=64, n_layer=2, n_head=2,
                        bos_token_id=tokenizer.bos_token_id, eos_token_id=tokenizer.eos_token_id)
    model = GPT2LMHeadModel(config)
    ids = torch.tensor(tokenizer(text)["input_ids"])
    window = 64
    starts = torch.arange(0, len(ids) - window - 1)
    optimizer = torch.optim.AdamW(model.parameters(), lr=3e-3)
    model.train()
    for _ in range(STEPS):
        batch = torch.stack([ids[s:s + window] for s in starts[torch.randint(len(starts), (16,))]])
        loss = model(input_ids=batch, labels=batch).loss
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    model.eval()
    return model, loss.item()


def build(out: Path, log=print) -> Path:
    """Train and save into ``out`` (config, safetensors weights, tokenizer files); returns ``out``."""
    text = CORPUS.read_text()
    tokenizer = train_tokenizer(text)
    model, loss = train_model(tokenizer, text)
    out.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(out)
    tokenizer.save_pretrained(out)
    size = sum(p.stat().st_size for p in out.iterdir())
    log(f"saved {out} ({size / 1e6:.2f} MB, final loss {loss:.2f})")
    return out

