"""The score.py contract, held once: how an artifact's ``score.py`` is imported, loaded and called.

As OCI's model server does it: ``score.py`` is imported with the artifact directory first on
``sys.path`` (so it can import its siblings), ``load_model()`` is called once, and every request
calls ``predict(data, model=<the loaded model>)`` when ``predict`` takes a ``model`` argument (or
``**kwargs``), ``predict(data)`` otherwise. How a request body becomes ``data`` and a result a
response body is ``codec``'s half of the contract.

Two executors run this very code: the inference server (``server.py``, in a container or a
subprocess) and ``verify()``'s fresh Python process (``toolkit/artifact/_runner.py``), so what
verify() accepts is what a deployment serves. Standard library only: this package is copied into
images as ``dockyard_inference``.
"""
from __future__ import annotations

import importlib.util
import inspect
import os
import sys
import threading
import traceback
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

# A score.py that sets this module attribute to True gets load_model() called in each server worker
# after the fork instead of once before it (a model holding threads, sockets or a device context,
# which do not survive a fork).
LOAD_MODEL_PER_WORKER = "LOAD_MODEL_PER_WORKER"

# The stages of the contract, in the order they run; a failure names the one it happened in.
IMPORT = "import"  # importing score.py (which runs ``model=load_model()`` default arguments too)
LOAD_MODEL = "load_model"
PREDICT = "predict"

_HERE = os.path.dirname(os.path.abspath(__file__))


class ScoreFailure(Exception):
    """score.py failed at one ``stage``; ``error`` is the user's own exception."""

    def __init__(self, stage: str, error: BaseException) -> None:
        super().__init__(f"{type(error).__name__}: {error}")
        self.stage = stage
        self.error = error

    @property
    def traceback(self) -> str:
        """The user's traceback, without this module's frames (see :func:`user_traceback`)."""
        return user_traceback(self.error)


def import_score(model_dir: Path, module_name: str = "score") -> ModuleType:
    """Import ``<model_dir>/score.py`` as module ``score``; it must define ``load_model`` and ``predict``.

    ``module_name`` other than ``score`` serves a process that loads several artifacts (ADS's
    ``reload`` in a notebook): each score.py then stays a module of its own."""
    model_dir = Path(model_dir)
    try:
        score_path = model_dir / "score.py"
        if not score_path.is_file():
            raise FileNotFoundError(f"no score.py in {model_dir}")
        if str(model_dir) not in sys.path:
            sys.path.insert(0, str(model_dir))
        spec = importlib.util.spec_from_file_location(module_name, score_path)
        module = importlib.util.module_from_spec(spec)
        sys.modules[module_name] = module
        spec.loader.exec_module(module)
        for name in ("load_model", "predict"):
            if not callable(getattr(module, name, None)):
                raise AttributeError(f"score.py does not define {name}()")
    except BaseException as exc:  # noqa: BLE001 - user code: any failure is the import stage's
        raise ScoreFailure(IMPORT, exc) from exc
    return module


def load(module: ModuleType) -> Any:
    """``load_model()``, called once; its result is what ``predict`` gets as ``model``."""
    try:
        return module.load_model()
    except BaseException as exc:  # noqa: BLE001
        raise ScoreFailure(LOAD_MODEL, exc) from exc


def predict(module: ModuleType, model: Any, data: Any) -> Any:
    """``predict(data, model=model)`` when predict takes ``model`` (or ``**kwargs``), else ``predict(data)``."""
    try:
        if accepts_model(module.predict):
            return module.predict(data, model=model)
        return module.predict(data)
    except Exception as exc:  # noqa: BLE001
        raise ScoreFailure(PREDICT, exc) from exc


def accepts_model(func: Any) -> bool:
    """Whether ``func`` can be called with ``model=``: a parameter of that name, or ``**kwargs``."""
    try:
        params = inspect.signature(func).parameters
    except (TypeError, ValueError):
        return True
    return "model" in params or any(p.kind is p.VAR_KEYWORD for p in params.values())


def user_traceback(exc: BaseException) -> str:
    """The traceback of ``exc`` with only the user's frames: this package's and importlib's are dropped."""
    summary = traceback.TracebackException.from_exception(exc)
    for link in _chain(summary):
        frames = [f for f in link.stack if not _ours(f.filename)]
        link.stack = traceback.StackSummary.from_list(frames)
    return "".join(summary.format())


def _ours(filename: str) -> bool:
    return filename.startswith(("<frozen", "<string>")) or os.path.dirname(os.path.abspath(filename)) == _HERE


def _chain(summary: traceback.TracebackException) -> list[traceback.TracebackException]:
    seen: list[traceback.TracebackException] = []
    while summary is not None and not any(s is summary for s in seen):
        seen.append(summary)
        summary = summary.__cause__ or summary.__context__
    return seen


@dataclass
class ScoreModule:
    """score.py as one server process holds it: imported and loaded once, then called per request."""

    model_dir: Path
    module_name: str = "score"  # a model group's server loads one score.py per member, each its own module
    module: ModuleType | None = None
    model: Any = None
    failure: ScoreFailure | None = None
    _imported: ModuleType | None = field(default=None, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @property
    def ready(self) -> bool:
        return self.module is not None and self.failure is None

    @property
    def error(self) -> str | None:
        """The failed load's traceback (user frames only), or None."""
        return self.failure.traceback if self.failure else None

    def load(self, before_fork: bool = False) -> None:
        """Import score.py and call load_model() once; keep the failure instead of crashing the worker.

        A worker that died at import would make gunicorn exit; keeping it alive lets /health say why.
        ``before_fork``: this process forks the workers afterwards; a score.py that asks for a model per
        worker (``LOAD_MODEL_PER_WORKER = True``) is only imported, and each worker calls ``load()``
        again after the fork (see :attr:`deferred`).
        """
        with self._lock:
            if self.module is not None or self.failure is not None:
                return
            try:
                if self._imported is None:
                    self._imported = import_score(self.model_dir, self.module_name)
                if before_fork and self.deferred:
                    return
                self.model = load(self._imported)
                self.module = self._imported
            except ScoreFailure as failure:
                self.failure = failure

    @property
    def deferred(self) -> bool:
        """Imported, and load_model() waits for a worker: the artifact asked for a model per worker."""
        return self.module is None and getattr(self._imported, LOAD_MODEL_PER_WORKER, False) is True

    def predict(self, data: Any) -> Any:
        """score.py's predict on ``data`` (ScoreFailure with stage PREDICT when it raises)."""
        if not self.ready:
            raise ModelNotLoaded(self.error or "score.py is not loaded")
        return predict(self.module, self.model, data)


class ModelNotLoaded(RuntimeError):
    """predict was called but score.py could not be imported or load_model failed."""
