"""Render score.py (and the .model-ignore file) from our package-data templates.

string.Template is enough: a score.py is a fixed skeleton plus one loader snippet per flavor,
so no template engine dependency is needed.
"""
from __future__ import annotations

from importlib import resources
from string import Template
from typing import Any

TEMPLATE_PACKAGE = "toolkit.artifact.templates"


def read_template(name: str) -> str:
    return resources.files(TEMPLATE_PACKAGE).joinpath(name).read_text(encoding="utf-8")


def render_loader(loader_template: str, values: dict[str, str]) -> str:
    """The flavor's ``_load_model_file`` / ``_predict`` snippet with its values filled in."""
    return Template(read_template(loader_template)).substitute(values).rstrip() + "\n"


def render_score_py(
    *,
    framework: str,
    model_file_name: str,
    serialization_format: str,
    loader_template: str,
    score_template: str = "score.tmpl",
    values: dict[str, str] | None = None,
    input_serializer: str = "json",
) -> str:
    """A complete score.py for one model file: the flavor's skeleton (``score_template``) with its loader
    snippet inside; ``input_serializer`` is how clients serialize requests (``json``, the ADS document
    this score.py reads; any other name makes deserialize() refuse)."""
    values = dict(values or {})
    common = {
        "framework": framework,
        "model_file_name": model_file_name,
        "serialization_format": serialization_format,
    }
    loader = render_loader(loader_template, {**common, **values})
    return Template(read_template(score_template)).substitute({**common, **values, "loader": loader,
                                                               "input_serializer": input_serializer})


def loader_functions(loader_template: str, values: dict[str, str], **names: Any) -> dict[str, Any]:
    """The loader snippet executed here: its ``_load_model_file``/``_predict``... as callables.

    For flavors whose in-process loading and prediction are the served ones (ONNX sessions, the
    embedding model), so the toolkit runs the very code score.py runs instead of a copy of it.
    ``names`` are globals the snippet expects from score.py (``ARTIFACT_DIR``...).
    """
    import os

    namespace: dict[str, Any] = {"os": os, **names}
    exec(compile(render_loader(loader_template, values), f"<dockyard {loader_template}>", "exec"), namespace)
    return namespace


def model_ignore_text() -> str:
    return read_template("model-ignore")
