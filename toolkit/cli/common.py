"""Plumbing every ``dockyard`` command module shares: error handling, common options, output.

Exit status everywhere: 0 ok, 1 failed (an expected failure printed as one ``Error: ...`` line on
stderr), 2 usage (click's own). Nothing heavy is imported at module level: ``dockyard --help``
must not pay for ``oci``, ``rich`` or the toolkit's service modules.
"""
from __future__ import annotations

import functools
import json
import re
import sys
from pathlib import Path
from typing import Any, Callable, Iterable

import click

# --------------------------------------------------------------------------------------------
# Options
# --------------------------------------------------------------------------------------------

JSON_HELP = "Print JSON (wire field names) for scripts."
HOME_HELP = "Emulator home (catalog, artifacts, emulator.json). Default: $DOCKYARD_HOME or ~/.dockyard."

profile_option = click.option(
    "--profile", "-p", envvar="DOCKYARD_PROFILE", default=None,
    help="'local' (the emulator, default) or a profile of ~/.oci/config. Env: DOCKYARD_PROFILE.",
)
compartment_option = click.option("--compartment-id", "-c", help="Compartment OCID (local default: the tenancy).")
project_option = click.option("--project-id", help="Project OCID (local default: the dockyard-default project).")
yes_option = click.option("--yes", "-y", is_flag=True, help="Do not ask for confirmation.")
home_option = click.option("--home", type=click.Path(file_okay=False, path_type=Path), default=None, help=HOME_HELP)


# OCID resource types the CLI takes: what to call them, and a hint for one given in the wrong place.
OCID_KINDS = {
    "datasciencemodel": ("model", "`dockyard models get {ocid}` shows that model; `dockyard deploy {ocid}` deploys it."),
    "datasciencemodeldeployment": ("model deployment", "`dockyard deployments get {ocid}` shows that deployment and "
                                                       "the OCID of the model it serves."),
    "datasciencemodelversionset": ("model version set", "`dockyard version-sets get {ocid}` shows that version set "
                                                        "and its models."),
    "datascienceproject": ("project", None),
    "compartment": ("compartment", None),
    "tenancy": ("tenancy", None),
}


class OcidType(click.ParamType):
    """An OCID argument of one resource type: an OCID of another known type is a usage error that
    names the type it is and the command that takes it, instead of the service's bare 404."""

    def __init__(self, kind: str, allow_names: bool = False) -> None:
        self.kind = kind
        self.allow_names = allow_names  # version sets are also found by name
        self.name = f"{OCID_KINDS[kind][0]} OCID"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        text = str(value).strip()
        parts = text.split(".")
        if len(parts) < 2 or parts[0] != "ocid1" or parts[1] == self.kind:
            return text
        noun = OCID_KINDS[self.kind][0]
        other, hint = OCID_KINDS.get(parts[1], (parts[1], None))
        hint = f"\nHint: {hint.format(ocid=text)}" if hint else ""
        self.fail(f"{text} is a {other} OCID, not a {noun} OCID.{hint}", param, ctx)


def json_option(help: str = JSON_HELP) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """``--json`` (parameter ``as_json``); commands say what their JSON holds when it is not wire form."""
    return click.option("--json", "as_json", is_flag=True, help=help)


def emulator_home(home: Path | None) -> Path:
    """The ``--home`` given, else $DOCKYARD_HOME or ~/.dockyard."""
    from toolkit import settings

    return Path(home).expanduser() if home else settings.home()


def confirm_unless(yes: bool, question: str) -> None:
    """Ask before a destructive call unless ``--yes``; declining aborts with exit status 1."""
    if not yes:
        click.confirm(question, abort=True)


# --------------------------------------------------------------------------------------------
# Request data (verify, predict, prepare --sample)
# --------------------------------------------------------------------------------------------

DATA_HELP = "Input: inline JSON, or @file (.json, .csv, .npy, other = raw bytes)."
RAW_HELP = ("Send JSON as it is, without the ADS {data, data_type} envelope (a document already in that "
            "form is always sent as it is).")


def read_data(value: str, param_hint: str = "--data") -> Any:
    """``--data``: inline JSON, or ``@file`` (.json, .csv, .npy; anything else is sent as bytes).

    One reader for every command that sends data to a score.py, so ``verify`` and ``predict``
    turn the same ``--data`` into the same request body (``toolkit.artifact.payload.to_request``).
    """
    if not value.startswith("@"):
        try:
            return json.loads(value)
        except ValueError as exc:
            raise click.BadParameter(f"not valid JSON ({exc}); use @file for a file", param_hint=param_hint) from None
    path = Path(value[1:])
    if not path.exists():
        raise click.BadParameter(f"{path} does not exist", param_hint=param_hint)
    suffix = path.suffix.lower()
    if suffix == ".json":
        return json.loads(path.read_text(encoding="utf-8"))
    if suffix == ".csv":
        import pandas as pd

        return pd.read_csv(path)
    if suffix == ".npy":
        import numpy as np

        return np.load(path, allow_pickle=False)
    return path.read_bytes()


def already_enveloped(data: Any) -> bool:
    """A JSON document already in the ADS ``{"data": ..., "data_type": ...}`` form (score.py's test).

    Wrapping it again would hand score.py the envelope as its data, so it goes as it is.
    """
    return isinstance(data, dict) and "data" in data and set(data) <= {"data", "data_type"}


# --------------------------------------------------------------------------------------------
# Errors
# --------------------------------------------------------------------------------------------

def handle_errors(func: Callable[..., Any]) -> Callable[..., Any]:
    """Turn expected failures into one clear line on stderr and exit status 1.

    Anything not recognised by :func:`expected_error_message` is a bug and keeps its traceback.
    """

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except (click.ClickException, click.exceptions.Abort, click.exceptions.Exit):
            raise  # click's own: usage errors (exit 2), a declined confirmation, an explicit exit
        except Exception as exc:
            message = expected_error_message(exc)
            if message is None:
                raise
            fail(cli_wording(message))

    return wrapper


# Library and REST API names whose CLI option has another name (the option's parameter name).
SYNONYMS = {
    "delete_associated_model_deployment": "delete_deployments",
    "isDeleteRelatedModels": "delete_models",
    "delete_model": "delete_models",
    "force_overwrite": "force",
    "training_script_path": "training_script",
    "inference_python_version": "python_version",
    "deployment_image": "deployment_image",
    "deployment_instance_shape": "shape",
}


def cli_wording(message: str, ctx: click.Context | None = None) -> str:
    """``message`` with the Python and REST parameter names the library speaks (``compartment_id=...``,
    ``ignore_introspection=True``, ``isDeleteRelatedModels=true``) spelled as the running command's
    own flags (``--compartment-id ...``, ``--ignore-introspection``, ``--delete-models``).

    Only names of options the command has are changed; the Python API keeps its own wording.
    """
    ctx = ctx or click.get_current_context(silent=True)
    if ctx is None:
        return message
    flags = {param.name: max(param.opts, key=len) for param in ctx.command.params
             if isinstance(param, click.Option) and param.name and any(o.startswith("--") for o in param.opts)}
    names = {name: name for name in flags} | {alias: target for alias, target in SYNONYMS.items() if target in flags}
    for name, target in sorted(names.items(), key=lambda item: -len(item[0])):
        if "_" not in name and name not in SYNONYMS:
            continue  # a one-word name (``name``, ``description``) is too likely to be plain prose
        flag = flags[target]
        message = re.sub(rf"\b{name}=(?:True|true)\b", flag, message)
        message = re.sub(rf"\b{name}=\[?\.\.\.\]?", f"{flag} ...", message)
        message = re.sub(rf"\b{name}=", f"{flag} ", message)
        message = re.sub(rf"(?<![-\w]){name}\b", flag, message)
    return message


def expected_error_message(exc: Exception) -> str | None:
    """The message for a failure the user can act on, or None for an unexpected one.

    The error classes are imported here, on the failure path only, so that no command pays for
    ``oci`` or the service modules before it needs them.
    """
    import oci

    from toolkit.artifact.errors import ArtifactError, ArtifactExistsError
    from toolkit.catalog.errors import CatalogError
    from toolkit.artifact.errors import ArtifactIntegrityError
    from toolkit.deployment import DeploymentError
    from toolkit.profiles import ProfileError

    if isinstance(exc, oci.exceptions.ServiceError):
        request_id = f" (opc-request-id {exc.request_id})" if exc.request_id else ""
        return f"{exc.code}: {exc.message}{request_id}"
    if isinstance(exc, (oci.exceptions.RequestException, oci.exceptions.ConnectTimeout)):
        return unreachable_message(exc)
    if isinstance(exc, ArtifactExistsError):
        return f"{exc.message}\nHint: pass --force to replace it, or choose an empty directory."
    # ValueError covers MetadataSizeError, emulator.auth.InvalidKey and the SDK's own checks of
    # arguments (an empty OCID); FileNotFoundError an @file or directory that is not there.
    # NotImplementedError: an ADS feature Dockyard refuses by name (docs/ads-differences.md).
    expected = (ArtifactError, ArtifactIntegrityError, CatalogError, DeploymentError, ProfileError,
                FileExistsError, FileNotFoundError, ValueError, NotImplementedError)
    return str(exc) if isinstance(exc, expected) else None


def unreachable_message(exc: Exception) -> str:
    """One actionable line instead of urllib3's retry chain."""
    from toolkit import settings

    errno = re.search(r"\[Errno -?\d+\] [^\"'()]+", str(exc))
    reason = errno.group(0).strip() if errno else type(exc).__name__
    endpoint = settings.endpoint()
    if endpoint and settings.profile() == "local":
        return (f"cannot reach the emulator at {endpoint} (DOCKYARD_ENDPOINT): {reason}. Start it with "
                "`dockyard emulator start --detach`, or unset DOCKYARD_ENDPOINT to let Dockyard start one.")
    return f"cannot reach the service: {reason}"


def fail(message: str) -> None:
    """Print ``Error: message`` on stderr and exit with status 1."""
    click.echo(f"Error: {message}", err=True)
    sys.exit(1)


# --------------------------------------------------------------------------------------------
# Output
# --------------------------------------------------------------------------------------------

def print_json(value: Any, indent: int | None = 2, sdk_model: type | None = None) -> None:
    """Print SDK objects, dicts and lists as JSON in wire form (camelCase, as the REST API and ``oci`` CLI).

    Every ``--json`` goes through here so scripts see one naming. ``sdk_model``: the SDK class
    whose ``attribute_map`` names the snake_case keys of a plain dict (or list of dicts) such as
    ``ModelVersionSet.to_dict()``; keys it does not know are kept as they are.
    """
    click.echo(json.dumps(wire_json(value, sdk_model), indent=indent, default=str))


def wire_json(value: Any, sdk_model: type | None = None) -> Any:
    """``value`` with wire field names: SDK objects via their ``attribute_map``, snake_case dicts via ``sdk_model``'s."""
    from toolkit.catalog.wire import to_wire

    if sdk_model is not None and isinstance(value, list):
        return [wire_json(item, sdk_model) for item in value]
    if sdk_model is not None and isinstance(value, dict):
        names = sdk_model().attribute_map
        value = {names.get(key, key): item for key, item in value.items()}
    return to_wire(value)


def console(width: int | None = None) -> Any:
    """A rich console on stdout that never breaks a line by itself (``soft_wrap``): OCIDs and URLs stay
    whole for copy and paste, in a terminal (which wraps long lines visually) and in a pipe."""
    from rich.console import Console

    terminal = Console().is_terminal
    return Console(soft_wrap=True, width=width, force_terminal=terminal, no_color=not terminal)


def print_unwrapped(renderable: Any) -> None:
    """Print a table as wide as its content needs, whatever the terminal width, so no cell (an OCID,
    a URL) is folded or cut."""
    from rich.measure import Measurement

    out = console(width=100_000)
    out.print(renderable, width=Measurement.get(out, out.options, renderable).maximum)


def print_table(title: str, columns: list[str], rows: Iterable[list[Any]]) -> None:
    """A titled table with one row per item and an ``N item(s)`` line under it."""
    from rich.table import Table

    table = Table(title=title, show_lines=False)
    for column in columns:
        table.add_column(column, no_wrap=True)
    count = 0
    for row in rows:
        table.add_row(*("" if v is None else str(v) for v in row))
        count += 1
    print_unwrapped(table)
    console().print(f"{count} item(s)")


def utc_time(value: Any) -> str | None:
    """A record's time as tables show it (``2025-01-31 12:00:00``, UTC as the service gives it)."""
    return value.strftime("%Y-%m-%d %H:%M:%S") if hasattr(value, "strftime") else value


def print_fields(title: str, pairs: list[tuple[str, Any]]) -> None:
    """A two-column field/value table of one resource; empty fields are left out."""
    from rich.table import Table

    table = Table(title=title, show_header=False)
    table.add_column("field", style="bold", no_wrap=True)
    table.add_column("value", no_wrap=True)
    for key, value in pairs:
        if value not in (None, "", [], {}):
            table.add_row(key, value if isinstance(value, str) else json.dumps(value, default=str))
    print_unwrapped(table)


def parse_key_values(items: tuple[str, ...], param_hint: str) -> dict[str, str]:
    """``KEY=VALUE`` options (``--tag``, ``--env``, ``--metadata``) as a dict; a malformed one is a usage error."""
    result = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise click.BadParameter(f"{item!r} is not KEY=VALUE", param_hint=param_hint)
        result[key] = value
    return result
