"""HuggingFacePipelineModel: the repository's 2-layer GPT-2 (fixtures/llm/tiny-gpt2, 0.55 MB, its
tokenizer trained here) as a text-generation pipeline; prepare -> verify -> save -> deploy (Docker and process) ->
predict -> from_model_catalog, the same greedy generations."""
from __future__ import annotations

import pytest

from fixtures import frameworks
from tests.frameworks.conftest import (IMAGE_BUILD_TIMEOUT, deployed,
                                      deployed_answer, loaded_from_catalog, saved_in_catalog)
from toolkit import GenericModel, HuggingFacePipelineModel

# slow: a GPT-2 pipeline built and saved, and verify(), a process deployment and introspection each import
# torch and transformers in a fresh Python (half a minute and more on 2 cores).
pytestmark = pytest.mark.slow

REQUEST = frameworks.GPT2_REQUEST


@pytest.fixture(scope="module", autouse=True)
def _installed(tokenizers, torch, transformers):
    """The dev extras install tokenizers, torch and transformers: a missing one fails these tests instead of skipping them
    (imported when a test of this module runs, not at collection: tests/conftest.py)."""


@pytest.fixture(scope="module")
def generator():
    return frameworks.gpt2_pipeline()


def _prepared(pipe, directory) -> HuggingFacePipelineModel:
    model = HuggingFacePipelineModel(pipe, artifact_dir=str(directory))
    model.prepare(force_overwrite=True)
    return model


@pytest.fixture(scope="module")
def saved(emulator, generator, tmp_path_factory):
    return saved_in_catalog(emulator, lambda: _prepared(generator, tmp_path_factory.mktemp("hf")), REQUEST)


def test_prepare_saves_the_pipeline_beside_score_py_with_pins_and_taxonomy(saved):
    from pathlib import Path

    model, _ = saved
    files = {p.name for p in Path(model.artifact_dir).iterdir()}
    assert {"config.json", "model.safetensors", "tokenizer.json", "score.py", "runtime.yaml"} <= files
    assert sum((Path(model.artifact_dir) / f).stat().st_size for f in files) < 1024 * 1024
    pins = {line.split("==")[0] for line in model.runtime_info.requirements}
    assert {"transformers", "tokenizers", "torch"} <= pins
    assert "torch==2.13.0" in model.runtime_info.requirements or "torch" not in pins  # the CPU wheel's version
    taxonomy = model.metadata_taxonomy
    assert taxonomy["Framework"].value == "transformers"
    assert taxonomy["Algorithm"].value == "TextGenerationPipeline"
    assert taxonomy["Hyperparameters"].value["n_layer"] == 2
    assert model.runtime_info.loader_values == {"task": "text-generation"}


def test_verify_answers_the_in_memory_generation(saved, generator):
    _, answer = saved
    assert answer == {"prediction": generator(**REQUEST)}


def test_round_trip_on_the_process_runtime_and_json_reaches_the_pipeline_unchanged(saved, generator):
    model, answer = saved
    with deployed(model, "process"):
        assert model.predict(REQUEST) == answer
        assert model.predict("the crane", auto_serialize_data=False) == {"prediction": generator("the crane")}


@pytest.mark.docker
@pytest.mark.timeout(IMAGE_BUILD_TIMEOUT)
def test_round_trip_in_docker(saved):
    model, answer = saved
    assert deployed_answer(model, "docker", REQUEST) == answer


def test_from_model_catalog_gives_a_pipeline_that_generates_the_same(saved, generator, tmp_path):
    model, answer = saved
    loaded = loaded_from_catalog(model, tmp_path / "loaded")
    assert isinstance(loaded, HuggingFacePipelineModel) and loaded.task == "text-generation"
    assert loaded.estimator(**REQUEST) == answer["prediction"]
    assert isinstance(GenericModel.from_model_artifact(loaded.artifact_dir), HuggingFacePipelineModel)


def test_a_pipeline_without_its_config_is_caught_by_introspection(generator, tmp_path):
    model = _prepared(generator, tmp_path / "broken")
    (tmp_path / "broken" / "config.json").unlink()  # the defect: save_pretrained's config lost
    result = model.introspect(sample=None)
    assert not result.passed
    failure = next(f for f in result.failures if f.key == "model_file")
    assert "the model files at the top of the artifact (.) does not load" in failure.message
