"""The console's model group pages: the list (name, type, member count) links to a group's page, which
shows its type, version history and each member model with its inference key, linked to the model."""
from __future__ import annotations

import html

import oci
import requests

M = oci.data_science.models


def _page(session: requests.Session, emulator, path: str, status: int = 200) -> str:
    response = session.get(emulator.url + path)
    assert response.status_code == status, response.text[:2000]
    assert response.headers["content-type"].startswith("text/html")
    return html.unescape(response.text)


def test_model_group_pages_show_the_group_and_its_members(browser_session, console_emulator, catalog):
    project = catalog.project("groups")
    square, root = catalog.model(project, "square-model"), catalog.model(project, "root-model")
    history = catalog.ds.create_model_group_version_history(M.CreateModelGroupVersionHistoryDetails(
        compartment_id=catalog.compartment, project_id=project, display_name="math-history")).data
    group = catalog.ds.create_model_group(M.CreateModelGroupDetails(
        create_type="CREATE", compartment_id=catalog.compartment, project_id=project, display_name="math-group",
        model_group_details=M.HomogeneousModelGroupDetails(), model_group_version_history_id=history.id,
        member_model_entries=M.MemberModelEntries(member_model_details=[
            M.MemberModelDetails(model_id=square, inference_key="square"),
            M.MemberModelDetails(model_id=root, inference_key="root")]))).data

    listing = _page(browser_session, console_emulator, "/console/model-groups")
    assert f'href="/console/model-groups/{group.id}">math-group</a>' in listing
    assert "<td>HOMOGENEOUS</td>" in listing and "<td>2</td>" in listing

    detail = _page(browser_session, console_emulator, f"/console/model-groups/{group.id}")
    assert "math-history (version 1" in detail
    assert f'<td>square</td>\n        <td><a href="/console/models/{square}">square-model</a>' in detail
    assert f'<td>root</td>\n        <td><a href="/console/models/{root}">root-model</a>' in detail

    unknown = group.id[:-4] + "zzzz"
    assert "NotAuthorizedOrNotFound" in _page(browser_session, console_emulator, f"/console/model-groups/{unknown}", 404)
