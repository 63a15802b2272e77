"""The CPU LLM stand-in as a bring-your-own-container image (dockyard/llm:cpu, built offline from the
base image), deployed in Docker with ADS's offline TGI spec and reached through the gateway."""
from __future__ import annotations

import pytest

from tests.llm.conftest import TINY_MODEL
from toolkit.deployment import deploy_model
from toolkit.llm import TGI_OFFLINE_ENV, openai_client, save_zipped_model

pytestmark = [pytest.mark.docker, pytest.mark.slow, pytest.mark.timeout(1800)]
TAG = "dockyard/llm:cpu"


@pytest.fixture(scope="module")
def llm_image() -> str:
    from emulator.image.llm import build_image

    build_image(tag=TAG, log=lambda line: None)  # an image built from the same recipe is reused
    return TAG


def test_the_llm_image_deploys_in_docker_answers_tgi_and_streams_openai_chat(llm_image, emulator):
    model_id = save_zipped_model(TINY_MODEL, "tiny-gpt2-docker")
    deployment = deploy_model(model_id, display_name="tiny-llm-docker", runtime="docker", deployment_image=llm_image,
                              server_port=8080, health_check_port=8080, environment_variables=TGI_OFFLINE_ENV)
    try:
        assert deployment.lifecycle_state == "ACTIVE"
        answer = deployment.predict(json_input={"inputs": "The harbour", "parameters": {"max_new_tokens": 6}})
        assert set(answer) == {"generated_text"} and answer["generated_text"]
        client = openai_client(deployment)
        pieces = [c.choices[0].delta.content for c in client.chat.completions.create(
            model="odsc-llm", messages=[{"role": "user", "content": "hello"}], max_tokens=6, temperature=0,
            stream=True) if c.choices and c.choices[0].delta.content]
        assert len(pieces) > 1
    finally:
        deployment.delete()
