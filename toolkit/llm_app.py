"""LangChain applications as model deployments, as ADS deploys them: a ``GenericModel`` artifact whose
``app/`` modules each expose ``invoke(inputs)``; a request ``{"inputs": ..., "module": "chain.py"}``
runs one, and the answer is ``{"outputs", "error", "traceback", "id"}`` (a failing module's error and
traceback are the answer, not a 500).

    model = prepare_langchain_app(["chain.py", "summary.py"], "artifacts/app",
                                  requirements=["langchain-core==1.8.3"])
    model.verify({"inputs": "hello", "module": "chain.py"})
    model.save(display_name="my-app"); model.deploy()
"""
from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

SCORE_TEMPLATE = Path(__file__).parent / "artifact" / "templates" / "score_langchain_app.py.tmpl"


def prepare_langchain_app(modules: list[str | Path], artifact_dir: str | Path, requirements: list[str] | None = None,
                          force_overwrite: bool = False, **prepare_kwargs: Any):
    """A prepared ``GenericModel`` whose artifact serves ``modules`` (Python files exposing ``invoke``).

    ``requirements`` are the pip lines the modules need (LangChain's packages, pinned); the model file
    is only the list of module names."""
    from toolkit import GenericModel

    paths = [Path(m) for m in modules]
    for path in paths:
        if path.suffix != ".py" or not path.is_file():
            raise ValueError(f"{path} is not a Python file; an app module is a .py file that defines invoke(inputs)")
        if "def invoke" not in path.read_text(encoding="utf-8") and "invoke =" not in path.read_text(encoding="utf-8"):
            raise ValueError(f"{path} defines no invoke(inputs)")
    names = sorted(p.name for p in paths)
    if len(set(names)) != len(names):
        raise ValueError(f"module names must differ: {names}")
    model = GenericModel(estimator={"langchain_app_modules": names}, artifact_dir=str(artifact_dir))
    prepare_kwargs.setdefault("inference_python_version", "3.11")
    model.prepare(score_py_uri=str(SCORE_TEMPLATE), requirements=requirements, force_overwrite=force_overwrite,
                  **prepare_kwargs)
    app = Path(artifact_dir) / "app"
    app.mkdir(exist_ok=True)
    for path in paths:
        shutil.copyfile(path, app / path.name)
    return model
