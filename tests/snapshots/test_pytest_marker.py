"""The harness: ``@pytest.mark.dockyard_snapshot(...)`` restores a snapshot into the session's emulator
before each test (what one test wrote, the next does not see), the ``dockyard_snapshot`` fixture gives
its tenancy and restores more, and ``mock_datascience(snapshot=...)`` starts from one."""
from __future__ import annotations

from pathlib import Path

import pytest
from oci.data_science.models import CreateProjectDetails

from emulator.snapshots import save
from emulator.snapshots.archive import read_manifest
from toolkit.testing.mock import mock_datascience

pytest_plugins = ["pytester"]

SUITE = '''
import pytest
from oci.data_science.models import CreateProjectDetails

from emulator.snapshots.archive import read_manifest

pytestmark = pytest.mark.dockyard_snapshot("data/catalog.tar")
TENANCY = read_manifest(__import__("pathlib").Path(__file__).parent / "data" / "catalog.tar")["tenancy"]


def names(ds_client):
    return sorted(p.display_name for p in ds_client.list_projects(compartment_id=TENANCY).data)


def test_first_sees_the_snapshot_and_writes(ds_client, dockyard_snapshot):
    assert dockyard_snapshot.compartment_id == TENANCY
    assert names(ds_client) == ["from-snapshot"]
    ds_client.create_project(CreateProjectDetails(compartment_id=TENANCY, display_name="written-by-first"))
    assert names(ds_client) == ["from-snapshot", "written-by-first"]


def test_second_starts_from_the_snapshot_again(ds_client):
    assert names(ds_client) == ["from-snapshot"]


def test_the_fixture_restores_another_within_a_test(ds_client, dockyard_snapshot, tmp_path):
    dockyard_snapshot.save("with-extra")
    ds_client.create_project(CreateProjectDetails(compartment_id=TENANCY, display_name="extra"))
    dockyard_snapshot.save(tmp_path / "with-extra.tar")
    dockyard_snapshot.restore("with-extra")
    assert names(ds_client) == ["from-snapshot"]
    dockyard_snapshot.restore(tmp_path / "with-extra.tar")
    assert names(ds_client) == ["extra", "from-snapshot"]


@pytest.mark.dockyard_snapshot("data/empty.tar")
def test_the_nearest_marker_wins(ds_client):
    assert names(ds_client) == []
'''


def _snapshot(target: Path, *projects: str) -> None:
    with mock_datascience() as m:
        ds = m.data_science_client()
        for name in projects:
            ds.create_project(CreateProjectDetails(compartment_id=m.compartment_id, display_name=name))
        save(m.state, target)


@pytest.mark.slow
def test_the_marker_restores_the_snapshot_before_each_test(pytester):
    data = pytester.mkdir("data")
    _snapshot(data / "catalog.tar", "from-snapshot")
    _snapshot(data / "empty.tar")
    pytester.makepyfile(test_suite=SUITE)
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-p", "no:randomly")
    result.assert_outcomes(passed=4)


@pytest.mark.slow
def test_mock_datascience_starts_from_a_snapshot(tmp_path):
    _snapshot(tmp_path / "catalog.tar", "from-snapshot")
    tenancy = read_manifest(tmp_path / "catalog.tar")["tenancy"]

    @mock_datascience(snapshot=tmp_path / "catalog.tar")
    def projects(m) -> list[str]:
        return sorted(p.display_name for p in m.data_science_client().list_projects(compartment_id=tenancy).data)

    assert projects() == ["from-snapshot"]
    with mock_datascience(snapshot=tmp_path / "catalog.tar") as m:
        assert [p.display_name for p in m.data_science_client().list_projects(compartment_id=tenancy).data] == [
            "from-snapshot"]
