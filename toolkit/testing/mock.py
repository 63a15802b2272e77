"""``mock_datascience()``: the OCI Data Science service in-process, moto style, for code that
must not open sockets or that creates its own ``oci`` clients.

Inside it, every request the ``oci`` SDK sends (through its vendored ``requests``) goes to an
in-process emulator app, whatever endpoint the client was built with, and plain ``requests``
calls to OCI hosts or to the emulator's virtual URL (predict calls) go there too. The emulator
keeps its state in a temporary ``DOCKYARD_HOME`` (or the ``home`` you pass, which a running
emulator may share). Your own ``~/.oci/config`` is never read or written: use ``m.config`` and
``m.signer`` (or the toolkit's ``local`` profile, which the mock points at itself).

    from toolkit import mock_datascience

    @mock_datascience()
    def test_lists_no_models(m):            # decorator: a fresh catalog per call
        ...

    with mock_datascience() as m:
        client = oci.data_science.DataScienceClient(m.config, signer=m.signer)
        client.create_project(...)
"""
from __future__ import annotations

import functools
import inspect
import os
import re
import shutil
import tempfile
from pathlib import Path
from typing import Any, Callable, TypeVar

F = TypeVar("F", bound=Callable[..., Any])

VIRTUAL_ENDPOINT = "http://emulator.dockyard.invalid"
OCI_SDK_SEND = "oci._vendor.requests.adapters.HTTPAdapter.send"
# Plain ``requests`` calls sent here are the emulator's (predict, artifact URLs); the rest pass through.
_EMULATED_HOSTS = re.compile(
    r"^https?://([^/]*\.)?(emulator\.dockyard\.invalid|oraclecloud\.com|oci\.customer-oci\.com)(:\d+)?(/|$)"
)
_METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")


def streaming_requests_mock(**kwargs: Any) -> Any:
    """A RequestsMock that hands file-like bodies to the callback unread (artifacts stay streamed).

    The stock one reads a body with ``read()``, which the toolkit's upload reader answers one chunk
    at a time: an artifact over a chunk would arrive cut short."""
    import responses

    class StreamingRequestsMock(responses.RequestsMock):
        def _read_filelike_body(self, body: Any) -> Any:  # responses reads the whole file otherwise
            return body

    return StreamingRequestsMock(assert_all_requests_are_fired=False, **kwargs)


class mock_datascience:  # noqa: N801 - named like moto's mock_* helpers on purpose
    """Context manager and decorator routing OCI Data Science traffic to an in-process emulator.

    ``region`` is the emulator's region (OCIDs carry it); ``auth_mode="enforce"`` makes it check
    signatures as OCI would (the mock's own key is registered); ``home`` keeps the state in a
    directory you own instead of a temporary one removed on exit; ``runtime`` (``process`` or
    ``docker``, default ``DOCKYARD_RUNTIME``) is where deployments made inside it run; ``snapshot``
    (a snapshot file, or a NAME under ``home``) is the state it starts from (its ACTIVE deployments start
    in the background, as at an emulator's start).
    """

    def __init__(self, *, region: str = "us-ashburn-1", auth_mode: str = "off",
                 home: str | os.PathLike[str] | None = None, runtime: str | None = None,
                 snapshot: str | os.PathLike[str] | None = None) -> None:
        self.region = region
        self.snapshot = snapshot
        self.auth_mode = auth_mode
        self.runtime = runtime
        self._home_arg = Path(home) if home else None
        self.home: Path | None = None
        self.url = VIRTUAL_ENDPOINT
        self.app: Any = None
        self.config: dict[str, Any] = {}
        self.signer: Any = None
        self._mocks: list[Any] = []
        self._saved_env: dict[str, str | None] = {}
        self._tmp: str | None = None

    # -- lifecycle -------------------------------------------------------------------------------
    def start(self) -> "mock_datascience":
        """Build the emulator over a fresh home, point the environment at it, patch the transports."""
        self.home = self._home_arg or Path(self._make_tmp())
        self._build_app()
        if self.snapshot is not None:
            from toolkit.testing.snapshots import restore_into

            restore_into(_state(self.app), self.snapshot)
        self._load_credentials()
        self._patch_env()
        self._start_mocks()
        _state(self.app).run_startup(self.url)
        return self

    def stop(self) -> None:
        """Undo everything start() did; a temporary home is deleted."""
        for mock in reversed(self._mocks):
            mock.stop()
        self._mocks.clear()
        if self.app is not None:
            _state(self.app).run_shutdown()
            self.app = None
        self._restore_env()
        if self._tmp:
            shutil.rmtree(self._tmp, ignore_errors=True)
            self._tmp = None

    def __enter__(self) -> "mock_datascience":
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def __call__(self, func: F) -> F:
        """Decorate a function: each call runs inside its own fresh mock (passed as ``m=`` if asked)."""
        wants_mock = "m" in inspect.signature(func).parameters

        @functools.wraps(func)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            with mock_datascience(region=self.region, auth_mode=self.auth_mode, home=self._home_arg,
                                  runtime=self.runtime, snapshot=self.snapshot) as m:
                if wants_mock:
                    kwargs["m"] = m
                return func(*args, **kwargs)

        if wants_mock:  # pytest must not look for a fixture called "m"
            params = [p for name, p in inspect.signature(func).parameters.items() if name != "m"]
            wrapper.__signature__ = inspect.signature(func).replace(parameters=params)  # type: ignore[attr-defined]
        return wrapper  # type: ignore[return-value]

    # -- what tests use ----------------------------------------------------------------------------
    @property
    def state(self) -> Any:
        """The emulator's shared state (store, blobs, config)."""
        return _state(self.app)

    @property
    def compartment_id(self) -> str:
        """A compartment to create things in (the mock user's tenancy)."""
        return self.config["tenancy"]

    def client_kwargs(self) -> dict[str, Any]:
        """Keyword arguments for any ``oci`` client: our signer and the emulator's URL."""
        return {"signer": self.signer, "service_endpoint": self.url}

    def data_science_client(self) -> Any:
        import oci

        return oci.data_science.DataScienceClient(self.config, **self.client_kwargs())

    # -- internals ---------------------------------------------------------------------------------
    def _make_tmp(self) -> str:
        self._tmp = tempfile.mkdtemp(prefix="dockyard-mock-")
        return self._tmp

    def _build_app(self) -> None:
        from emulator.app import create_app
        from emulator.config import EmulatorConfig

        config = EmulatorConfig(home=self.home, region=self.region, auth_mode=self.auth_mode)
        if self.runtime:
            config.runtime = self.runtime
        self.app = create_app(config)

    def _load_credentials(self) -> None:
        import oci

        from emulator.auth import add_key
        from toolkit.profiles import LOCAL_PROFILE_SECTION, ensure_local_credentials

        path = ensure_local_credentials(self.home)
        self.config = oci.config.from_file(str(path), LOCAL_PROFILE_SECTION)
        self.config["region"] = self.region
        self.signer = oci.signer.Signer.from_config(self.config)
        self.config_file = path
        public = Path(self.config["key_file"]).read_bytes()
        add_key(self.state.db, self.config["tenancy"], self.config["user"], public)

    def _patch_env(self) -> None:
        values = {
            "DOCKYARD_HOME": str(self.home),
            "DOCKYARD_ENDPOINT": self.url,
            "DOCKYARD_PROFILE": "local",
            "OCI_ODSC_SERVICE_ENDPOINT": self.url,  # ADS's DataScience endpoint override
            "OCI_CONFIG_FILE": str(self.config_file),  # read by the SDK when ~/.oci/config is absent
        }
        for name, value in values.items():
            self._saved_env[name] = os.environ.get(name)
            os.environ[name] = value

    def _restore_env(self) -> None:
        for name, value in self._saved_env.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
        self._saved_env.clear()

    def _start_mocks(self) -> None:
        """The SDK's vendored ``requests`` all to the emulator; plain ``requests`` for OCI hosts to the
        emulator, the rest to whatever was below (moto's ``mock_aws()``, another mock, the network)."""
        from toolkit.testing.shared_transport import MotoPassThrough, send_below

        everything = re.compile(r".*")
        sdk = streaming_requests_mock(target=OCI_SDK_SEND)
        plain = streaming_requests_mock(real_adapter_send=send_below())
        for method in _METHODS:
            sdk.add_callback(method, everything, callback=self._dispatch, content_type=None)
            plain.add_callback(method, _EMULATED_HOSTS, callback=self._dispatch, content_type=None)
        plain.add_passthru(re.compile(r".*"))
        for mock in (sdk, plain, MotoPassThrough(plain)):
            mock.start()
            self._mocks.append(mock)

    def _dispatch(self, request: Any) -> tuple[int, list[tuple[str, str]], Any]:
        from toolkit.testing.wsgi_bridge import call

        return call(self.app, request)


def _state(app: Any) -> Any:
    """The app's ``EmulatorState`` (imported here: ``import toolkit`` must not load the emulator)."""
    from emulator.state import state_of

    return state_of(app)
