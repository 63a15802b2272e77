// The OCI TypeScript/JavaScript SDK (oci-datascience, oci-common) through a model's whole life against
// an OCI Data Science endpoint: project, model, artifact, get/list/update, deployment (polled through its
// work request), a signed predict, then delete. Unmodified SDK code, as a Node user writes it.
//
//   node workflow.js <oci-config-file> <endpoint-url> <artifact.zip>
//
// Signs with the config's DEFAULT profile; works in its tenancy (the compartment). Prints one line
// `RESULT <json>` for tests/clients/test_node_sdk.py to check.
"use strict";

const crypto = require("crypto");
const fs = require("fs");
const common = require("oci-common");
const datascience = require("oci-datascience");

const POLL_MS = 200;
const DEPLOY_TIMEOUT_MS = 240000;

async function waitForWorkRequest(client, workRequestId) {
  const deadline = Date.now() + DEPLOY_TIMEOUT_MS;
  for (;;) {
    const { workRequest } = await client.getWorkRequest({ workRequestId });
    if (workRequest.status === "SUCCEEDED") return workRequest;
    if (["FAILED", "CANCELED"].includes(workRequest.status) || Date.now() > deadline) {
      throw new Error(`work request ${workRequestId} ended ${workRequest.status}`);
    }
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}

// POST <deployment url>/predict, signed by oci-common's request signer, as OCI's docs show for Node.
async function signedPredict(provider, deploymentUrl, payload) {
  const body = JSON.stringify(payload);
  const request = {
    method: "POST",
    uri: `${deploymentUrl}/predict`,
    headers: new Headers({ "content-type": "application/json", "content-length": String(Buffer.byteLength(body)) }),
    body,
  };
  await new common.DefaultRequestSigner(provider).signHttpRequest(request);
  const response = await fetch(request.uri, { method: request.method, headers: request.headers, body: request.body });
  const text = await response.text();
  if (!response.ok) throw new Error(`predict answered ${response.status}: ${text}`);
  return JSON.parse(text);
}

// The artifact as the SDK downloads it (a Node stream or a web ReadableStream), hashed.
async function sha256Of(body) {
  const hash = crypto.createHash("sha256");
  for await (const chunk of body) hash.update(chunk);
  return hash.digest("hex");
}

async function main([configFile, endpoint, artifactZip]) {
  const provider = new common.ConfigFileAuthenticationDetailsProvider(configFile, "DEFAULT");
  const client = new datascience.DataScienceClient({ authenticationDetailsProvider: provider });
  client.endpoint = endpoint;
  const compartmentId = provider.getTenantId();

  const { project } = await client.createProject({
    createProjectDetails: { compartmentId, displayName: "node-sdk" },
  });
  const { model } = await client.createModel({
    createModelDetails: {
      compartmentId, projectId: project.id, displayName: "node-model",
      customMetadataList: [{ key: "client", value: "oci-datascience", category: "Other" }],
    },
  });
  const artifact = fs.readFileSync(artifactZip);
  await client.createModelArtifact({
    modelId: model.id, modelArtifact: artifact, contentLength: artifact.length,
    contentDisposition: 'attachment; filename="artifact.zip"',
  });
  const head = await client.headModelArtifact({ modelId: model.id });

  const downloaded = await client.getModelArtifactContent({ modelId: model.id });
  const artifactSha256 = await sha256Of(downloaded.value);

  const got = await client.getModel({ modelId: model.id });
  const { model: sibling } = await client.createModel({
    createModelDetails: { compartmentId, projectId: project.id, displayName: "node-sibling" },
  });
  const listed = await client.listModels({ compartmentId, projectId: project.id, displayName: "node-model" });
  const pages = []; // one model a page: the SDK's iterator follows opc-next-page
  for await (const page of client.listModelsResponseIterator({ compartmentId, projectId: project.id, limit: 1 })) {
    pages.push(page.items.map((m) => m.displayName));
  }
  await client.deleteModel({ modelId: sibling.id });
  const updated = await client.updateModel({
    modelId: model.id, ifMatch: got.etag,
    updateModelDetails: { displayName: "node-model-renamed", freeformTags: { via: "node" } },
  });

  const created = await client.createModelDeployment({
    createModelDeploymentDetails: {
      compartmentId, projectId: project.id, displayName: "node-deployment",
      modelDeploymentConfigurationDetails: {
        deploymentType: "SINGLE_MODEL",
        modelConfigurationDetails: {
          modelId: model.id, instanceConfiguration: { instanceShapeName: "VM.Standard.E4.Flex" },
        },
      },
    },
  });
  const workRequest = await waitForWorkRequest(client, created.opcWorkRequestId);
  const { modelDeployment } = await client.getModelDeployment({ modelDeploymentId: created.modelDeployment.id });
  const prediction = await signedPredict(provider, modelDeployment.modelDeploymentUrl, { data: [1, 2, 3] });

  const deleting = await client.deleteModelDeployment({ modelDeploymentId: modelDeployment.id });
  await waitForWorkRequest(client, deleting.opcWorkRequestId);
  await client.deleteModel({ modelId: model.id });
  const { model: deletedModel } = await client.getModel({ modelId: model.id }).catch((error) => {
    if (error.statusCode === 404) return { model: { lifecycleState: "GONE" } };
    throw error;
  });
  await client.deleteProject({ projectId: project.id });

  const result = {
    projectId: project.id,
    modelId: model.id,
    artifactLength: Number(head.contentLength),
    artifactSha256,
    artifactEtag: downloaded.etag,
    gotState: got.model.lifecycleState,
    listedIds: listed.items.map((m) => m.id),
    pages,
    updatedName: updated.model.displayName,
    updatedTags: updated.model.freeformTags,
    customMetadata: updated.model.customMetadataList,
    workRequestStatus: workRequest.status,
    workRequestOperation: workRequest.operationType,
    deploymentId: modelDeployment.id,
    deploymentState: modelDeployment.lifecycleState,
    deploymentUrl: modelDeployment.modelDeploymentUrl,
    prediction,
    modelStateAfterDelete: deletedModel.lifecycleState,
  };
  client.close && client.close();
  console.log(`RESULT ${JSON.stringify(result)}`);
}

main(process.argv.slice(2)).catch((error) => {
  console.error(error && error.stack ? error.stack : error);
  if (error && error.serviceCode) console.error(JSON.stringify({ statusCode: error.statusCode, serviceCode: error.serviceCode, message: error.message }));
  process.exit(1);
});
