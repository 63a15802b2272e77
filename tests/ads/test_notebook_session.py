"""A notebook written for an OCI notebook session runs unchanged on the laptop.

``notebooks/notebook_session.ipynb`` is ADS code as it is written for a notebook session: its first
cell is ``ads.set_auth(auth="resource_principal")``, it reads the session's compartment from the
environment, and nothing in it names Dockyard. It runs through nbclient in a real Jupyter kernel of
the ADS venv, started with the environment ``dockyard notebook env`` prints (the emulated session's
variables, its resource-principal token, and the start-up hook that connects ADS when the notebook
imports it), against an emulator that enforces request signing, under the network guard.
"""
from __future__ import annotations

import pytest

from tests.ads.conftest import NOTEBOOKS


@pytest.fixture(scope="module")
def session_env(ads) -> dict[str, str]:
    """The kernel's environment: the test's shell after ``eval "$(dockyard notebook env)"``."""
    from toolkit.notebook_session import kernel_environment, session_environment

    variables = session_environment(home=ads.home, endpoint=ads.url)
    shell = {k: v for k, v in ads.env.items() if k not in ("NB_SESSION_COMPARTMENT_OCID", "PROJECT_OCID")}
    return {**shell, **kernel_environment(variables, pythonpath=ads.env["PYTHONPATH"])}


@pytest.fixture(scope="module")
def notebook_run(ads, session_env) -> dict:
    return ads.run("run_ipynb.py", str(NOTEBOOKS / "notebook_session.ipynb"), env=session_env)


@pytest.mark.docker
@pytest.mark.slow
def test_prepare_verify_save_deploy_predict_delete_as_the_sessions_resource_principal(notebook_run, session_env):
    assert notebook_run["verified"] == notebook_run["predicted"] == {"prediction": [0, 0, 0]}
    assert (notebook_run["model_state"], notebook_run["deployment_state"]) == ("DELETED", "DELETED")
    # every call was signed by the session's resource principal (the emulator enforces signing)
    assert notebook_run["created_by"] == session_env["NB_SESSION_OCID"]


@pytest.mark.docker
@pytest.mark.slow
def test_the_session_supplies_compartment_project_and_the_deployment_shape(notebook_run, session_env):
    assert notebook_run["compartment_id"] == session_env["NB_SESSION_COMPARTMENT_OCID"]
    assert notebook_run["project_id"] == session_env["PROJECT_OCID"]
    assert notebook_run["shape"] == "VM.Standard.E4.Flex"  # ADS's default, read from GetNotebookSession


def test_set_auth_resource_principal_before_and_after_connect_ads_reaches_the_emulator(ads_process, tmp_path):
    from toolkit.notebook_session import session_environment

    variables = session_environment(home=ads_process.home, endpoint=ads_process.url)
    shell = {k: v for k, v in ads_process.env.items() if k not in ("NB_SESSION_COMPARTMENT_OCID", "PROJECT_OCID")}
    result = ads_process.run("resource_principal_order.py", str(tmp_path / "artifact"),
                             env={**shell, **variables}, timeout=300)
    assert result["created_by"] == [variables["NB_SESSION_OCID"]] * 2  # signed as the session both times
    assert result["listed"] == ["after-set-auth", "before-set-auth"]
    assert result["signer"] == "EphemeralResourcePrincipalSigner"
