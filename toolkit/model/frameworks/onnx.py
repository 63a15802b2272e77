"""What ONNX converters share: the input types skl2onnx and onnxmltools need (``prepare(as_onnx=True)``).

The ONNX export itself (``OnnxExport``: the model file, its loader, onnxruntime as the deployment's
requirement) is part of the flavor contract in ``toolkit.model.flavor``, since every flavor can be
exported; each framework's converter is its flavor's ``to_onnx``, which uses these helpers.
"""
from __future__ import annotations

from typing import Any


def float_input_types(estimator: Any, sample: Any, initial_types: Any, tensor_type: Any = None) -> list:
    """skl2onnx/onnxmltools ``initial_types``: the user's, else one float tensor as wide as the model's input.

    ``tensor_type`` is the converter's own ``FloatTensorType`` (onnxmltools checks for its class;
    skl2onnx's by default).
    """
    if initial_types is not None:
        return list(initial_types)
    width = _input_width(estimator, sample)
    if width is None:
        raise ValueError("ONNX conversion needs the input's width: pass X_sample=... or initial_types="
                         "[('input', FloatTensorType([None, n_features]))] to prepare().")
    if tensor_type is None:
        from skl2onnx.common.data_types import FloatTensorType as tensor_type
    return [("input", tensor_type([None, width]))]


def _input_width(estimator: Any, sample: Any) -> int | None:
    for attribute in ("n_features_in_", "n_features_"):
        width = getattr(estimator, attribute, None)
        if isinstance(width, int):
            return width
    if sample is not None:
        import numpy as np

        array = np.asarray(sample.to_numpy() if hasattr(sample, "to_numpy") else sample)
        return int(array.shape[1]) if array.ndim == 2 else None
    return None
