"""Commands exactly as README.md spells them: `dockyard save ... --model-version-set S --version-label L`
and the emulator section (start, then the stock `oci` tools with `$DOCKYARD_HOME/oci/config`)."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from toolkit.catalog import model_catalog as mc
from toolkit.cli import cli


def test_save_takes_the_readme_spelling_model_version_set(tmp_path: Path, project_id: str) -> None:
    from sklearn.linear_model import LinearRegression

    from toolkit import SklearnModel

    X = [[0.0], [1.0], [2.0]]
    model = SklearnModel(estimator=LinearRegression().fit(X, [1.0, 3.0, 5.0]), artifact_dir=str(tmp_path / "art"))
    model.prepare(inference_python_version="3.11", ignore_conda_error=True)
    created = CliRunner().invoke(cli, ["version-sets", "create", "readme-set", "--project-id", project_id])
    assert created.exit_code == 0, created.output
    result = CliRunner().invoke(cli, ["save", model.artifact_dir, "--display-name", "readme", "--project-id", project_id,
                                      "--model-version-set", "readme-set", "--version-label", "v1",
                                      "--ignore-introspection"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    record = mc.get_model(result.output.strip())
    assert record.model_version_set_id == created.output.strip() and record.version_label == "v1"


def test_emulator_start_writes_the_oci_config_other_oci_tools_use(tmp_path: Path) -> None:
    home = tmp_path / "home"
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])}
    env.pop("DOCKYARD_ENDPOINT", None)

    def dockyard(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "toolkit.cli", *args], env=env, capture_output=True, text=True,
                              timeout=60)

    started = dockyard("emulator", "start", "--detach", "--home", str(home))
    try:
        assert started.returncode == 0, started.stderr
        config_file = home / "oci" / "config"
        assert config_file.is_file() and str(config_file) in started.stdout
        import oci

        config = oci.config.from_file(str(config_file))
        url = started.stdout.split("export DOCKYARD_ENDPOINT=", 1)[1].split()[0]
        client = oci.data_science.DataScienceClient(config, service_endpoint=url)
        assert client.list_models(compartment_id=config["tenancy"]).data == []
        assert config["tenancy"] in started.stdout
    finally:
        dockyard("emulator", "stop", "--home", str(home))


if __name__ == "__main__":  # pragma: no cover
    sys.exit(pytest.main([__file__, "-q"]))
