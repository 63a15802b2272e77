"""EmbeddingONNXModel: an ONNX embedding model built here with onnx.helper (token embeddings, mean
pooling over the attention mask) and a WordPiece tokenizer trained here; served OpenAI-style.
prepare -> verify -> save -> deploy (Docker and process) -> predict -> from_model_catalog."""
from __future__ import annotations

import base64

import numpy as np
import pytest

from fixtures import frameworks
from tests.frameworks.conftest import (IMAGE_BUILD_TIMEOUT, close,
                                      deployed_answer, loaded_from_catalog, saved_in_catalog)
from toolkit import EmbeddingONNXModel, GenericModel

REQUEST = frameworks.EMBEDDING_REQUEST


@pytest.fixture(scope="module", autouse=True)
def _installed(onnx, onnxruntime, tokenizers):
    """The dev extras install onnx, onnxruntime (which serves the model) and tokenizers: a missing one fails these tests instead of skipping them
    (imported when a test of this module runs, not at collection: tests/conftest.py)."""


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    directory = tmp_path_factory.mktemp("embedding")
    tokenizer, table = frameworks.embedding_artifact(directory)
    return directory, tokenizer, table


@pytest.fixture(scope="module")
def saved(emulator, built):
    directory, _, _ = built

    def prepare():
        model = EmbeddingONNXModel(artifact_dir=str(directory))
        return model.prepare(model_file_name="model.onnx", force_overwrite=True)  # ADS's example

    return saved_in_catalog(emulator, prepare, REQUEST)


def test_verify_answers_openai_embeddings_equal_to_the_model(saved, built):
    _, answer = saved
    _, tokenizer, table = built
    assert answer["object"] == "list" and answer["model"] == "tiny-embedder"
    assert [d["index"] for d in answer["data"]] == [0, 1] and {d["object"] for d in answer["data"]} == {"embedding"}
    expected = frameworks.expected_embeddings(tokenizer, table, REQUEST["input"])
    assert close([d["embedding"] for d in answer["data"]], expected)
    tokens = sum(len(tokenizer.encode(t).ids) for t in REQUEST["input"])
    assert answer["usage"] == {"prompt_tokens": tokens, "total_tokens": tokens}


def test_prepare_pins_onnxruntime_and_tokenizers_only(saved):
    model, _ = saved
    pins = {line.split("==")[0] for line in model.runtime_info.requirements}
    assert pins == {"numpy", "onnxruntime", "tokenizers"}
    assert model.metadata_taxonomy["Framework"].value == "embedding_onnx"
    assert model.metadata_taxonomy["Algorithm"].value == "Embedding_ONNX"


def test_round_trip_on_the_process_runtime(saved):
    model, answer = saved
    assert deployed_answer(model, "process", REQUEST) == answer


@pytest.mark.docker
@pytest.mark.timeout(IMAGE_BUILD_TIMEOUT)
def test_round_trip_in_docker(saved):
    model, answer = saved
    assert deployed_answer(model, "docker", REQUEST) == answer


def test_base64_encoding_and_a_single_string(saved):
    model, answer = saved
    encoded = model.verify({"input": REQUEST["input"][0], "model": "m", "encoding_format": "base64"})
    vector = np.frombuffer(base64.b64decode(encoded["data"][0]["embedding"]), dtype="<f4")
    assert len(encoded["data"]) == 1 and close(vector, answer["data"][0]["embedding"])


def test_a_request_without_input_is_refused_with_what_to_send(saved):
    from toolkit.artifact.errors import VerificationError

    model, _ = saved
    with pytest.raises(VerificationError, match='"input"'):
        model.verify({"text": "no input key"})


def test_from_model_catalog_embeds_the_same(saved, tmp_path):
    model, answer = saved
    loaded = loaded_from_catalog(model, tmp_path / "loaded")
    assert isinstance(loaded, EmbeddingONNXModel)
    assert close(loaded.flavor.local_predict(loaded.estimator, REQUEST["input"]),
                 [d["embedding"] for d in answer["data"]])
    assert isinstance(GenericModel.from_model_artifact(loaded.artifact_dir), EmbeddingONNXModel)


def test_token_embeddings_are_mean_pooled_by_score_py(tmp_path):
    tokenizer, table = frameworks.embedding_artifact(tmp_path / "tokens", pooled=False)
    model = EmbeddingONNXModel(artifact_dir=str(tmp_path / "tokens")).prepare(force_overwrite=True)
    answer = model.verify(REQUEST)
    expected = frameworks.expected_embeddings(tokenizer, table, REQUEST["input"])
    assert close([d["embedding"] for d in answer["data"]], expected)


def test_an_artifact_without_its_tokenizer_is_caught_by_introspection(tmp_path):
    frameworks.embedding_artifact(tmp_path / "broken")
    model = EmbeddingONNXModel(artifact_dir=str(tmp_path / "broken")).prepare(force_overwrite=True)
    (tmp_path / "broken" / "tokenizer.json").unlink()  # the defect: the tokenizer left behind
    result = model.introspect()
    assert not result.passed
    failure = next(f for f in result.failures if f.key == "model_file")
    assert "tokenizer.json" in failure.message


def test_prepare_needs_force_overwrite_for_the_files_already_in_artifact_dir_as_in_ads(tmp_path):
    from toolkit.artifact.errors import ArtifactExistsError

    frameworks.embedding_artifact(tmp_path / "files")
    with pytest.raises(ArtifactExistsError, match="is not empty"):
        EmbeddingONNXModel(artifact_dir=str(tmp_path / "files")).prepare(model_file_name="model.onnx")
    assert not (tmp_path / "files" / "score.py").exists()


def test_the_embedding_class_takes_a_file_path_only_so_no_other_model_is_offered_it():
    from toolkit.model.flavor import flavors_supporting

    class Predictor:
        def predict(self, X):
            return X

    with pytest.raises(TypeError, match="not supported in EmbeddingONNXModel"):
        EmbeddingONNXModel(estimator=Predictor())
    assert flavors_supporting(Predictor()) == []  # `dockyard prepare` still hints -f generic
