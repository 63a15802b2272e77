"""Property-based fuzzing of every route (read from the app's url_map): hypothesis generates path
values, query strings, headers and bodies (random JSON, the SDK models' own field names with wrong
and right values, raw bytes, deep nesting, lone surrogates, huge numbers) and sends them over HTTP
to a real emulator. No answer may be a 5xx, and every 4xx must be OCI's error shape.

Bounded: ``DOCKYARD_FUZZ_EXAMPLES`` examples per route (default 25: about a minute on 2 cores), and
the same number x 4 of signature headers against an emulator that enforces signing.

Reproducible: hypothesis is derandomised (its seed comes from the test's code, not the clock) and keeps
no example database, so every run sends the same requests and a failure recurs on a rerun; it prints the
failing request and a ``@reproduce_failure`` blob that replays it. ``test_totals`` runs a short pass of
its own over every route and prints its figures, so it proves the same alone or in any order:

    .venv/bin/python -m pytest tests/emulator/test_fuzz.py -q
"""
from __future__ import annotations

import json
import os
import re
import time
import uuid
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import oci
import pytest
import requests
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from emulator.config import EmulatorConfig
from tests.emulator_routes import Route, emulator_routes
from toolkit.api_keys import new_key_pair

EXAMPLES = int(os.environ.get("DOCKYARD_FUZZ_EXAMPLES", "25"))
NS = "dockyard"
# Deterministic: the same requests every run (no clock seed, no example database); a failure prints its blob.
REPRODUCIBLE = settings(deadline=None, database=None, derandomize=True, print_blob=True,
                        suppress_health_check=list(HealthCheck))
_VARIABLE = re.compile(r"<(?:(?P<converter>[a-z]+)(?:\((?P<args>[^)]*)\))?:)?(?P<name>\w+)>")


ROUTES = emulator_routes()

# ------------------------------------------------------------------------------------------------
# What the emulator holds before each route is fuzzed (fresh per route: deletes must not starve the rest)
# ------------------------------------------------------------------------------------------------


def _seed(url: str) -> dict[str, str]:
    compartment = f"ocid1.compartment.oc1..aaaa{uuid.uuid4().hex}"
    s = requests.Session()

    def call(method: str, path: str, body: Any = None, **params: str) -> requests.Response:
        data = json.dumps(body) if isinstance(body, (dict, list)) else body
        response = s.request(method, url + path, data=data, params=params, timeout=30,
                             headers={"content-type": "application/json"} if isinstance(body, dict) else {})
        assert response.status_code < 300, (method, path, response.text)
        return response

    ids = {"compartment": compartment, "bucket": f"fuzz-{uuid.uuid4().hex[:8]}"}
    ids["project"] = call("POST", "/20190101/projects", {"compartmentId": compartment}).json()["id"]
    spare = call("POST", "/20190101/projects", {"compartmentId": compartment}).json()["id"]
    ids["work_request"] = call("DELETE", f"/20190101/projects/{spare}").headers["opc-work-request-id"]
    ids["notebook_session"] = call("POST", "/20190101/notebookSessions", {
        "compartmentId": compartment, "projectId": ids["project"],
        "notebookSessionConfigDetails": {"shape": "VM.Standard.E4.Flex"}}).json()["id"]
    ids["version_set"] = call("POST", "/20190101/modelVersionSets", {
        "compartmentId": compartment, "projectId": ids["project"], "name": ids["bucket"]}).json()["id"]
    ids["model"] = call("POST", "/20190101/models", {
        "compartmentId": compartment, "projectId": ids["project"],
        "customMetadataList": [{"key": "readme", "value": "r"}]}).json()["id"]
    call("POST", f"/20190101/models/{ids['model']}/artifact", b"not a zip: deployments of it fail fast")
    call("POST", f"/20190101/models/{ids['model']}/customMetadata/readme/artifact", b"readme")
    call("POST", f"/20190101/models/{ids['model']}/provenance", {"gitBranch": "main"})
    ids["group"] = call("POST", "/20190101/modelGroups", {
        "createType": "CREATE", "compartmentId": compartment, "projectId": ids["project"],
        "modelGroupDetails": {"type": "HOMOGENEOUS"},
        "memberModelEntries": {"memberModelDetails": [{"modelId": ids["model"], "inferenceKey": "m"}]}}).json()["id"]
    ids["group_history"] = call("POST", "/20190101/modelGroupVersionHistory", {
        "compartmentId": compartment, "projectId": ids["project"]}).json()["id"]
    call("PUT", f"/n/{NS}/b/{ids['bucket']}/o/o.txt", b"object")
    ids["upload"] = call("POST", f"/n/{NS}/b/{ids['bucket']}/u", {"object": "mp"}).json()["uploadId"]
    ids["etag"] = call("PUT", f"/n/{NS}/b/{ids['bucket']}/u/mp", b"part", uploadId=ids["upload"],
                       uploadPartNum="1").headers["etag"]
    ids["deployment"] = call("POST", "/20190101/modelDeployments", {
        "compartmentId": compartment, "projectId": ids["project"], "modelDeploymentConfigurationDetails": {
            "deploymentType": "SINGLE_MODEL", "modelConfigurationDetails": {
                "modelId": ids["model"], "instanceConfiguration": {"instanceShapeName": "VM.Standard.E4.Flex"}}}}
    ).json()["id"]
    return ids


# ------------------------------------------------------------------------------------------------
# Strategies
# ------------------------------------------------------------------------------------------------

NASTY_TEXT = st.sampled_from([
    "", " ", "\x00", "\ud800", "\udfff", "é", "🙂", "%", "%2F", "..", "../..", "/", "//", "*", "'", '"', "\\",
    "9" * 5000, "-1", "0", "1e999", "NaN", "null", "true", "[]", "{}", "\u0661", "a" * 300, "ocid1.", "x\r\ny",
    "ocid1.datasciencemodel.oc1.iad.amaaaaaanotthere", "ocid1.compartment.oc1..aaaanothere",
])
TEXT = st.one_of(NASTY_TEXT, st.text(max_size=40))
JSON_SCALAR = st.one_of(st.none(), st.booleans(), st.integers(min_value=-(2**70), max_value=2**70),
                        st.floats(allow_nan=False, allow_infinity=False), TEXT)
JSON_VALUE = st.recursive(JSON_SCALAR, lambda children: st.one_of(
    st.lists(children, max_size=4), st.dictionaries(TEXT, children, max_size=4)), max_leaves=12)

FIELDS = sorted({name for module, classes in (
    (oci.data_science.models, ("CreateModelDetails", "UpdateModelDetails", "CreateProjectDetails",
                               "CreateModelVersionSetDetails", "CreateModelDeploymentDetails",
                               "UpdateModelDeploymentDetails", "ExportModelArtifactDetails",
                               "CreateNotebookSessionDetails", "NotebookSessionConfigDetails",
                               "ImportModelArtifactDetails", "CreateModelProvenanceDetails",
                               "CreateModelGroupDetails", "UpdateModelGroupDetails", "CloneModelGroupDetails",
                               "CreateModelGroupVersionHistoryDetails")),
    (oci.object_storage.models, ("CreateBucketDetails", "CreateMultipartUploadDetails", "CommitMultipartUploadDetails")),
    (oci.resource_search.models, ("StructuredSearchDetails", "FreeTextSearchDetails")),
    (oci.loggingsearch.models, ("SearchLogsDetails",)),
) for cls in classes for name in getattr(module, cls)().attribute_map.values()} | {
    "publicKey"})  # the body of the Dockyard-only resource-principal token route
SESSION_KEY = new_key_pair().public_pem  # a key that route accepts

QUERY_NAMES = ["compartmentId", "projectId", "id", "displayName", "lifecycleState", "limit", "page", "sortBy",
               "sortOrder", "modelVersionSetName", "versionLabel", "category", "createdBy", "name",
               "isDeleteRelatedModels", "uploadId", "uploadPartNum", "prefix", "start", "end", "startAfter",
               "delimiter", "resourceId", "operationType", "status", "fields"]


def known_values(ids: dict[str, str]) -> st.SearchStrategy:
    """Values that get further into the routes: real ids, real-looking structures, and junk."""
    return st.one_of(
        st.sampled_from(sorted(ids.values())),
        st.just(SESSION_KEY),
        JSON_VALUE,
        st.lists(st.fixed_dictionaries({"key": TEXT}, optional={"value": JSON_SCALAR, "category": TEXT,
                                                                "description": TEXT}), max_size=3),
        st.fixed_dictionaries({"deploymentType": st.sampled_from(["SINGLE_MODEL", "MODEL_GROUP", ""]),
                               "modelConfigurationDetails": st.one_of(JSON_VALUE, st.fixed_dictionaries({
                                   "modelId": st.sampled_from([ids["model"], "x"]),
                                   "instanceConfiguration": st.one_of(JSON_VALUE, st.fixed_dictionaries(
                                       {"instanceShapeName": TEXT})),
                                   "scalingPolicy": st.one_of(JSON_VALUE, st.fixed_dictionaries(
                                       {"policyType": TEXT, "instanceCount": JSON_SCALAR}))}))},
                              optional={"environmentConfigurationDetails": JSON_VALUE}),
        st.fixed_dictionaries({"artifactSourceType": st.sampled_from(["ORACLE_OBJECT_STORAGE", "X"]),
                               "namespace": st.sampled_from([NS, "other"]),
                               "sourceBucket": st.sampled_from([ids["bucket"], "nope"]),
                               "sourceObjectName": st.sampled_from(["o.txt", "missing"]),
                               "destinationBucket": st.sampled_from([ids["bucket"], "nope"]),
                               "destinationObjectName": TEXT}),
        st.lists(st.fixed_dictionaries({"partNum": JSON_SCALAR, "etag": st.sampled_from([ids["etag"], "x"])}),
                 max_size=3),
        st.sampled_from(["Structured", "FreeText", "query all resources",
                         f"query datasciencemodel resources where displayName = 'x' && identifier = '{ids['model']}'",
                         f"search \"{ids['compartment']}\" | where data.modeldeploymentid = '{ids['deployment']}'"]),
    )


def bodies(ids: dict[str, str]) -> st.SearchStrategy:
    """No body, the SDK models' fields with known values, random JSON, hostile JSON text, raw bytes."""
    hostile = [b"[" * 100_000 + b"]" * 100_000, b'{"displayName": "\\ud800"}', b'{"a": 1e999}', b'{"a": NaN}',
               b'{"a": ' + b"9" * 5000 + b"}", b"\xff\xfe", b'{"a": 1', b"null", b'"x"', b"{}" * 1000,
               b'{"compartmentId": "' + ids["compartment"].encode() + b'", "displayName": "\\udfff"}']
    return st.one_of(
        st.none(),
        st.dictionaries(st.sampled_from(FIELDS), known_values(ids), max_size=6).map(lambda d: json.dumps(d).encode()),
        JSON_VALUE.map(lambda v: json.dumps(v).encode()),
        st.sampled_from(hostile),
        st.binary(max_size=200),
    )


def _path_value(name: str, converter: str | None, args: str | None, by_name: dict[str, str]) -> st.SearchStrategy:
    known = ["o.txt", "mp", "a/b"] if name == "name" else (
        [a.strip() for a in args.split(",")] if converter == "any" else [by_name.get(name, "x")])
    safe = "/" if converter == "path" else ""
    return st.one_of(st.sampled_from(known), TEXT.filter(bool)).map(
        lambda v: quote(v.encode("utf-8", "surrogatepass"), safe=safe))


def requests_for(route: Route, ids: dict[str, str]) -> st.SearchStrategy:
    """(method, path, query string, headers, body) for ``route``; built once per route."""
    by_name = {"project_id": ids["project"], "model_id": ids["model"], "set_id": ids["version_set"],
               "work_request_id": ids["work_request"], "deployment_id": ids["deployment"],
               "notebook_session_id": ids["notebook_session"], "namespace": NS,
               "bucket": ids["bucket"], "key": "readme", "group_id": ids["group"],
               "history_id": ids["group_history"]}
    variables = list(_VARIABLE.finditer(route.rule))
    values = st.tuples(*[_path_value(m["name"], m["converter"], m["args"], by_name) for m in variables])

    def path(chosen: tuple[str, ...]) -> str:
        parts, last = [], 0
        for match, value in zip(variables, chosen):
            parts += [route.rule[last:match.start()], value]
            last = match.end()
        return "".join(parts) + route.rule[last:]

    query = st.dictionaries(st.one_of(st.sampled_from(QUERY_NAMES), TEXT), st.one_of(
        TEXT, st.sampled_from(sorted(ids.values())), st.integers(-5, 10**6).map(str)), max_size=4)
    headers = st.fixed_dictionaries({}, optional={
        "content-type": st.sampled_from(["application/json", "text/plain", "application/octet-stream",
                                         "application/x-www-form-urlencoded", "multipart/form-data; boundary=x",
                                         "", "garbage/\u00e9"]),
        "if-match": st.one_of(TEXT, st.just("*")), "if-none-match": st.one_of(TEXT, st.just("*")),
        "opc-retry-token": TEXT, "content-disposition": TEXT, "content-md5": TEXT,
        "range": st.sampled_from(["bytes=0-3", "bytes=5-1", "bytes=-1", "bytes=99999999-", "items=1-2", "bytes="]),
        "opc-meta-x": TEXT, "authorization": TEXT, "x-date": TEXT, "date": TEXT, "opc-request-id": TEXT,
    }).map(_sendable)
    return st.tuples(st.just(route.method), values.map(path), query.map(_query_string), headers, bodies(ids))


def _sendable(headers: dict[str, str]) -> dict[str, str]:
    """What an HTTP client can put on the wire (latin-1, no line breaks, no leading space)."""
    encoded = {k: v.encode("utf-8", "surrogatepass").decode("latin-1") for k, v in headers.items()}
    return {k: v for k, v in encoded.items() if _SENDABLE_HEADER.match(v)}


_SENDABLE_HEADER = re.compile(r"\A(\S[^\r\n\x00]*)?\Z")


def _query_string(query: dict[str, str]) -> str:
    """Percent-encoded by hand: a lone surrogate goes out as its (invalid) UTF-8 bytes."""
    def enc(text: str) -> str:
        return quote(text.encode("utf-8", "surrogatepass"), safe="")

    return "&".join(f"{enc(k)}={enc(v)}" for k, v in query.items())


# ------------------------------------------------------------------------------------------------
# The property
# ------------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def fuzzed(tmp_path_factory):
    from emulator.server import start_in_background

    running = start_in_background(EmulatorConfig(home=tmp_path_factory.mktemp("fuzz"), runtime="process"))
    yield running
    running.stop()


@dataclass
class Tally:
    """What one test sent and got back."""

    requests: int = 0
    errors_4xx: int = 0
    routes: int = 0


def check(response: requests.Response, sent: tuple, tally: Tally) -> None:
    tally.requests += 1
    status = response.status_code
    assert status < 500, f"{sent!r} -> {status} {response.text[:500]}"
    if status >= 400:
        tally.errors_4xx += 1
        assert response.headers.get("opc-request-id"), sent
        if sent[0] != "HEAD":
            assert response.headers.get("content-type", "").startswith("application/json"), (sent, response.headers)
            error = response.json()
            assert set(error) == {"code", "message"}, (sent, error)
            assert isinstance(error["code"], str) and error["code"] and isinstance(error["message"], str), (sent, error)


def fuzz_route(url: str, route: Route, examples: int, tally: Tally) -> None:
    """``examples`` requests to ``route`` of a freshly seeded emulator at ``url``, each checked."""
    ids = _seed(url)
    session = requests.Session()
    tally.routes += 1

    @settings(REPRODUCIBLE, max_examples=examples)
    @given(sent=requests_for(route, ids))
    def property_holds(sent: tuple) -> None:
        method, path, query, headers, data = sent
        response = session.request(method, url + path + (f"?{query}" if query else ""), headers=headers,
                                   data=data, timeout=30, allow_redirects=False)
        check(response, sent, tally)

    property_holds()


@pytest.mark.parametrize("route", ROUTES, ids=str)
def test_no_request_gets_a_5xx_and_every_error_has_oci_shape(fuzzed, route):
    tally, started = Tally(), time.monotonic()
    fuzz_route(fuzzed.url, route, EXAMPLES, tally)
    assert time.monotonic() - started < 120, "the fuzz budget is about a second per route"
    assert tally.requests > 0, "hypothesis sent nothing"


SIGNATURE_PARTS = st.one_of(
    TEXT, st.sampled_from(['keyId="a/b/c"', 'keyId="ocid1.tenancy.oc1..x/ocid1.user.oc1..y/aa:bb"', 'algorithm="rsa-sha256"',
                           'algorithm="hmac"', 'headers="date (request-target) host"', 'headers=""',
                           'signature="!!!"', 'signature="' + "A" * 344 + '"', 'version="1"', 'keyId="' + "/" * 300 + '"',
                           # resource-principal session tokens: none, not a JWT, unsigned claims, a deep one
                           'keyId="ST$"', 'keyId="ST$a.b.c"', 'keyId="ST$eyJhbGciOiJSUzI1NiJ9.e30.AAAA"',
                           'keyId="ST$eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0."',
                           'keyId="ST$e30.' + "W1tb" * 5000 + '.AA"']))


@pytest.fixture(scope="module")
def enforcing(tmp_path_factory):
    from emulator.server import start_in_background

    running = start_in_background(EmulatorConfig(home=tmp_path_factory.mktemp("fuzz-auth"), auth_mode="enforce"))
    yield running
    running.stop()


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_signature_headers_never_get_a_5xx(enforcing, method):
    """The signature parser and the date check, fed hostile Authorization, date and x-date headers."""
    session, tally = requests.Session(), Tally()

    @settings(REPRODUCIBLE, max_examples=EXAMPLES * 4)
    @given(scheme=st.sampled_from(["Signature", "signature", "Bearer", "", "Signature  "]),
           parts=st.lists(SIGNATURE_PARTS, max_size=6), dates=st.fixed_dictionaries({}, optional={
               "date": st.one_of(TEXT, st.just("Thu, 01 Jan 1970 00:00:00 GMT"), st.just("Mon, 99 Foo 99999 99:99:99")),
               "x-date": TEXT}))
    def property_holds(scheme: str, parts: list[str], dates: dict[str, str]) -> None:
        headers = _sendable({"authorization": f"{scheme} {','.join(parts)}", **dates})
        sent = (method, "/20190101/projects", "", headers, b"{}" if method == "POST" else None)
        response = session.request(method, enforcing.url + "/20190101/projects?compartmentId=ocid1.tenancy.oc1..x",
                                   headers={**headers, "content-type": "application/json"}, data=sent[4], timeout=30)
        check(response, sent, tally)
        assert response.status_code in (400, 401), sent  # 400: waitress refuses control characters itself

    property_holds()
    assert tally.requests > 0, "hypothesis sent nothing"


TOTALS_EXAMPLES = 3  # per route: a short pass, a few seconds


@pytest.mark.slow  # a second pass over every route: 15 s and more (the per-route cases stay in the fast suite)
def test_totals(fuzzed, capsys):
    """A short pass of its own over every route (``TOTALS_EXAMPLES`` each): it sent a request to each,
    none got a 5xx and every 4xx was in OCI's error shape. Its figures are printed whatever -q/-s say."""
    tally = Tally()
    for route in ROUTES:
        before = tally.requests
        fuzz_route(fuzzed.url, route, TOTALS_EXAMPLES, tally)
        assert tally.requests > before, f"nothing was sent to {route}"
    with capsys.disabled():
        print(f"\nfuzz: {tally.requests} requests over {tally.routes} routes, no 5xx, "
              f"{tally.errors_4xx} 4xx, all in OCI's error shape")
    assert tally.routes == len(ROUTES) and tally.requests >= len(ROUTES)
