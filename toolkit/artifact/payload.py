"""The client side of a predict call: the body a deployment receives for some Python data, and the
Python value of its answer.

``verify()`` and ``ModelDeployment.predict()`` both build their request with ``to_request`` and read
the answer with ``from_response``, so that what is verified locally is byte for byte what a
deployment gets and returns. The JSON form follows the ADS JSON input serializer:
``{"data": ..., "data_type": str(type(data))}`` with numpy arrays as base64 of ``np.save`` bytes and
pandas objects as ``to_json()``. Bytes go as octet-stream.

The serving side (how the body becomes score.py's ``data``, and its result a body) is
``emulator.inference.codec``, which the inference server and verify()'s subprocess both run.
"""
from __future__ import annotations

import base64
import io
import json
from typing import Any

JSON = "application/json"
OCTET_STREAM = "application/octet-stream"


def to_request(data: Any, *, serialize: bool = True) -> tuple[bytes, str]:
    """(body, content type) for ``data``.

    ``serialize=False`` sends JSON-able data as it is, without the ``data``/``data_type`` envelope
    (for score.py files that expect a raw JSON document).
    """
    if isinstance(data, (bytes, bytearray, memoryview)):
        return bytes(data), OCTET_STREAM
    document = _envelope(data) if serialize else data
    try:
        return json.dumps(document).encode("utf-8"), JSON
    except TypeError as exc:
        raise TypeError(
            f"Cannot send a {type(data).__name__} as a JSON request ({exc}); pass a list, dict, "
            "numpy array, pandas DataFrame/Series, or bytes."
        ) from None


def from_response(body: bytes, content_type: str | None) -> Any:
    """A predict answer as Python: parsed JSON for a JSON answer, else the bytes (ADS's ``.json()``
    for JSON; raw content for binary answers)."""
    if (content_type or "").startswith(JSON):
        return json.loads(body)
    return body


def _envelope(data: Any) -> dict:
    data_type = str(type(data))
    module = type(data).__module__
    if module.startswith("numpy") and hasattr(data, "shape"):
        import numpy as np

        buffer = io.BytesIO()
        np.save(buffer, data, allow_pickle=False)
        return {"data": base64.b64encode(buffer.getvalue()).decode("ascii"), "data_type": data_type}
    if module.startswith("pandas") and hasattr(data, "to_json"):
        return {"data": data.to_json(), "data_type": data_type}
    if hasattr(data, "detach") and hasattr(data, "numpy"):  # a torch tensor: send it as numpy
        return _envelope(data.detach().cpu().numpy())
    return {"data": data, "data_type": data_type}
