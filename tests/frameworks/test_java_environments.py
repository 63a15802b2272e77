"""Environments that run a JVM (pyspark): Docker builds them on the Java base image, and the process
runtime says plainly when no java is there, instead of a model server that cannot load its model."""
from __future__ import annotations

import pytest

from emulator.runtimes.base import RuntimeFailure, ServerSpec
from emulator.runtimes.requirements import needs_java


def test_pyspark_in_any_spelling_needs_java_and_other_requirements_do_not():
    assert needs_java(["numpy==2.0", "PySpark==4.3.0"]) and needs_java(["py_spark>=3"]) is False
    assert needs_java(["pyspark"]) and not needs_java(["numpy", "pandas", "-r other.txt"])


def test_docker_builds_a_pyspark_environment_on_the_java_base_image_and_others_on_the_base_image():
    from emulator.runtimes.docker import DockerRuntime

    runtime = DockerRuntime("/tmp/unused-home", "base:1", client=object(), java_base_image="base-jre:1")
    said: list[str] = []
    assert runtime._java_base_for(["numpy==2.0"], said.append) is None  # the base image, as resolved
    assert runtime._java_base_for(["pyspark==4.3.0"], said.append) == "base-jre:1"
    assert any("JVM" in line and "base-jre:1" in line for line in said)


def test_docker_without_a_java_base_image_says_which_setting_to_set():
    from emulator.runtimes.docker import DockerRuntime

    runtime = DockerRuntime("/tmp/unused-home", "base:1", client=object(), java_base_image=None)
    with pytest.raises(RuntimeFailure, match="DOCKYARD_JAVA_BASE_IMAGE"):
        runtime._java_base_for(["pyspark==4.3.0"], lambda line: None)


def test_the_process_runtime_refuses_a_pyspark_model_where_no_java_is_found(tmp_path, monkeypatch):
    from emulator.runtimes.process import ProcessRuntime

    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.delenv("JAVA_HOME", raising=False)
    spec = ServerSpec("ocid1.datasciencemodeldeployment.oc1..x", tmp_path, tmp_path / "logs",
                      requirements=["pyspark==4.3.0"])
    with pytest.raises(RuntimeFailure, match="needs a Java runtime .* openjdk-17-jre-headless"):
        ProcessRuntime(tmp_path / "home").start(spec, lambda line: None)


@pytest.mark.docker
def test_the_java_base_image_is_layered_on_a_base_the_engine_has_else_the_build_command_is_named():
    from emulator.runtimes.base_image import BaseImageError, build_java

    with pytest.raises(BaseImageError, match="does not have: build it first .*emulator base-image"):
        build_java("dockyard-test/python-jre:never-built", base="dockyard-test/no-such-base:1", log=lambda line: None)
