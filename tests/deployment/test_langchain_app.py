"""A LangChain application deployed as ADS deploys one: GenericModel artifact, modules with
invoke(), requests {"inputs", "module"}, answers {"outputs", "error", "traceback", "id"}."""
from __future__ import annotations

import textwrap
from importlib import metadata

import pytest

from toolkit.deployment import deploy_model
from toolkit.llm_app import prepare_langchain_app

CHAIN = '''
from langchain_core.prompts import PromptTemplate
from langchain_core.runnables import RunnableLambda

chain = PromptTemplate.from_template("Tell me about {topic}") | RunnableLambda(lambda p: p.to_string().upper())

def invoke(inputs):
    return chain.invoke({"topic": inputs})
'''
BROKEN = '''
def invoke(inputs):
    return 1 / 0
'''


@pytest.fixture(scope="module")
def app_model(tmp_path_factory):
    src = tmp_path_factory.mktemp("app-src")
    (src / "chain.py").write_text(textwrap.dedent(CHAIN))
    (src / "broken.py").write_text(textwrap.dedent(BROKEN))
    return prepare_langchain_app([src / "chain.py", src / "broken.py"], tmp_path_factory.mktemp("app") / "artifact",
                                 requirements=[f"langchain-core=={metadata.version('langchain-core')}"],
                                 force_overwrite=True)


def test_a_langchain_app_verifies_deploys_and_answers_in_adss_shape(app_model, emulator):
    assert app_model.verify({"inputs": "the harbour", "module": "chain.py"})["outputs"] == "TELL ME ABOUT THE HARBOUR"
    app_model.save(display_name="langchain-app", ignore_introspection=True)
    deployment = deploy_model(app_model, display_name="langchain-app", runtime="process")
    try:
        answer = deployment.predict(json_input={"inputs": "the harbour", "module": "chain.py"})
        assert answer["outputs"] == "TELL ME ABOUT THE HARBOUR" and answer["error"] is None
        assert answer["traceback"] is None and len(answer["id"]) == 32
        failed = deployment.predict(json_input={"inputs": "x", "module": "broken.py"})
        assert failed["outputs"] is None and failed["error"] == "ZeroDivisionError: division by zero"
        assert "1 / 0" in failed["traceback"]
        unknown = deployment.predict(json_input={"inputs": "x", "module": "nope.py"})
        assert "broken.py" in unknown["error"] and "chain.py" in unknown["error"]
        assert "module" in deployment.predict(json_input={"inputs": "x"})["error"]  # two modules: name one
    finally:
        deployment.delete()


def test_a_module_without_invoke_is_refused_before_anything_is_written(tmp_path):
    (tmp_path / "nothing.py").write_text("x = 1\n")
    with pytest.raises(ValueError, match="invoke"):
        prepare_langchain_app([tmp_path / "nothing.py"], tmp_path / "artifact")
    assert not (tmp_path / "artifact").exists()
