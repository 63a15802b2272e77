"""``dockyard conda publish`` / ``list`` (and the functions behind them) over the oci SDK."""
from __future__ import annotations

import json
import uuid
from pathlib import Path

from click.testing import CliRunner

from toolkit.cli import cli


def test_publish_puts_a_stand_in_where_odsc_would_and_list_shows_it_beside_the_service_packs(catalog_env: Path,
                                                                                              tmp_path: Path):
    bucket = f"packs-{uuid.uuid4().hex[:8]}"
    (tmp_path / "requirements.txt").write_text("# the churn model's needs\nxgboost==2.1.0\nnumpy\n")
    published = CliRunner().invoke(cli, ["conda", "publish", "--slug", "churn_p311_cpu_v1", "-r",
                                         str(tmp_path / "requirements.txt"), "--name", "Churn", "--version", "2.0",
                                         "--bucket", bucket, "--json"])
    assert published.exit_code == 0, published.output
    pack = json.loads(published.output)
    assert pack == {"slug": "churn_p311_cpu_v1", "name": "Churn", "python": pack["python"], "type": "published",
                    "path": f"oci://{bucket}@dockyard/conda_environments/cpu/Churn/2.0/churn_p311_cpu_v1",
                    "requirements": ["xgboost==2.1.0", "numpy"]}

    listed = CliRunner().invoke(cli, ["conda", "list", "--bucket", bucket, "--json"])
    assert listed.exit_code == 0, listed.output
    by_slug = {p["slug"]: p for p in json.loads(listed.output)}
    assert by_slug["churn_p311_cpu_v1"] == pack
    assert by_slug["generalml_p311_cpu_x86_64_v1"]["type"] == "data_science"

    table = CliRunner().invoke(cli, ["conda", "list", "--bucket", bucket])
    assert table.exit_code == 0 and "churn_p311_cpu_v1" in table.output and "xgboost==2.1.0" in table.output


def test_list_of_a_bucket_nothing_was_published_to_shows_the_service_packs(catalog_env: Path):
    listed = CliRunner().invoke(cli, ["conda", "list", "--bucket", "never-used", "--json"])
    assert listed.exit_code == 0, listed.output
    assert {p["type"] for p in json.loads(listed.output)} == {"data_science"}


def test_publishing_a_missing_requirements_file_is_a_usage_error(catalog_env: Path, tmp_path: Path):
    result = CliRunner().invoke(cli, ["conda", "publish", "--slug", "x", "-r", str(tmp_path / "none.txt")])
    assert result.exit_code == 2 and "does not exist" in result.output
