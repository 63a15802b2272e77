"""The container-runtime YAML spec of ADS's docs deploys with ``dockyard deploy -f`` (real Docker).

ADS_DOCS_SPEC is the YAML of ADS's "Deploy Model with Container Runtime" page
(docs/source/user_guide/model_registration/model_deploy_byoc.rst, "Deploy Using ModelDeployment
Class", YAML tab) as published; the test fills in its <placeholders> — the project and compartment,
log and subnet OCIDs, an artifact folder with the page's api.py, a bucket, and an image built here
(the page's image is in a registry this machine cannot reach) — and changes nothing else.
"""
from __future__ import annotations

import io
import tarfile
import textwrap
import uuid
import warnings
from collections.abc import Iterator
from pathlib import Path

import oci
import pytest
import yaml
from click.testing import CliRunner

from tests.deployment import helpers
from toolkit import ModelDeployment, profiles
from toolkit.catalog.session import connect
from toolkit.cli import cli

pytestmark = pytest.mark.docker

ADS_DOCS_SPEC = """
    kind: deployment
    spec:
      displayName: Model Deployment Demo using ADS
      description: The model deployment description
      freeform_tags:
        key1: value1
      infrastructure:
        kind: infrastructure
        type: datascienceModelDeployment
        spec:
          compartmentId: <COMPARTMENT_OCID>
          projectId: <PROJECT_OCID>
          accessLog:
            logGroupId: <ACCESS_LOG_GROUP_OCID>
            logId: <ACCESS_LOG_OCID>
          predictLog:
            logGroupId: <PREDICT_LOG_GROUP_OCID>
            logId: <PREDICT_LOG_OCID>
          shapeName: VM.Standard.E4.Flex
          shapeConfigDetails:
            memoryInGBs: 16
            ocpus: 1
          replica: 1
          bandWidthMbps: 10
          webConcurrency: 10
          subnetId: <SUBNET_OCID>
      runtime:
        kind: runtime
        type: container
        spec:
          modelUri: <path_to_artifact>
          image: iad.ocir.io/<namespace>/<image>:<tag>
          imageDigest: <IMAGE_DIGEST>
          entrypoint: ["python","/opt/ds/model/deployed_model/api.py"]
          serverPort: 5000
          healthCheckPort: 5000
          env:
            WEB_CONCURRENCY: "10"
          auth:
            auth_key: auth_value
          region: us-ashburn-1
          overwriteExistingArtifact: True
          removeExistingArtifact: True
          timeout: 100
          bucketUri: oci://<bucket>@<namespace>/<prefix>
          deploymentMode: HTTPS_ONLY
"""

API_PY = '''
import json, os
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

class Handler(BaseHTTPRequestHandler):
    def do_GET(self):
        self._send({"status": "ok"} if self.path == "/health" else {"error": self.path}, 200 if self.path == "/health" else 404)
    def do_POST(self):
        body = json.loads(self.rfile.read(int(self.headers["content-length"])))
        self._send({"prediction": [sum(row) for row in body["data"]],
                    "web_concurrency": os.environ.get("WEB_CONCURRENCY")}, 200)
    def _send(self, body, status):
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

ThreadingHTTPServer(("0.0.0.0", 5000), Handler).serve_forever()
'''


@pytest.fixture(scope="module")
def image_with_python() -> Iterator[tuple[str, str]]:
    """(tag, image id) of the base image with a `python` command, as the page's entrypoint expects."""
    import docker

    from toolkit import settings

    dockerfile = f"FROM {settings.base_image()}\nRUN ln -sf /usr/bin/python3 /usr/local/bin/python\n"
    context = io.BytesIO()
    with tarfile.open(fileobj=context, mode="w") as tar:
        data = dockerfile.encode()
        info = tarfile.TarInfo("Dockerfile")
        info.size = len(data)
        tar.addfile(info, io.BytesIO(data))
    context.seek(0)
    tag = "dockyard-test/ads-docs-byoc:latest"
    # nocache: a cached layer can vanish mid-build when something else on the engine prunes images
    # ("unable to find image sha256:..."), and the one RUN step costs seconds.
    client = docker.from_env()
    image, _ = client.images.build(fileobj=context, custom_context=True, tag=tag, rm=True, nocache=True)
    yield tag, image.id
    try:
        client.images.remove(image.id, force=True)
    except docker.errors.APIError as exc:  # still in use by a container being removed: leave it
        warnings.warn(f"could not remove the test image {tag}: {exc}", stacklevel=1)


def _bucket() -> tuple[str, str]:
    storage = profiles.object_storage_client()
    namespace = storage.get_namespace().data
    name = f"docs-{uuid.uuid4().hex[:8]}"
    storage.create_bucket(namespace, oci.object_storage.models.CreateBucketDetails(
        name=name, compartment_id=profiles.resolve().compartment_id))
    return name, namespace


def test_the_yaml_of_adss_byoc_page_deploys_with_dockyard_deploy_f(emulator, tmp_path, image_with_python):
    tag, image_id = image_with_python
    artifact = helpers.pickle_artifact(tmp_path / "artifact")
    (artifact / "api.py").write_text(textwrap.dedent(API_PY))
    session = connect()
    compartment = session.compartment(None)
    bucket, namespace = _bucket()
    values = {
        "COMPARTMENT_OCID": compartment, "PROJECT_OCID": session.project(None, compartment),
        "ACCESS_LOG_GROUP_OCID": "ocid1.loggroup.oc1.iad.aaaaaaaaaccessgroup", "ACCESS_LOG_OCID": "ocid1.log.oc1.iad.aaaaaaaaaccess",
        "PREDICT_LOG_GROUP_OCID": "ocid1.loggroup.oc1.iad.aaaaaaaapredictgroup", "PREDICT_LOG_OCID": "ocid1.log.oc1.iad.aaaaaaaapredict",
        "SUBNET_OCID": "ocid1.subnet.oc1.iad.aaaaaaaasubnet", "path_to_artifact": str(artifact),
        "IMAGE_DIGEST": image_id, "bucket": bucket, "namespace": namespace, "prefix": "staging",
    }
    text = textwrap.dedent(ADS_DOCS_SPEC).replace("iad.ocir.io/<namespace>/<image>:<tag>", tag)
    for key, value in values.items():
        text = text.replace(f"<{key}>", value)
    spec = yaml.safe_load(text)
    spec["spec"]["runtime"]["spec"]["auth"] = "local"  # the page's placeholder dict; a profile name here
    path = tmp_path / "model_deployment.yaml"
    path.write_text(yaml.safe_dump(spec, sort_keys=False))

    result = CliRunner().invoke(cli, ["deploy", "-f", str(path), "--json"])
    assert result.exit_code == 0, result.output
    deployment = ModelDeployment.from_id(yaml.safe_load(result.output)["id"])
    assert deployment.lifecycle_state == "ACTIVE" and deployment.display_name == "Model Deployment Demo using ADS"
    assert deployment.predict(json_input={"data": [[1, 2], [3]]}) == {"prediction": [3, 3], "web_concurrency": "10"}

    record = deployment.record
    env = record.model_deployment_configuration_details.environment_configuration_details
    assert (env.image, env.image_digest, env.server_port, env.entrypoint) == \
        (tag, image_id, 5000, ["python", "/opt/ds/model/deployed_model/api.py"])
    instance = record.model_deployment_configuration_details.model_configuration_details.instance_configuration
    assert instance.subnet_id == values["SUBNET_OCID"] and record.freeform_tags["key1"] == "value1"
    assert record.category_log_details.predict.log_id == values["PREDICT_LOG_OCID"]
    storage = profiles.object_storage_client()
    assert storage.list_objects(namespace, bucket).data.objects == []  # removeExistingArtifact: True
    deployment.delete()
