"""Loading an artifact's ``score.py`` and calling its ``predict`` (the OCI/ADS score.py contract)."""
from __future__ import annotations

import importlib.util
import inspect
import sys
import threading
import traceback
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any


class ModelNotLoaded(RuntimeError):
    """Raised when predict is called but score.py could not be imported or load_model failed."""


@dataclass
class ScoreModule:
    """The imported score.py with its model, loaded once per worker process."""

    model_dir: Path
    module: ModuleType | None = None
    model: Any = None
    error: str | None = None  # traceback text of a failed load
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @property
    def ready(self) -> bool:
        return self.module is not None and self.error is None

    def load(self) -> None:
        """Import score.py and call load_model() once; keep the traceback instead of crashing the worker.

        A worker that died at import would make gunicorn exit; keeping it alive lets /health say why.
        """
        with self._lock:
            if self.module is not None or self.error is not None:
                return
            try:
                self.module = _import_score(self.model_dir)
                self.model = self.module.load_model()
            except BaseException:  # noqa: BLE001 - any failure in user code means "not ready"
                self.module = None
                self.error = traceback.format_exc()

    def predict(self, data: Any) -> Any:
        """Call score.predict(data, model=<loaded model>) the way OCI's server does."""
        if not self.ready:
            raise ModelNotLoaded(self.error or "score.py is not loaded")
        if _accepts_model(self.module.predict):
            return self.module.predict(data, model=self.model)
        return self.module.predict(data)  # a predict(data) without a model argument


def _accepts_model(func: Any) -> bool:
    try:
        params = inspect.signature(func).parameters
    except (TypeError, ValueError):
        return True
    return "model" in params or any(p.kind is p.VAR_KEYWORD for p in params.values())


def _import_score(model_dir: Path) -> ModuleType:
    """Import ``<model_dir>/score.py`` with the artifact directory on sys.path (score.py imports siblings)."""
    score_path = model_dir / "score.py"
    if not score_path.is_file():
        raise FileNotFoundError(f"no score.py in {model_dir}")
    if str(model_dir) not in sys.path:
        sys.path.insert(0, str(model_dir))
    spec = importlib.util.spec_from_file_location("score", score_path)
    module = importlib.util.module_from_spec(spec)
    sys.modules["score"] = module
    spec.loader.exec_module(module)
    for name in ("load_model", "predict"):
        if not callable(getattr(module, name, None)):
            raise AttributeError(f"score.py does not define {name}()")
    return module
