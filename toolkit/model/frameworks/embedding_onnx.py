"""Embedding ONNX flavor: a text-embedding model in ONNX plus its tokenizer, served OpenAI-style.

As in ADS, the user brings the files (``serialize=False``): ``model.onnx`` and the tokenizer's
``tokenizer.json`` (with ``tokenizer_config.json`` and ``config.json`` when there are any) in
``artifact_dir``, or named with ``model_file_name``/``tokenizer_dir``/``config_json`` and copied in.
Since the directory already holds them, ``prepare()`` needs ``force_overwrite=True``, as in ADS.
The served score.py takes the OpenAI embeddings request ``{"input": str | [str, ...], "model":
..., "encoding_format": "float" | "base64"}`` and answers ``{"object": "list", "data": [{"object":
"embedding", "embedding": [...], "index": i}], "model": ..., "usage": {...}}``.

The model's first output is the embedding: ``[batch, dim]`` (pooled in the graph), or ``[batch,
tokens, dim]``, which score.py mean-pools over the attention mask. Tokenizing uses the
``tokenizers`` library alone, so the image needs onnxruntime, tokenizers and numpy, not torch or
transformers. The toolkit loads and runs the very loader snippet score.py serves.
"""
from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

from toolkit.artifact.errors import ArtifactNotFoundError
from toolkit.model.flavor import ONNX, Flavor
from toolkit.model.generic import GenericModel

TOKENIZER_FILE = "tokenizer.json"
TOKENIZER_FILES = ("tokenizer.json", "tokenizer_config.json", "special_tokens_map.json", "vocab.txt")
CONFIG_FILE = "config.json"
LOADER = "loader_embedding_onnx.tmpl"


class EmbeddingONNXFlavor(Flavor):
    name = "embedding_onnx"
    framework = "embedding_onnx"
    framework_distribution = "onnxruntime"
    loader_template = LOADER
    score_template = "score_embedding_onnx.tmpl"
    base_distributions = ("numpy", "onnxruntime", "tokenizers")
    save_serializers = ()  # the user's own ONNX file and tokenizer: nothing to choose
    serves_user_files = True  # ADS's serialize=False: the files are the user's, score.py loads them

    def supports(self, estimator: Any) -> bool:
        """The ONNX file's path (the model is the user's files, not an object of some framework)."""
        return estimator is None or isinstance(estimator, (str, Path))

    def serialization_format(self, estimator: Any) -> str:
        return ONNX

    def model_file_name(self, estimator: Any) -> str:
        return Path(estimator).name

    def serialize(self, estimator: Any, path: Path) -> None:
        """The user's ONNX file is the model file: kept when it is already there under the name
        prepare() was given, else copied in from where it lies."""
        if Path(path).is_file():
            return
        shutil.copyfile(Path(estimator), path)

    def load(self, path: Path, info: Any) -> Any:
        return served()["_load_model_file"](str(path))

    def local_predict(self, estimator: Any, X: Any) -> Any:
        return served()["_embed"](self._embedder(estimator), X)[0]

    def _embedder(self, estimator: Any) -> Any:
        return self.load(Path(estimator), None) if isinstance(estimator, (str, Path)) else estimator

    def requirement_distributions(self, estimator: Any) -> list[str]:
        return list(self.base_distributions)

    def algorithm(self, estimator: Any) -> str | None:
        return "Embedding_ONNX"  # ADS's value

    def hyperparameters(self, estimator: Any) -> dict | None:
        return None

    def use_case(self, estimator: Any) -> str | None:
        return "dimensionality_reduction/representation"


def served() -> dict[str, Any]:
    from toolkit.artifact.scorefile import loader_functions

    return loader_functions(LOADER, {}, serialization_format=ONNX)


class EmbeddingONNXModel(GenericModel):
    """An ONNX text-embedding model with its tokenizer (ADS ``EmbeddingONNXModel``), served as
    OpenAI's ``/v1/embeddings`` answers. The estimator is the ONNX file's path until the artifact
    is loaded back (``from_model_artifact``), when it is the served embedder."""

    flavor_class = EmbeddingONNXFlavor

    def __init__(self, artifact_dir: str | None = None, model_file_name: str | None = None,
                 config_json: str | None = None, tokenizer_dir: str | None = None, auth: Any = None,
                 serialize: bool = False, estimator: Any = None, **kwargs: Any) -> None:
        super().__init__(estimator=estimator, artifact_dir=artifact_dir, auth=auth, serialize=serialize, **kwargs)
        if estimator is None and artifact_dir is not None:
            self.estimator = self._gather_files(model_file_name, config_json, tokenizer_dir)

    def _gather_files(self, model_file_name: str | None, config_json: str | None, tokenizer_dir: str | None) -> Path:
        """The ONNX file in artifact_dir (the tokenizer and config copied in from where they are named)."""
        target = Path(self.artifact_dir)
        target.mkdir(parents=True, exist_ok=True)
        if tokenizer_dir:
            for name in TOKENIZER_FILES:
                if (Path(tokenizer_dir) / name).is_file():
                    shutil.copyfile(Path(tokenizer_dir) / name, target / name)
        if config_json:
            shutil.copyfile(config_json, target / CONFIG_FILE)
        if not (target / TOKENIZER_FILE).is_file():
            raise ArtifactNotFoundError(f"No {TOKENIZER_FILE} in {target}: the served model cannot tokenize.",
                                        hint="Put the tokenizer's files in artifact_dir, or pass tokenizer_dir=...")
        if model_file_name:
            source = Path(model_file_name)
            return source if source.is_absolute() or source.exists() else target / source
        found = sorted(target.glob("*.onnx"))
        if not found:
            raise ArtifactNotFoundError(f"No .onnx file in {target}.",
                                        hint="Put model.onnx in artifact_dir, or pass model_file_name=...")
        return found[0]

    def verify(self, data: Any = None, reload_artifacts: bool = True, auto_serialize_data: bool = False,
               content_type: str | None = None, timeout: float = 600.0, **kwargs: Any) -> Any:
        """score.py on an embeddings request (sent as the JSON it is, as ADS sends it)."""
        return super().verify(data, reload_artifacts=reload_artifacts, auto_serialize_data=auto_serialize_data,
                              content_type=content_type, timeout=timeout, **kwargs)

    def predict(self, data: Any = None, auto_serialize_data: bool = False, local: bool = False,
                content_type: str | None = None, **kwargs: Any) -> dict:
        return super().predict(data, auto_serialize_data=auto_serialize_data, local=local, content_type=content_type,
                               **kwargs)
