"""With a detached emulator serving the home, ``dockyard emulator snapshot save|restore`` go through it
(``/dockyard-api/snapshots``): NAME and FILE alike, the daemon's state replaced while it runs."""
from __future__ import annotations

from types import SimpleNamespace

import pytest
from click.testing import CliRunner

from emulator import daemon
from emulator.config import EmulatorConfig
from tests.snapshots.conftest import all_models, clients_for, create_model, create_project
from toolkit.cli import cli

pytestmark = pytest.mark.slow


@pytest.fixture
def served_home(tmp_path):
    home = tmp_path / "home"
    url = daemon.start_detached(EmulatorConfig(home=home, runtime="process"))
    yield SimpleNamespace(home=home, url=url)
    daemon.stop(home)


def test_save_and_restore_go_through_the_running_daemon(served_home, api_key, tmp_path):
    clients = clients_for(api_key, served_home)
    project = create_project(clients)
    create_model(clients, project, "first")
    runner = CliRunner()

    def snapshot(*args: str) -> str:
        result = runner.invoke(cli, ["emulator", "snapshot", *args, "--home", str(served_home.home)])
        assert result.exit_code == 0, result.output
        return result.output

    snapshot("save", "one-model")
    snapshot("save", str(tmp_path / "one-model.tar"))
    assert (tmp_path / "one-model.tar").is_file()
    assert not [p for p in (served_home.home / "snapshots").iterdir() if p.name.startswith("scratch-")]

    create_model(clients, project, "second")
    assert "serving again" in snapshot("restore", "one-model")
    assert [m.display_name for m in all_models(clients)] == ["first"]
    create_model(clients, project, "third")
    snapshot("restore", str(tmp_path / "one-model.tar"))
    assert [m.display_name for m in all_models(clients)] == ["first"]
    assert [line.split("\t")[0] for line in snapshot("list").splitlines()] == ["one-model"]
