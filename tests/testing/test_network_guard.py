"""The network guard refuses connections off this machine at the call, names them, and lets loopback through."""
from __future__ import annotations

import os
import socket
import subprocess
import sys
import time

import pytest

from toolkit.testing import network_guard
from toolkit.testing.network_guard import NetworkGuard, NetworkGuardViolation

CLOUD = "datascience.us-ashburn-1.oci.oraclecloud.com"


@pytest.mark.parametrize("host", ["127.0.0.1", "127.8.9.10", "::1", "[::1]", "localhost", "emulator.localhost",
                                  "0.0.0.0", "::", "::ffff:127.0.0.1", "", None, socket.gethostname()])
def test_loopback_wildcards_and_this_machine_are_local(host):
    assert network_guard.is_local(host)


@pytest.mark.parametrize("host", [CLOUD, "objectstorage.us-ashburn-1.oraclecloud.com", "10.0.0.1", "172.17.0.2",
                                  "192.168.1.1", "8.8.8.8", "2001:db8::1", "pypi.org"])
def test_everything_else_is_off_the_machine(host):
    assert not network_guard.is_local(host)


def test_an_off_machine_connect_is_refused_recorded_and_named():
    guard = NetworkGuard()  # not installed: its audit() is called directly, as the hook would be
    with pytest.raises(NetworkGuardViolation, match=f"socket.getaddrinfo to {CLOUD}:443"):
        guard.audit("socket.getaddrinfo", (CLOUD, 443, 0, 1, 0))
    with pytest.raises(NetworkGuardViolation, match="socket.connect to 10.1.2.3:80"):
        guard.audit("socket.connect", (object(), ("10.1.2.3", 80)))
    assert [(v.host, v.port, v.event) for v in guard.violations] == [(CLOUD, 443, "socket.getaddrinfo"),
                                                                     ("10.1.2.3", 80, "socket.connect")]
    assert "test_network_guard.py" in guard.violations[0].stack


def test_loopback_unix_sockets_other_events_and_a_disarmed_guard_pass():
    guard = NetworkGuard()
    guard.audit("socket.connect", (object(), ("127.0.0.1", 8080)))
    guard.audit("socket.connect", (object(), "/var/run/docker.sock"))
    guard.audit("socket.connect", (object(), (0, 0)))  # netlink: (pid, groups)
    guard.audit("open", (CLOUD, "r", 0))
    guard.armed = False
    guard.audit("socket.getaddrinfo", (CLOUD, 443, 0, 1, 0))
    assert guard.violations == []


def test_a_child_process_is_guarded_fails_fast_and_logs_for_the_parent(tmp_path):
    log = tmp_path / "guard.log"
    code = ("import urllib.request\n"
            f"urllib.request.urlopen('https://{CLOUD}/20190101/models', timeout=60)\n")
    env = network_guard.child_env({k: v for k, v in os.environ.items() if k != network_guard.ENV_FLAG}, log)
    started = time.monotonic()
    run = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60)
    assert run.returncode != 0 and "NetworkGuardViolation" in run.stderr
    assert time.monotonic() - started < 30  # refused at the call: no DNS wait, no retries
    violations, offset = network_guard.read_log(log)
    assert [(v.host, v.port) for v in violations] == [(CLOUD, 443)] and offset == log.stat().st_size
    assert network_guard.read_log(log, offset) == ([], offset)


def test_pip_is_exempt_it_fetches_packages_not_oci():
    assert network_guard.is_pip(["/venv/bin/python", "-m", "pip", "wheel", "-w", "dist"])
    assert network_guard.is_pip(["/venv/bin/python3", "/venv/bin/pip", "install", "x"])
    # how pip wheel installs build dependencies (the emulator image's wheel build met it in CI)
    assert network_guard.is_pip(["/venv/bin/python", "/venv/lib/python3.11/site-packages/pip/__pip-runner__.py",
                                 "install", "--prefix", "/tmp/overlay", "setuptools>=77"])
    assert not network_guard.is_pip(["/venv/bin/python", "-m", "toolkit.quickstart"])
    assert not network_guard.is_pip(["/venv/bin/python", "notebook.py", "pip"])


def test_the_suite_itself_runs_guarded_and_its_children_inherit_the_guard():
    if os.environ.get(network_guard.ENV_FLAG) == "0":
        pytest.skip("the run turned the guard off (DOCKYARD_NETWORK_GUARD=0)")
    assert network_guard.current() is not None and network_guard.current().armed
    assert os.environ[network_guard.ENV_FLAG] == "1"
    assert str(network_guard.SITE_DIR) in os.environ["PYTHONPATH"].split(os.pathsep)
