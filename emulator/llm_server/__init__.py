"""A CPU stand-in for the LLM servers OCI model deployments run (TGI, vLLM and their OpenAI-style
routes), so a deployment record written for a GPU image deploys and answers on a laptop or in CI.

It loads a causal LM with ``transformers`` (``/opt/ds/model/deployed_model`` or ``PARAMS``'s
``--model``/``--model-id``) and serves, on one port, the routes those images serve:

- TGI: ``POST /generate`` (``{"inputs", "parameters"}``), ``POST /generate_stream`` (server-sent
  events), ``GET /info``;
- vLLM's demo server: ``POST /generate`` (``{"prompt", "n", "temperature", "stream"}``);
- OpenAI's: ``POST /v1/completions``, ``POST /v1/chat/completions`` (both with ``"stream": true``),
  ``GET /v1/models``;
- ``GET /health``.

Self-contained like the inference server: the standard library plus ``torch`` and ``transformers``,
nothing of Dockyard, so it runs in a container as it runs in a process. A client that goes away
mid-stream stops the generation (the next write fails and the token loop ends).
"""
