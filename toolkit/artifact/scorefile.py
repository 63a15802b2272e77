"""Render score.py (and the .model-ignore file) from our package-data templates.

string.Template is enough: a score.py is a fixed skeleton plus one loader snippet per flavor,
so no template engine dependency is needed.
"""
from __future__ import annotations

from importlib import resources
from string import Template

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
    values: dict[str, str] | None = None,
    input_serializer: str = "json",
) -> str:
    """A complete score.py for one model file; ``input_serializer`` is how clients serialize requests
    (``json``, the ADS document this score.py reads; any other name makes deserialize() refuse)."""
    values = dict(values or {})
    common = {
        "framework": framework,
        "model_file_name": model_file_name,
        "serialization_format": serialization_format,
    }
    loader = render_loader(loader_template, {**common, **values})
    return Template(read_template("score.tmpl")).substitute({**common, "loader": loader,
                                                             "input_serializer": input_serializer})


def model_ignore_text() -> str:
    return read_template("model-ignore")
