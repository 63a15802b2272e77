"""ADS's serializer arguments: ``model_save_serializer`` (how prepare() writes the model file) and
``model_input_serializer`` (how verify()/predict() turn data into the request body).

Both take a name or an object with ``serialize`` (ADS's ``SERDE``), as in ADS, and are honoured or
refused with a reason, never ignored:

- a save serializer *name* picks one of the flavor's formats (``SklearnModel``: ``joblib`` or
  ``cloudpickle``...); the flavor's ONNX name (``sklearn_onnx``, ``xgboost_onnx``,
  ``lightgbm_onnx``, ``torch_onnx``) is ``prepare(as_onnx=True)``, as in ADS; the ONNX name of a
  framework Dockyard has no converter for is refused; an unknown name lists the known ones. A save
  serializer *object* writes the model file itself (``serialize(estimator=..., model_path=...,
  X_sample=...)``), and score.py's ``load_model()`` is left for the user to write, as ADS leaves it.
- an input serializer *name*: ``json`` (the default: ADS's ``{"data", "data_type"}`` document) or
  ``cloudpickle`` (pickled bytes; the generated score.py refuses to unpickle request bodies, as
  ADS's does, so ``deserialize()`` must be written by hand). An input serializer *object*'s
  ``serialize(data)`` gives the body: bytes as octet-stream, anything else as JSON.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from toolkit.artifact.payload import JSON, OCTET_STREAM, to_request

ONNX_SERIALIZERS = ("onnx", "sklearn_onnx", "xgboost_onnx", "lightgbm_onnx", "torch_onnx", "tf_onnx")
INPUT_SERIALIZERS = ("json", "cloudpickle")
CUSTOM = "customized"  # ADS's name for a serializer object the user wrote


class SerializerError(ValueError):
    """A serializer argument Dockyard cannot honour (unknown name, or not supported yet)."""


def onnx_not_supported(what: str) -> NotImplementedError:
    return NotImplementedError(
        f"{what}: not supported by Dockyard's ONNX export (prepare(as_onnx=True) converts the model with its "
        "framework's converter and nothing else); prepare without it, or the native model (as_onnx=False).")


@dataclass
class SaveSerializer:
    """What prepare() writes the model with: one of the flavor's formats, or the user's object."""

    name: str  # the format (``joblib``...) or ``customized``
    custom: Any = None  # the user's object, for ``customized``

    @property
    def is_custom(self) -> bool:
        return self.custom is not None

    @property
    def is_onnx(self) -> bool:
        """An ONNX format: prepare() exports the model to ONNX (ADS's as_onnx)."""
        return self.name in ONNX_SERIALIZERS


def save_serializer(value: Any, supported: tuple[str, ...], owner: str,
                    onnx_name: str | None = None) -> SaveSerializer | None:
    """``model_save_serializer`` as given to ``owner`` (a model class name); None means the default.

    ``onnx_name`` is the owner's ONNX format (None: Dockyard has no ONNX converter for it)."""
    if value is None:
        return None
    if not isinstance(value, str):
        if not callable(getattr(value, "serialize", None)):
            raise SerializerError(f"model_save_serializer must be a name ({', '.join(supported)}) or an object "
                                  f"with serialize(estimator, model_path, ...); got {type(value).__name__}.")
        return SaveSerializer(CUSTOM, value)
    name = value.lower()
    if name in ONNX_SERIALIZERS:
        if onnx_name and name == onnx_name:
            return SaveSerializer(name)
        if onnx_name:
            raise SerializerError(f"{owner}'s ONNX model_save_serializer is {onnx_name!r}, not {value!r}.")
        raise NotImplementedError(f"model_save_serializer={value!r}: Dockyard has no ONNX converter for "
                                  f"{owner}; use one of {', '.join(supported)}.")
    if name not in supported:
        raise SerializerError(f"{owner} has no model_save_serializer {value!r}; use one of {', '.join(supported)}, "
                              "or an object with serialize().")
    return SaveSerializer(name)


@dataclass
class InputSerializer:
    """How ``verify()``/``predict()`` turn data into the request body."""

    name: str = "json"
    custom: Any = None

    def request(self, data: Any, *, serialize: bool = True) -> tuple[bytes, str]:
        """(body, content type) for ``data``; ``serialize=False`` sends JSON-able data or bytes as they are."""
        if not serialize or isinstance(data, (bytes, bytearray, memoryview)):
            return to_request(data, serialize=serialize)
        if self.custom is not None:
            body = self.custom.serialize(data)
            if isinstance(body, (bytes, bytearray, memoryview)):
                return bytes(body), OCTET_STREAM
            return (body if isinstance(body, str) else json.dumps(body)).encode("utf-8"), JSON
        if self.name == "cloudpickle":
            import cloudpickle

            return cloudpickle.dumps(data), OCTET_STREAM
        return to_request(data)


def input_serializer(value: Any) -> InputSerializer:
    """``model_input_serializer`` as given (None is ADS's default, ``json``)."""
    if value is None:
        return InputSerializer()
    if isinstance(value, str):
        name = value.lower()
        if name not in INPUT_SERIALIZERS:
            raise SerializerError(f"model_input_serializer {value!r} is not one Dockyard knows; use "
                                  f"{' or '.join(INPUT_SERIALIZERS)}, or an object with serialize(data).")
        return InputSerializer(name)
    if not callable(getattr(value, "serialize", None)):
        raise SerializerError(f"model_input_serializer must be a name ({', '.join(INPUT_SERIALIZERS)}) or an "
                              f"object with serialize(data); got {type(value).__name__}.")
    return InputSerializer(CUSTOM, value)
