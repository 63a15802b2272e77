"""Run by tests/deployment/test_llm_clients.py with the ADS venv's Python (oracle-ads,
langchain-community, langchain-openai, langchain-oci; pins that clash with the project's): real
LangChain and ADS calls against a deployment, printed as one JSON document. The community classes and
langchain-oci's (their maintained successor) go through the same calls, under their own keys.

    python langchain_and_ads.py CONFIG_JSON DEPLOYMENT_URL API_URL DEPLOYMENT_OCID
"""
import json
import sys
import time

import oci


def main() -> None:
    config, url, api, deployment_id = json.loads(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
    signer = oci.signer.Signer(tenancy=config["tenancy"], user=config["user"], fingerprint=config["fingerprint"],
                               private_key_file_location=config["key_file"])
    auth = {"signer": signer, "config": config, "client_kwargs": {"service_endpoint": api}}
    out = {}

    from langchain_community.chat_models import ChatOCIModelDeployment
    from langchain_community.llms import OCIModelDeploymentLLM

    out.update(_llm_and_chat(OCIModelDeploymentLLM, ChatOCIModelDeployment, url, auth))

    import langchain_oci

    out["langchain_oci"] = _llm_and_chat(langchain_oci.OCIModelDeploymentLLM, langchain_oci.ChatOCIModelDeployment,
                                         url, auth)

    import ads
    from ads.model.deployment import ModelDeployment

    ads.set_auth(auth="api_key", config=config, client_kwargs={"service_endpoint": api})
    deployment = ModelDeployment.from_id(deployment_id)
    out["ads_predict"] = deployment.predict(json_input={"inputs": "The harbour", "parameters": {"max_new_tokens": 8}})
    print(json.dumps(out))


def _llm_and_chat(llm_class, chat_class, url: str, auth: dict) -> dict:
    """Invoke and stream one package's model deployment LLM and chat classes."""
    out = {}
    sampling = {"max_tokens": 8, "temperature": 0}  # langchain-oci's LLM has no fields for them: model_kwargs
    llm = llm_class(endpoint=f"{url}/predict", model="odsc-llm", auth=auth, model_kwargs=sampling)
    out["llm_invoke"] = llm.invoke("The harbour")
    started, first, chunks = time.perf_counter(), None, []
    for chunk in llm.stream("The harbour"):
        first = first or time.perf_counter() - started
        chunks.append(chunk)
    out["llm_stream"], out["llm_first_token_ms"] = chunks, first * 1000

    chat = chat_class(endpoint=f"{url}/predict", model="odsc-llm", auth=auth, model_kwargs=sampling)
    out["chat_invoke"] = chat.invoke("Tell me about the harbour").content
    out["chat_stream"] = [c.content for c in chat.stream("Tell me about the harbour")]
    return out


if __name__ == "__main__":
    main()
