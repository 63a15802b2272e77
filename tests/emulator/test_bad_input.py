"""Bad input gets OCI's error shape and a 4xx, never a 500: malformed OCIDs and bodies (400),
unknown OCIDs (404), oversize metadata (400) and bodies (413), bad paging parameters."""
from __future__ import annotations

import json

import oci
import pytest
import requests

M = oci.data_science.models
UNKNOWN_MODEL = "ocid1.datasciencemodel.oc1.iad.amaaaaaadoesnotexist"


def _post(url: str, path: str, body: bytes | str, **headers: str) -> requests.Response:
    return requests.post(url + path, data=body, headers={"content-type": "application/json", **headers}, timeout=10)


def _assert_oci_error(response: requests.Response, status: int, code: str) -> None:
    assert response.status_code == status, response.text
    assert response.json()["code"] == code and response.json()["message"]
    assert response.headers["opc-request-id"]


@pytest.mark.parametrize("get", ["get_model", "get_project", "get_model_version_set", "get_model_deployment",
                                 "get_work_request"])
def test_malformed_ocid_is_400_for_every_resource(ds, service_error, get):
    error = service_error(lambda: getattr(ds, get)("not-an-ocid"))
    assert (error.status, error.code) == (400, "InvalidParameter")
    assert error.request_id


def test_unknown_ocid_is_404(ds, service_error):
    assert service_error(lambda: ds.head_model_artifact(UNKNOWN_MODEL)).status == 404  # HEAD: no body
    for call in (lambda: ds.get_model(UNKNOWN_MODEL), lambda: ds.get_model_artifact_content(UNKNOWN_MODEL),
                 lambda: ds.get_model_provenance(UNKNOWN_MODEL), lambda: ds.delete_model(UNKNOWN_MODEL),
                 lambda: ds.update_model(UNKNOWN_MODEL, M.UpdateModelDetails(display_name="x")),
                 lambda: ds.get_project("ocid1.datascienceproject.oc1.iad.nope"),
                 lambda: ds.get_model_version_set("ocid1.datasciencemodelversionset.oc1.iad.nope")):
        error = service_error(call)
        assert (error.status, error.code) == (404, "NotAuthorizedOrNotFound")


@pytest.mark.parametrize("body", ["{not json", "[]", "42", "", "\xff"])
def test_malformed_body_is_400(emulator, body):
    _assert_oci_error(_post(emulator.url, "/20190101/projects", body), 400, "InvalidParameter")


def test_missing_and_mistyped_fields_are_400(emulator, compartment, project):
    url = emulator.url
    _assert_oci_error(_post(url, "/20190101/models", json.dumps({"projectId": project.id})), 400, "InvalidParameter")
    _assert_oci_error(_post(url, "/20190101/models", json.dumps({"compartmentId": "nope", "projectId": project.id})),
                      400, "InvalidParameter")
    for field, value in (("displayName", 5), ("customMetadataList", "x"), ("customMetadataList", [{"value": "no key"}]),
                         ("inputSchema", "{broken"), ("freeformTags", {"k": 1}), ("versionLabel", 3)):
        body = {"compartmentId": compartment, "projectId": project.id, field: value}
        _assert_oci_error(_post(url, "/20190101/models", json.dumps(body)), 400, "InvalidParameter")


def test_oversize_metadata_is_400(make_model, service_error):
    huge = [M.Metadata(key=f"k{i}", value="v" * 15000) for i in range(3)]
    error = service_error(lambda: make_model(custom_metadata_list=huge))
    assert (error.status, error.code) == (400, "InvalidParameter")
    too_long = [M.Metadata(key="k", value="v" * 16001)]
    assert service_error(lambda: make_model(custom_metadata_list=too_long)).status == 400


def test_oversize_body_is_413(emulator):
    body = json.dumps({"description": "x" * (11 * 1024 * 1024)})
    _assert_oci_error(_post(emulator.url, "/20190101/projects", body), 413, "PayloadTooLarge")


def test_bad_paging_parameters_are_400(ds, compartment, service_error):
    for kwargs in ({"limit": 0}, {"limit": 5000}, {"page": "garbage!"}):
        error = service_error(lambda kw=kwargs: ds.list_models(compartment, **kw))
        assert (error.status, error.code) == (400, "InvalidParameter")
    raw = requests.get(f"{ds.base_client.endpoint}/models",
                       params={"compartmentId": compartment, "sortBy": "size", "lifecycleState": "ACTIVE"}, timeout=10)
    _assert_oci_error(raw, 400, "InvalidParameter")
    raw = requests.get(f"{ds.base_client.endpoint}/models", params={"compartmentId": compartment,
                                                                   "lifecycleState": "SLEEPING"}, timeout=10)
    _assert_oci_error(raw, 400, "InvalidParameter")
    _assert_oci_error(requests.get(f"{ds.base_client.endpoint}/models", timeout=10), 400, "InvalidParameter")


def test_unknown_paths_and_methods(emulator):
    _assert_oci_error(requests.get(emulator.url + "/20190101/nothing", timeout=10), 404, "NotAuthorizedOrNotFound")
    _assert_oci_error(requests.patch(emulator.url + "/20190101/models", timeout=10), 405, "MethodNotAllowed")


def test_bad_if_match_is_412_not_500(ds, make_model, service_error):
    model = make_model()
    error = service_error(lambda: ds.deactivate_model(model.id, if_match="x" * 500))
    assert (error.status, error.code) == (412, "NoEtagMatch")


def test_garbage_never_gives_500(emulator, project, compartment):
    """Every write route, fed a handful of wrong bodies, answers 4xx in OCI's shape."""
    model_id = requests.post(emulator.url + "/20190101/models", timeout=10, json={
        "compartmentId": compartment, "projectId": project.id}).json()["id"]
    routes = [("POST", "/20190101/projects"), ("PUT", f"/20190101/projects/{project.id}"),
              ("POST", "/20190101/models"), ("PUT", f"/20190101/models/{model_id}"),
              ("POST", f"/20190101/models/{model_id}/provenance"), ("POST", "/20190101/modelVersionSets"),
              ("POST", f"/20190101/models/{model_id}/actions/exportArtifact"),
              ("POST", f"/20190101/models/{model_id}/actions/importArtifact"),
              ("POST", "/20180409/resources"), ("POST", "/n/ns/b"), ("POST", "/n/ns/b/bkt/u")]
    bodies = ["null", "[]", '{"compartmentId": 1}', '{"name": {}}', '{"artifactExportDetails": []}',
              '{"type": "Structured", "query": 5}', '{"customMetadataList": [null]}', '{"displayName": ""}']
    for method, path in routes:
        for body in bodies:
            response = requests.request(method, emulator.url + path, data=body, timeout=10,
                                        headers={"content-type": "application/json"})
            assert response.status_code < 500, (method, path, body, response.text)
            assert "code" in response.json() or response.ok


def test_lone_surrogate_in_a_json_string_is_400(emulator, compartment):
    body = '{"compartmentId": "%s", "displayName": "\\ud800"}' % compartment
    _assert_oci_error(_post(emulator.url, "/20190101/projects", body), 400, "InvalidParameter")


def test_json_nested_100000_levels_deep_is_400(emulator):
    deep = '{"compartmentId": ' + "[" * 100_000 + "]" * 100_000 + "}"
    _assert_oci_error(_post(emulator.url, "/20190101/projects", deep), 400, "InvalidParameter")


@pytest.mark.parametrize("path", ["/20190101/models", "/20190101/projects", "/20190101/modelVersionSets",
                                  "/20190101/workRequests", "/20190101/modelDeployments"])
@pytest.mark.parametrize("token", [str(10**30), str(-(10**30)), "9" * 5000, "1e400", '"\\ud800"'])
def test_page_token_decoding_to_a_huge_number_is_400(emulator, compartment, path, token):
    import base64

    raw = f'[{token}, "ocid1.x.oc1..y"]'.encode()
    page = base64.urlsafe_b64encode(raw).decode().rstrip("=")
    response = requests.get(emulator.url + path, params={"compartmentId": compartment, "page": page}, timeout=10)
    _assert_oci_error(response, 400, "InvalidParameter")


@pytest.mark.parametrize("page", ["9" * 5000, "-1", "\u0661", "1e3"])
def test_offset_page_tokens_that_are_not_ours_are_400(emulator, compartment, project, page):
    wr_id = requests.delete(f"{emulator.url}/20190101/projects/{project.id}", timeout=10).headers["opc-work-request-id"]
    for method, path, body in (("GET", f"/20190101/workRequests/{wr_id}/logs", None),
                               ("GET", f"/20190101/workRequests/{wr_id}/errors", None),
                               ("POST", "/20180409/resources", '{"type": "FreeText", "text": "x"}')):
        response = requests.request(method, emulator.url + path, params={"page": page}, data=body, timeout=10,
                                    headers={"content-type": "application/json"})
        _assert_oci_error(response, 400, "InvalidParameter")


@pytest.mark.parametrize("limit", ["9" * 5000, "\u0661", "-5", "x"])
def test_limits_that_are_not_small_integers_are_400(emulator, compartment, limit):
    for method, path, body in (("GET", "/20190101/models", None), ("GET", "/n/ns/b/nothere/o", None),
                               ("POST", "/20180409/resources", '{"type": "FreeText", "text": "x"}'),
                               ("POST", "/20190909/search", '{"searchQuery": "x"}')):
        response = requests.request(method, emulator.url + path, data=body, timeout=10,
                                    params={"compartmentId": compartment, "limit": limit},
                                    headers={"content-type": "application/json"})
        assert response.status_code in (400, 404), (path, response.text)
        assert response.json()["code"] in ("InvalidParameter", "BucketNotFound")
