"""PyTorch flavor: a state dict (``model.pt``) or TorchScript (``model.pt``).

A state dict holds only weights, so the module's structure is stored beside it as
``model_architecture.pkl``: the module cloudpickled with its tensors on the "meta" device (no
weight data). score.py rebuilds it with ``to_empty`` and loads the weights with
``torch.load(weights_only=True)``. The module's class must be importable where the model is
served, or defined in ``__main__`` / a notebook (cloudpickle then stores it by value).
TorchScript needs neither: ``use_torch_script=True`` or a ScriptModule estimator.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

from toolkit.model.flavor import Flavor
from toolkit.model.generic import GenericModel

ARCHITECTURE_FILE = "model_architecture.pkl"


def _is_script(estimator: Any) -> bool:
    import torch

    return isinstance(estimator, torch.jit.ScriptModule)


class PyTorchFlavor(Flavor):
    name = "pytorch"
    framework = "pytorch"
    framework_distribution = "torch"
    loader_template = "loader_pytorch.tmpl"
    estimator_packages = ("torch",)
    base_distributions = ("numpy", "pandas")
    save_serializers = ("torch", "torchscript")
    onnx_serializer = "torch_onnx"  # ADS's name: prepare(as_onnx=True)
    prepare_options = ("use_torch_script",)  # prepare(use_torch_script=True): TorchScript, as in ADS

    def serialization_format(self, estimator: Any) -> str:
        if self.save_format:
            return self.save_format
        return "torchscript" if self.options.get("use_torch_script") or _is_script(estimator) else "torch"

    def model_file_name(self, estimator: Any) -> str:
        return "model.pt"

    def serialize(self, estimator: Any, path: Path) -> None:
        import torch

        if self.serialization_format(estimator) == "torchscript":
            scripted = estimator if _is_script(estimator) else torch.jit.script(estimator)
            torch.jit.save(scripted, str(path))
        else:
            torch.save(estimator.state_dict(), path)

    def extra_files(self, estimator: Any) -> dict[str, Any]:
        if self.serialization_format(estimator) == "torchscript":
            return {}
        return {ARCHITECTURE_FILE: lambda path: _write_architecture(estimator, path)}

    def template_values(self, estimator: Any) -> dict[str, str]:
        return {"architecture_file": ARCHITECTURE_FILE}

    def load(self, path: Path, info: Any) -> Any:
        import torch

        if info.serialization_format == "torchscript":
            return torch.jit.load(str(path), map_location="cpu").eval()
        import cloudpickle

        architecture = path.parent / (info.loader_values.get("architecture_file") or ARCHITECTURE_FILE)
        with open(architecture, "rb") as f:
            module = cloudpickle.load(f).to_empty(device="cpu")
        module.load_state_dict(torch.load(path, map_location="cpu", weights_only=True))
        return module.eval()

    def local_predict(self, estimator: Any, X: Any) -> Any:
        import numpy as np
        import torch

        X = X.to_numpy() if hasattr(X, "to_numpy") else X
        with torch.no_grad():
            return estimator(torch.as_tensor(np.asarray(X, dtype=np.float32))).numpy()

    def requirement_distributions(self, estimator: Any) -> list[str]:
        names = list(self.base_distributions) + ["torch"]
        return names if self.serialization_format(estimator) == "torchscript" else names + ["cloudpickle"]

    def to_onnx(self, estimator: Any, initial_types: Any, sample: Any) -> Any:
        """``torch.onnx.export`` traced on ``X_sample`` (or zeros of ``initial_types=[(name, shape)]``), batch axis dynamic."""
        import io
        import warnings

        import onnx
        import torch

        name, example = _onnx_example(initial_types, sample)
        buffer = io.BytesIO()
        # The TorchScript exporter (dynamo=False): the torch.export one needs onnxscript, a further install.
        with torch.no_grad(), warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            torch.onnx.export(estimator.eval(), (example,), buffer, input_names=[name], output_names=["output"],
                              dynamic_axes={name: {0: "batch"}, "output": {0: "batch"}}, dynamo=False)
        return onnx.load_from_string(buffer.getvalue())

    def hyperparameters(self, estimator: Any) -> dict | None:
        return None

    def use_case(self, estimator: Any) -> str | None:
        return None


def _onnx_example(initial_types: Any, sample: Any) -> tuple[str, Any]:
    """(input name, example tensor) to trace the export with."""
    import numpy as np
    import torch

    if initial_types:
        name, shape = initial_types[0]
        shape = getattr(shape, "shape", shape)
        return name, torch.zeros([d if isinstance(d, int) and d > 0 else 1 for d in shape], dtype=torch.float32)
    if sample is None:
        raise ValueError("ONNX export of a PyTorch model traces it on an input: pass X_sample=... or "
                         "initial_types=[('input', [None, n_features])] to prepare().")
    array = np.asarray(sample.to_numpy() if hasattr(sample, "to_numpy") else sample, dtype=np.float32)
    return "input", torch.as_tensor(array[:1])


def _write_architecture(module: Any, path: Path) -> None:
    import copy

    import cloudpickle

    skeleton = copy.deepcopy(module).to("meta")
    with open(path, "wb") as f:
        cloudpickle.dump(skeleton, f)


class PyTorchModel(GenericModel):
    """A ``torch.nn.Module`` (ADS ``PyTorchModel``); ``prepare(use_torch_script=True)`` for TorchScript."""

    flavor_class = PyTorchFlavor
