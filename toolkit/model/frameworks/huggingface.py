"""Hugging Face flavor: a ``transformers.pipeline``, written with ``save_pretrained`` into the artifact.

As ADS does, the pipeline's files (config, weights, tokenizer) sit at the top of the artifact
directory, beside score.py, and score.py rebuilds the pipeline with ``pipeline(task,
model=<artifact dir>)``; runtime.yaml names the model file ``.`` (the directory itself) and the
task in ``LOADER_VALUES``. The served score.py hands the request to the pipeline unchanged: a JSON
document (an ADS ``{"data": ..., "data_type": ...}`` envelope is opened first) or raw bytes; a
dict is spread into keyword arguments (``{"text_inputs": ..., "max_new_tokens": 5}``).
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

from toolkit.model.flavor import Flavor, json_safe
from toolkit.model.generic import GenericModel

MODEL_DIR = "."  # save_pretrained writes into the artifact directory itself
# transformers' task -> ADS UseCaseType, where one fits.
TASK_USE_CASES = {
    "text-classification": "sentiment_analysis",
    "sentiment-analysis": "sentiment_analysis",
    "token-classification": "ner",
    "ner": "ner",
    "image-classification": "image_classification",
    "object-detection": "object_localization",
    "feature-extraction": "dimensionality_reduction/representation",
}


class HuggingFacePipelineFlavor(Flavor):
    name = "huggingface"
    framework = "transformers"
    framework_distribution = "transformers"
    loader_template = "loader_huggingface.tmpl"
    score_template = "score_huggingface.tmpl"
    base_distributions = ("numpy",)
    estimator_packages = ("transformers",)
    save_serializers = ("huggingface",)

    def serialization_format(self, estimator: Any) -> str:
        return "huggingface"

    def model_file_name(self, estimator: Any) -> str:
        return MODEL_DIR

    def serialize(self, estimator: Any, path: Path) -> None:
        estimator.save_pretrained(str(path))

    def template_values(self, estimator: Any) -> dict[str, str]:
        return {"task": estimator.task}

    def load(self, path: Path, info: Any) -> Any:
        from transformers import pipeline

        return pipeline(info.loader_values.get("task") or None, model=str(path))

    def local_predict(self, estimator: Any, X: Any) -> Any:
        return estimator(**X) if isinstance(X, dict) else estimator(X)

    def requirement_distributions(self, estimator: Any) -> list[str]:
        """transformers, its tokenizers, and the deep-learning framework the pipeline runs on."""
        names = [*self.base_distributions, "transformers", "tokenizers", "safetensors"]
        backend = getattr(estimator, "framework", "pt")
        names.append("torch" if backend == "pt" else "tensorflow-cpu")
        return names

    def algorithm(self, estimator: Any) -> str | None:
        return None if estimator is None else type(estimator).__name__

    def hyperparameters(self, estimator: Any) -> dict | None:
        config = getattr(getattr(estimator, "model", None), "config", None)
        return json_safe(config.to_diff_dict()) if config is not None else None

    def use_case(self, estimator: Any) -> str | None:
        return TASK_USE_CASES.get(getattr(estimator, "task", ""), "other")


class HuggingFacePipelineModel(GenericModel):
    """A ``transformers.pipeline`` (ADS ``HuggingFacePipelineModel``): text, token, image or audio tasks."""

    flavor_class = HuggingFacePipelineFlavor

    @property
    def task(self) -> str | None:
        return getattr(self.estimator, "task", None)
