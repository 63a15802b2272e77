"""The console's pages over HTTP, as a browser without JavaScript sees them: a real emulator on
127.0.0.1, records made through the oci SDK, deployments on the process runtime."""
from __future__ import annotations

import html
import json
import re
import zipfile
from pathlib import Path

import pytest
import requests

from tests.console.conftest import Catalog, metadata, zip_of
from tests.deployment.artifacts import BROKEN_LOAD_SCORE, ECHO_SCORE, write_artifact
from toolkit.catalog.errors import WorkRequestFailedError
from toolkit.deployment import deploy_model

SCHEMA = {"version": "1.1", "schema": [
    {"name": "age", "dtype": "int64", "feature_type": "Integer", "required": True, "order": 0,
     "domain": {"values": "Integer", "stats": {"min": 18.0, "50%": 41.0, "max": 90.0}, "constraints": []}},
    {"name": "city", "dtype": "object", "feature_type": "String", "required": False, "order": 1,
     "domain": {"values": "String", "stats": {"top": "Austin", "unique": 3}, "constraints": []}},
]}
TEST_RESULTS = {
    "score_py": {"category": "Mandatory Files Check", "description": "score.py exists", "error_msg": "", "success": True},
    "score_predict_arg": {"category": "score.py", "description": "args have defaults",
                          "error_msg": "predict() arguments without a default: model", "success": False},
}


@pytest.fixture(scope="module")
def seeded(console_emulator, catalog: Catalog, tmp_path_factory) -> dict[str, str]:
    """A project with a version set, a described echo model deployed on the process runtime, and a
    model whose deployment FAILED."""
    project = catalog.project("churn")
    version_set = catalog.version_set(project, "churn-models")
    artifact_dir = write_artifact(tmp_path_factory.mktemp("echo"), ECHO_SCORE, schema=SCHEMA)
    (artifact_dir / "model.bin").write_bytes(b"\x00\x01binary\x00")
    files = {p.name: p.read_bytes() for p in artifact_dir.iterdir()}
    echo = catalog.model(
        project, "echo-model", zip_of(files), model_version_set_id=version_set, version_label="v1",
        input_schema=json.dumps(SCHEMA),
        defined_metadata_list=[metadata("Framework", "scikit-learn"), metadata("UseCaseType", "regression"),
                               metadata("Hyperparameters", {"alpha": 0.5}), metadata("ArtifactTestResults", TEST_RESULTS)],
        custom_metadata_list=[metadata("SlugName", "generalml_p311_cpu_x86_64_v1", category="Training Environment",
                                       description="the conda pack")])
    from oci.data_science.models import CreateModelProvenanceDetails

    catalog.ds.create_model_provenance(echo, CreateModelProvenanceDetails(
        repository_url="https://git.example/churn.git", git_branch="main", git_commit="abc1234",
        training_script="train.py"))
    second = catalog.model(project, "echo-model-2", zip_of({"score.py": ECHO_SCORE}), model_version_set_id=version_set,
                           version_label="v2")
    broken = catalog.model(project, "broken-model", zip_of({"score.py": BROKEN_LOAD_SCORE, "runtime.yaml": "x: 1\n"}))
    with console_emulator.activate():
        deployment = deploy_model(echo, display_name="echo-live", runtime="process")
        with pytest.raises(WorkRequestFailedError, match="weights missing"):
            deploy_model(broken, display_name="broken-live", runtime="process")
    failed = [d for d in catalog.ds.list_model_deployments(catalog.compartment).data if d.display_name == "broken-live"][0]
    return {"project": project, "version_set": version_set, "echo": echo, "second": second, "broken": broken,
            "deployment": deployment.id, "failed": failed.id}


def page(session: requests.Session, emulator, path: str, status: int = 200, **kwargs) -> str:
    response = session.get(emulator.url + path, **kwargs)
    assert response.status_code == status, response.text[:2000]
    assert response.headers["content-type"].startswith("text/html")
    return html.unescape(response.text)


def csrf(text: str) -> str:
    return re.search(r'name="csrf_token" value="([0-9a-f]+)"', text).group(1)


def test_projects_page_lists_projects_and_links_to_their_models(browser_session, console_emulator, seeded):
    text = page(browser_session, console_emulator, "/console/projects")
    assert "churn" in text
    assert f"/console/models?projectId={seeded['project']}" in text
    assert browser_session.get(console_emulator.url + "/console", allow_redirects=False).status_code == 302


def test_models_table_shows_state_version_set_label_framework_use_case_and_creator(browser_session, console_emulator, seeded):
    text = page(browser_session, console_emulator, f"/console/models?projectId={seeded['project']}")
    row = re.search(r"<tr>\s*<td><a href=\"/console/models/" + re.escape(seeded["echo"]) + r"\">echo-model</a>.*?</tr>",
                    text, re.S).group(0)
    for shown in ("ACTIVE", "churn-models", "v1", "scikit-learn", "regression", "UTC", "ocid1.user"):
        assert shown in row
    assert "broken-model" in text and "echo-model-2" in text


def test_models_filter_by_name_prefix_state_version_set_and_label(browser_session, console_emulator, seeded):
    base = f"/console/models?projectId={seeded['project']}"
    by_name = page(browser_session, console_emulator, base + "&name=echo")
    assert "echo-model" in by_name and "echo-model-2" in by_name and "broken-model" not in by_name
    by_label = page(browser_session, console_emulator, base + "&versionSet=churn-models&label=v2")
    assert "echo-model-2" in by_label and ">echo-model<" not in by_label
    assert "No models match" in page(browser_session, console_emulator, base + "&state=INACTIVE")
    assert "state must be one of" in page(browser_session, console_emulator, base + "&state=BOGUS", status=400)


def test_models_page_through_thousands_of_models_by_keyset(browser_session, console_emulator, catalog):
    """2 500 models in one compartment, walked 200 at a time through the Next links: each exactly once."""
    from emulator.wire import now

    compartment = "ocid1.compartment.oc1..consolepaging"
    records = [{"id": f"ocid1.datasciencemodel.oc1.iad.paging{i:05d}", "compartmentId": compartment,
                "projectId": "ocid1.datascienceproject.oc1.iad.paging", "displayName": f"bulk-{i:05d}",
                "lifecycleState": "ACTIVE", "timeCreated": now(), "createdBy": "ocid1.user.oc1..bulk"}
               for i in range(2500)]
    console_emulator.state.db.insert_many("model", records)
    seen: list[str] = []
    path = f"/console/models?compartmentId={compartment}&limit=200&sort=displayName&order=ASC"
    while path:
        text = page(browser_session, console_emulator, path)
        seen += re.findall(r">(bulk-\d{5})</a>", text)
        nxt = re.search(r'<a rel="next" href="([^"]+)"', text)
        path = html.unescape(nxt.group(1)) if nxt else None
    assert seen == sorted(r["displayName"] for r in records)
    assert "Page 13" in text


def test_model_page_shows_metadata_provenance_and_schemas(browser_session, console_emulator, seeded):
    text = page(browser_session, console_emulator, f"/console/models/{seeded['echo']}")
    assert "scikit-learn" in text and '"alpha": 0.5' in text  # taxonomy, JSON pretty-printed
    assert "generalml_p311_cpu_x86_64_v1" in text and "Training Environment" in text  # custom
    assert "https://git.example/churn.git" in text and "abc1234" in text and "train.py" in text  # provenance
    schema = re.search(r"<table class=\"grid schema\">.*?</table>", text, re.S).group(0)
    assert re.search(r"<td>age</td><td>int64</td><td>Integer</td>\s*<td>yes</td><td class=\"small\">min 18, 50% 41, max 90",
                     schema)
    assert "<td>city</td><td>object</td><td>String</td>" in schema
    assert "No output schema" in text
    assert "churn-models</a>, version 1" in text and "v1" in text
    assert "echo-live" in text  # the deployment that uses it


def test_model_page_shows_introspection_results_with_the_fix_hint(browser_session, console_emulator, seeded):
    from emulator.contracts.artifact_tests import HINTS

    text = page(browser_session, console_emulator, f"/console/models/{seeded['echo']}")
    assert "1 of 2 checks failed" in text
    assert "predict() arguments without a default: model" in text
    assert "Hint: " + HINTS["score_predict_arg"] in text
    assert "No ArtifactTestResults recorded" in page(browser_session, console_emulator, f"/console/models/{seeded['second']}")


def test_model_page_lists_the_artifact_files_and_shows_score_py(browser_session, console_emulator, seeded):
    text = page(browser_session, console_emulator, f"/console/models/{seeded['echo']}")
    for name in ("score.py", "runtime.yaml", "input_schema.json", "model.bin"):
        assert f"/console/models/{seeded['echo']}/file?name={name}" in text
    assert "def predict(data, model=load_model()):" in re.search(r'<pre class="code" id="score">(.*?)</pre>', text, re.S).group(1)


def test_artifact_download_streams_the_stored_zip_as_an_attachment(console_emulator, seeded, catalog):
    response = requests.get(f"{console_emulator.url}/console/models/{seeded['echo']}/artifact")
    assert response.status_code == 200
    assert response.content == catalog.ds.get_model_artifact_content(seeded["echo"]).data.content
    assert response.headers["content-disposition"] == f'attachment; filename="{seeded["echo"]}.zip"'
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["content-type"] == "application/octet-stream"


def test_a_file_is_shown_up_to_a_cap_and_a_zip_bomb_costs_no_more(browser_session, console_emulator, catalog, seeded):
    from emulator.console.artifact_files import MAX_SHOWN_BYTES

    bomb = zip_of({"score.py": ECHO_SCORE, "big.txt": "a" * (64 * 1024 * 1024)})  # 64 MiB, ~65 KiB zipped
    model = catalog.model(seeded["project"], "bomb", bomb)
    text = page(browser_session, console_emulator, f"/console/models/{model}/file?name=big.txt")
    assert f"Shown up to the first {MAX_SHOWN_BYTES} characters" in text
    assert "67108864 bytes" in text
    binary = page(browser_session, console_emulator, f"/console/models/{seeded['echo']}/file?name=model.bin")
    assert "A binary file" in binary and "binary\x00" not in binary
    missing = page(browser_session, console_emulator, f"/console/models/{seeded['echo']}/file?name=../../etc/passwd", 404)
    assert "NotAuthorizedOrNotFound" in missing


def test_an_artifact_that_is_not_a_zip_is_described_not_dumped(browser_session, console_emulator, catalog, seeded):
    model = catalog.model(seeded["project"], "by-reference", b'{"models": [{"bucketName": "b", "namespace": "n"}]}')
    text = page(browser_session, console_emulator, f"/console/models/{model}")
    assert "not a zip archive" in text and "No score.py" in text


def test_unknown_and_malformed_ids_get_error_pages_with_the_oci_code(browser_session, console_emulator, seeded):
    unknown = seeded["echo"][:-4] + "zzzz"
    assert "NotAuthorizedOrNotFound" in page(browser_session, console_emulator, f"/console/models/{unknown}", 404)
    assert "InvalidParameter" in page(browser_session, console_emulator, "/console/models/not-an-ocid", 400)
    assert "InvalidParameter" in page(browser_session, console_emulator, "/console/models?page=forged!!", 400)
    assert "NotAuthorizedOrNotFound" in page(browser_session, console_emulator, f"/console/deployments/{unknown}", 404)


def test_version_set_page_lists_its_models_with_version_ids_and_labels(browser_session, console_emulator, seeded):
    assert "churn-models" in page(browser_session, console_emulator, "/console/version-sets")
    text = page(browser_session, console_emulator, f"/console/version-sets/{seeded['version_set']}")
    rows = re.findall(r"<tr><td>(\d+)</td><td><span class=\"label\">(\w+)</span></td>\s*<td><a [^>]+>([\w-]+)</a>", text)
    assert rows == [("1", "v1", "echo-model"), ("2", "v2", "echo-model-2")]


def test_deployment_page_shows_state_url_runtime_instances_and_log(browser_session, console_emulator, seeded, catalog):
    listing = page(browser_session, console_emulator, "/console/deployments")
    assert "echo-live" in listing and "broken-live" in listing
    text = page(browser_session, console_emulator, f"/console/deployments/{seeded['deployment']}")
    assert 'state-active">ACTIVE' in text
    url = catalog.ds.get_model_deployment(seeded["deployment"]).data.model_deployment_url  # the endpoint's port
    assert url.endswith(f"/{seeded['deployment']}") and url in text
    assert "process" in text and "1 of 1 running" in text and "VM.Standard.E4.Flex" in text
    assert "model loaded" in re.search(r'<pre class="log" id="log">(.*?)</pre>', text, re.S).group(1)
    live = page(browser_session, console_emulator, f"/console/deployments/{seeded['deployment']}/live")
    assert live.lstrip().startswith('<div id="live"') and "ACTIVE" in live


def test_test_predict_form_is_prefilled_from_the_input_schema_and_shows_the_answer(browser_session, console_emulator, seeded):
    url = f"/console/deployments/{seeded['deployment']}"
    text = page(browser_session, console_emulator, url)
    body = re.search(r'<textarea id="body" name="body"[^>]*>(.*?)</textarea>', text, re.S).group(1)
    assert json.loads(body) == [{"age": 41, "city": "Austin"}]
    response = browser_session.post(console_emulator.url + url + "/predict",
                                    data={"csrf_token": csrf(text), "body": json.dumps([1, 2, 3])})
    assert response.status_code == 200
    answer = html.unescape(re.search(r'<pre class="code" id="answer">(.*?)</pre>', response.text, re.S).group(1))
    assert json.loads(answer) == {"prediction": [2, 4, 6]}
    assert ">200<" in response.text
    assert "POST /predict 200" in page(browser_session, console_emulator, url + "/live")  # the gateway's access log

    not_json = browser_session.post(console_emulator.url + url + "/predict", data={"csrf_token": csrf(text), "body": "{"})
    assert "The request body is not JSON" in html.unescape(not_json.text) and "{</textarea>" in not_json.text
    failing = browser_session.post(console_emulator.url + url + "/predict",
                                   data={"csrf_token": csrf(text), "body": json.dumps({"boom": True})})
    assert "code-5xx" in failing.text and "boom requested" in html.unescape(failing.text)


def test_a_form_without_its_csrf_token_or_from_another_site_is_refused(browser_session, console_emulator, seeded):
    url = f"{console_emulator.url}/console/deployments/{seeded['deployment']}"
    text = page(browser_session, console_emulator, url[len(console_emulator.url):])
    assert browser_session.post(url + "/predict", data={"body": "[1]"}).status_code == 403
    assert browser_session.post(url + "/predict", data={"body": "[1]", "csrf_token": "0" * 64}).status_code == 403
    assert requests.post(url + "/predict", data={"body": "[1]", "csrf_token": csrf(text)}).status_code == 403  # no cookie
    cross_site = browser_session.post(url + "/deactivate", data={"csrf_token": csrf(text)},
                                      headers={"Origin": "http://evil.example"})
    assert cross_site.status_code == 403 and "Cross-site request refused" in cross_site.text
    assert 'state-active">ACTIVE' in page(browser_session, console_emulator, url[len(console_emulator.url):])


def test_deactivate_and_activate_from_the_console_run_as_work_requests(browser_session, console_emulator, seeded, catalog):
    url = f"/console/deployments/{seeded['deployment']}"
    text = page(browser_session, console_emulator, url)
    done = browser_session.post(console_emulator.url + url + "/deactivate", data={"csrf_token": csrf(text)})
    assert done.status_code == 200 and done.url.endswith(url)  # 303 back to the page
    _wait_state(catalog, seeded["deployment"], "INACTIVE")
    text = page(browser_session, console_emulator, url)
    refused = browser_session.post(console_emulator.url + url + "/predict", data={"csrf_token": csrf(text), "body": "[1]"})
    assert "IncorrectState" in refused.text and "not ACTIVE" in refused.text
    again = browser_session.post(console_emulator.url + url + "/deactivate", data={"csrf_token": csrf(text)})
    assert "IncorrectState" in html.unescape(again.text)  # shown on the page, not a JSON error
    browser_session.post(console_emulator.url + url + "/activate", data={"csrf_token": csrf(text)})
    _wait_state(catalog, seeded["deployment"], "ACTIVE")
    operations = page(browser_session, console_emulator, url)
    assert "MODEL_DEPLOYMENT_DEACTIVATE" in operations and "MODEL_DEPLOYMENT_ACTIVATE" in operations


def test_a_failed_deployment_shows_its_reason_and_last_log_lines(browser_session, console_emulator, seeded):
    text = page(browser_session, console_emulator, f"/console/deployments/{seeded['failed']}")
    failure = re.search(r'<div class="failure" id="failure">(.*?)</div>', text, re.S).group(1)
    assert "Failed:" in failure and "weights missing" in failure
    assert "Last log lines:" in failure
    assert "Activate" in text  # what to do next
    assert "ModelDeploymentFailed" in text  # the work request's error


def test_work_requests_page_shows_status_and_errors(browser_session, console_emulator, seeded):
    listing = page(browser_session, console_emulator, "/console/work-requests?status=FAILED")
    assert "MODEL_DEPLOYMENT_CREATE" in listing and "SUCCEEDED" not in listing.split("<tbody>")[1]
    wr_id = re.search(r'href="/console/work-requests/([^"]+)"', listing).group(1)
    detail = page(browser_session, console_emulator, f"/console/work-requests/{wr_id}")
    assert "ModelDeploymentFailed" in detail and "weights missing" in detail
    assert f"/console/deployments/{seeded['failed']}" in detail


def test_the_console_answers_only_to_loopback_names_while_bound_to_loopback(console_emulator, seeded):
    """A page on another site that rebinds its name to 127.0.0.1 must not read the catalog."""
    rebound = requests.get(console_emulator.url + "/console/projects", headers={"Host": "attacker.example"})
    assert rebound.status_code == 403 and "churn" not in rebound.text
    for host in ("localhost", "127.0.0.1", "[::1]"):
        port = console_emulator.url.rsplit(":", 1)[1]
        assert requests.get(console_emulator.url + "/console/projects", headers={"Host": f"{host}:{port}"}).ok


def test_pages_cannot_be_framed_sniffed_or_cached(console_emulator, seeded):
    response = requests.get(console_emulator.url + "/console/projects")
    assert "frame-ancestors 'none'" in response.headers["content-security-policy"]
    assert response.headers["x-frame-options"] == "DENY"
    assert response.headers["cache-control"] == "no-store"
    assert response.headers["referrer-policy"] == "no-referrer"


def test_the_static_files_are_served_with_the_package(console_emulator):
    css = requests.get(console_emulator.url + "/console/static/console.css")
    assert css.ok and "table.grid" in css.text
    package = Path(__import__("emulator.console", fromlist=["x"]).__file__).parent
    assert (package / "static" / "console.js").is_file()


def _wait_state(catalog: Catalog, deployment_id: str, state: str, timeout: float = 60) -> None:
    import time

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if catalog.ds.get_model_deployment(deployment_id).data.lifecycle_state == state:
            return
        time.sleep(0.2)
    raise AssertionError(f"{deployment_id} did not become {state}")


def test_zip_member_reader_units(tmp_path):
    from emulator.console import artifact_files

    path = tmp_path / "a.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("top/score.py", "x = 'é'\n" * 10)
        archive.writestr("top/", "")
    listing = artifact_files.list_members(path)
    assert artifact_files.score_member(listing) == "top/score.py"
    cut = artifact_files.read_text(path, "top/score.py", limit=6)  # the cap cuts 'é' in half
    assert cut.truncated and cut.text == "x = '"
    with pytest.raises(artifact_files.MemberNotFound):
        artifact_files.read_text(path, "top/")


def test_an_archived_artifact_is_neither_listed_shown_nor_downloaded(browser_session, console_emulator, catalog, seeded):
    from oci.data_science.models import RetentionSetting

    model = catalog.model(seeded["project"], "archived", zip_of({"score.py": ECHO_SCORE}),
                          retention_setting=RetentionSetting(archive_after_days=0))
    text = page(browser_session, console_emulator, f"/console/models/{model}")
    assert "The artifact is archived" in text and f"/console/models/{model}/file?name=score.py" not in text
    assert "IncorrectState" in page(browser_session, console_emulator, f"/console/models/{model}/file?name=score.py", 409)
    assert requests.get(f"{console_emulator.url}/console/models/{model}/artifact").status_code == 409
