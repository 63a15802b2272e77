"""Who may use the console when the emulator enforces OCI request signatures (``--auth enforce``):
the token printed at start, a cookie, read-only unless ``console_write``, and nothing of the API
opened by any of it."""
from __future__ import annotations

import os
import re
import stat
import subprocess
import sys
from pathlib import Path
from typing import Iterator

import pytest
import requests

from tests.console.conftest import Catalog, start
from toolkit.testing.plugin import EmulatorHandle
from tests.conftest import guarded  # children under the suite's network guard

UNKNOWN_DEPLOYMENT = "ocid1.datasciencemodeldeployment.oc1.iad.aaaaaaaaunknown"


@pytest.fixture(scope="module")
def enforcing(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmulatorHandle]:
    handle = start(tmp_path_factory.mktemp("console-enforce"), auth_mode="enforce")
    try:
        yield handle
    finally:
        handle.running.stop()


@pytest.fixture(scope="module")
def project(enforcing: EmulatorHandle) -> str:
    return Catalog(enforcing).project("secret-project")  # signed with the home's own key


def token_of(handle: EmulatorHandle) -> str:
    return (handle.home / "console-token").read_text().strip()


def signed_in(handle: EmulatorHandle) -> requests.Session:
    session = requests.Session()
    response = session.get(f"{handle.url}/console/projects?token={token_of(handle)}")
    assert response.status_code == 200, response.text[:500]
    return session


def test_without_the_token_the_console_shows_nothing_but_where_to_find_it(enforcing, project):
    response = requests.get(enforcing.url + "/console/projects")
    assert response.status_code == 401
    assert "secret-project" not in response.text
    assert "Console token needed" in response.text and 'name="token"' in response.text
    assert requests.get(enforcing.url + "/console/projects?token=wrong").status_code == 401
    forged = requests.get(enforcing.url + "/console/projects", cookies={f"dockyard-console-auth-{enforcing.url.rsplit(':', 1)[1]}": "0" * 64})
    assert forged.status_code == 401


def test_the_printed_link_sets_a_cookie_and_takes_the_token_out_of_the_address(enforcing, project):
    session = requests.Session()
    first = session.get(f"{enforcing.url}/console/models?token={token_of(enforcing)}&state=ACTIVE", allow_redirects=False)
    assert first.status_code == 303
    assert first.headers["location"] == "/console/models?state=ACTIVE"
    cookie = first.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Path=/console" in cookie
    assert token_of(enforcing) not in cookie
    projects = session.get(enforcing.url + "/console/projects")
    assert projects.status_code == 200 and "secret-project" in projects.text


def test_the_token_is_kept_private_in_the_home_and_survives_a_restart(tmp_path, monkeypatch):
    from emulator.config import EmulatorConfig
    from emulator.console import console_url

    config = EmulatorConfig(home=tmp_path, auth_mode="enforce")
    link = console_url(config, "http://127.0.0.1:8765")
    token = (tmp_path / "console-token").read_text().strip()
    assert link == f"http://127.0.0.1:8765/console?token={token}" and len(token) >= 40
    assert stat.S_IMODE((tmp_path / "console-token").stat().st_mode) == 0o600
    assert console_url(EmulatorConfig(home=tmp_path, auth_mode="enforce"), "http://h:1").endswith(token)
    monkeypatch.setenv("DOCKYARD_CONSOLE_TOKEN", "chosen-by-ci")
    assert console_url(EmulatorConfig(home=tmp_path, auth_mode="enforce"), "http://h:1").endswith("token=chosen-by-ci")
    assert console_url(EmulatorConfig(home=tmp_path / "open"), "http://h:1") == "http://h:1/console"
    assert not (tmp_path / "open" / "console-token").exists()


def test_the_console_cookie_opens_no_api_route(enforcing, project):
    session = signed_in(enforcing)
    compartment = Catalog(enforcing).compartment
    api = session.get(f"{enforcing.url}/20190101/projects", params={"compartmentId": compartment})
    assert api.status_code == 401 and api.json()["code"] == "NotAuthenticated"
    for sneaky in ("/console/../20190101/projects", "/console/%2e%2e/20190101/projects", "/console//20190101/projects"):
        response = session.get(enforcing.url + sneaky, params={"compartmentId": compartment})
        assert "secret-project" not in response.text, sneaky
        assert response.status_code in (401, 404), sneaky


def test_with_a_token_the_console_is_read_only(enforcing, project):
    session = signed_in(enforcing)
    page = session.get(enforcing.url + "/console/projects")
    assert "read-only" in page.text
    assert 'name="csrf-token"' not in page.text
    refused = session.post(f"{enforcing.url}/console/deployments/{UNKNOWN_DEPLOYMENT}/activate")
    assert refused.status_code == 403 and "--console-write" in refused.text


def test_console_write_lets_the_token_holder_act(tmp_path):
    handle = start(tmp_path / "home", auth_mode="enforce", console_write=True)
    try:
        session = signed_in(handle)
        assert "read-only" not in session.get(handle.url + "/console/projects").text
        csrf = _csrf_of(session, handle)
        acted = session.post(f"{handle.url}/console/deployments/{UNKNOWN_DEPLOYMENT}/activate", data={"csrf_token": csrf})
        assert acted.status_code == 404 and "NotAuthorizedOrNotFound" in acted.text  # past the guard, to the service
        assert requests.post(f"{handle.url}/console/deployments/{UNKNOWN_DEPLOYMENT}/activate",
                             data={"csrf_token": csrf}).status_code == 401  # still the token first
    finally:
        handle.running.stop()


def test_the_emulator_prints_the_console_link_when_it_starts(tmp_path):
    """As Jupyter prints its URL with the token: what `dockyard emulator start` shows in the foreground."""
    env = guarded({**os.environ, "DOCKYARD_HOME": str(tmp_path), "PYTHONPATH": str(Path(__file__).resolve().parents[2])})
    process = subprocess.Popen([sys.executable, "-m", "emulator", "--home", str(tmp_path), "--port", "0",
                                "--auth-mode", "enforce", "--runtime", "process"],
                               stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env=env)
    try:
        lines = [process.stdout.readline() for _ in range(2)]
    finally:
        process.terminate()
        process.wait(timeout=30)
    url = re.search(r"at (http://127\.0\.0\.1:\d+)", lines[0]).group(1)
    assert lines[1].strip() == f"Console: {url}/console?token={(tmp_path / 'console-token').read_text().strip()}"


def test_every_console_route_asks_for_the_token_first(enforcing, project):
    """No console route, present or added later, answers an unsigned, tokenless request with data."""
    from tests.emulator_routes import console_routes

    adapter = enforcing.running.app.url_map.bind("localhost")
    routes = console_routes()
    assert {r.method for r in routes} == {"GET", "POST"} and len(routes) >= 15
    for route in routes:
        values = {name: (UNKNOWN_DEPLOYMENT if name.endswith("_id") else "console.css")
                  for name in adapter.map._rules_by_endpoint[route.endpoint][0].arguments}
        response = requests.request(route.method, enforcing.url + adapter.build(route.endpoint, values))
        expected = 200 if route.endpoint == "console.static" else 401
        assert response.status_code == expected, route
        assert "secret-project" not in response.text


def test_no_console_route_answers_garbage_with_a_5xx(console_garbage):
    for route, status in console_garbage:
        assert status < 500, route


@pytest.fixture(scope="module")
def console_garbage(tmp_path_factory: pytest.TempPathFactory) -> list[tuple[str, int]]:
    """Every console route with hostile path values, query strings and form bodies (auth off)."""
    from tests.emulator_routes import console_routes

    handle = start(tmp_path_factory.mktemp("console-garbage"))
    session = requests.Session()
    try:
        page = session.get(handle.url + "/console/projects")
        assert page.ok
        adapter = handle.running.app.url_map.bind("localhost")
        answers = []
        hostile = ["ocid1.datasciencemodel.oc1.iad.x", "../../etc/passwd", "%00", "x" * 5000, "ocid1..", "\u2028"]
        queries = [{"page": "!!"}, {"page": "W251bGwsICJ4Il0"}, {"limit": "-1", "n": "9" * 40}, {"sort": "body"},
                   {"state": "<script>"}, {"name": "\x00" * 300}, {"name": "x" * 300}]
        for route in console_routes():
            arguments = adapter.map._rules_by_endpoint[route.endpoint][0].arguments
            for value in hostile:
                path = adapter.build(route.endpoint, {name: value for name in arguments})
                for query in queries:
                    response = session.request(route.method, handle.url + path, params=query,
                                               data={"body": "{\"a\": [1e400]}", "csrf_token": "0" * 64})
                    answers.append((f"{route} {path[:60]} {query}", response.status_code))
        return answers
    finally:
        handle.running.stop()


def _csrf_of(session: requests.Session, handle: EmulatorHandle) -> str:
    """The form token a writable console hands this session (in every page's csrf-token meta tag)."""
    page = session.get(handle.url + "/console/projects")
    return re.search(r'<meta name="csrf-token" content="([0-9a-f]+)">', page.text).group(1)
