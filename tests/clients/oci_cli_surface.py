"""Run every in-scope command of the stock ``oci data-science`` CLI against an emulator, in one process.

Runs in the oci-cli venv (``.venv/oci-cli/bin/python``), never in ours: it imports the CLI itself. The
commands come from the CLI's own click tree, so a newer CLI's new command shows up by itself; each
command's required options are filled from a table of per-parameter values (ids of the resources the
test made first, or that an earlier ``create`` printed). Starting ``oci`` once per command costs 1-2 s,
so every command goes through the CLI's click entry point here, and each answers one JSON line:
``{"command": "model get", "exit": 0, "json": true, "output": "..."}``.

Usage: ``python oci_cli_surface.py SETTINGS.json`` where the settings hold ``config_file``,
``profile``, ``endpoint``, ``work_dir`` and ``values`` (the table's ids and files).
"""
from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import click
from click.testing import CliRunner

# The groups of ``oci data-science`` the emulator serves: the model catalog, deployments, work requests.
IN_SCOPE = ("project", "model", "model-artifact-signature", "model-version-set", "model-group",
            "model-group-version-history", "model-deployment", "model-deployment-shape",
            "model-deployment-model-state", "register-model-artifact-reference-details", "work-request")

# The order commands run in, by verb: resources first, then reads, changes, state moves, deletes.
PHASES = (("create", "register"), ("get", "head", "list", "verify", "export", "import", "restore"), ("update",),
          ("change-compartment",), ("deactivate",), ("activate",), ("cancel",), ("delete-",), ("delete",))
# Within a phase: what the others need comes first (a signature's model, a group's members...).
GROUP_ORDER = ("project", "model", "model-version-set", "model-group-version-history", "model-group",
               "model-artifact-signature", "register-model-artifact-reference-details", "model-deployment")

# Each group's own id option: deletes and compartment moves take the resource its ``create`` made.
OWN_ID = {"project": "--project-id", "model": "--model-id", "model-version-set": "--model-version-set-id",
          "model-group": "--model-group-id", "model-group-version-history": "--model-group-version-history-id",
          "model-artifact-signature": "--artifact-signature-id", "model-deployment": "--model-deployment-id"}


def in_scope_commands(data_science: click.Group) -> list[tuple[str, str]]:
    """(group, verb) for every command of the in-scope groups, in the order they can run."""
    commands = [(group, verb) for group in IN_SCOPE for verb in data_science.commands[group].commands]
    return sorted(commands, key=_run_order)


def _run_order(command: tuple[str, str]) -> tuple[int, int, str]:
    group, verb = command
    phase = next(i for i, prefixes in enumerate(PHASES) if verb.startswith(prefixes))
    rank = GROUP_ORDER.index(group) if group in GROUP_ORDER else len(GROUP_ORDER)
    if verb == "delete":  # a resource goes after what sits in it (a signature before its model, a model before its project)
        rank = -rank
    return phase, rank, verb


def arguments(group: str, verb: str, required: list[str], values: dict, created: dict, work: Path) -> list[str]:
    """The command's options: its required ones from the table, plus what the command needs to succeed."""
    extras = _extras(group, verb, values, created)
    options = {option: _value(group, verb, option, values, created, work) for option in required if option not in extras}
    options.update(extras)
    return [token for pair in options.items() for token in pair]


def _value(group: str, verb: str, option: str, values: dict, created: dict, work: Path) -> str:
    if option == "--file":
        return str(work / f"{group}-{verb}.out")
    if option == OWN_ID.get(group) and (verb in ("delete", "change-compartment") or group == "model"):
        return created.get(group) or values[option]  # the model group's own model: the one its create made
    if option == "--compartment-id" and verb == "change-compartment":
        return values["--target-compartment-id"]
    if option == "--model-id" and group.startswith("register"):
        return values["reference-model-id"]  # a reference goes on a model without an artifact
    if option == "--model-deployment-id" and "model-group" in verb:
        return created[MODEL_GROUP_DEPLOYMENT]  # a deployment's type cannot change: update the one made as MODEL_GROUP
    if option == "--metadatum-key-name":
        return "Hyperparameters" if "defined" in verb else "readme"
    return values[option]


MODEL_GROUP_DEPLOYMENT = "model-deployment create-model-deployment-model-group-deployment-configuration-details"


def _extras(group: str, verb: str, values: dict, created: dict) -> dict[str, str]:
    """Options not marked required whose absence the service refuses (a group's members, a deployment's shape)."""
    model, group_id = values["--model-id"], created.get("model-group", values["--model-group-id"])
    instance = {"instanceShapeName": "VM.Standard.E4.Flex"}
    single = {"deploymentType": "SINGLE_MODEL", "modelConfigurationDetails": {
        "modelId": model, "instanceConfiguration": instance}}
    infrastructure = {"infrastructureType": "INSTANCE_POOL", "instanceConfiguration": instance}
    table = {
        ("model", "create"): {"--defined-metadata-list": json.dumps([{"key": "Hyperparameters", "value": "{}"}]),
                              "--custom-metadata-list": json.dumps([{"key": "readme", "value": "readme.md"}]),
                              "--display-name": "cli-made"},
        ("model-group", "create-model-group-create-model-group-details"): {
            "--model-group-details": json.dumps({"type": "HOMOGENEOUS"}),
            "--member-model-entries": json.dumps(_members(model))},
        ("model-group", "create-model-group-clone-model-group-details"): {
            "--model-group-clone-source-details": json.dumps(
                {"modelGroupCloneSourceType": "MODEL_GROUP", "sourceId": values["--model-group-id"]})},
        ("model-group", "create-model-group-artifact"): {"--model-group-id": group_id},
        ("model-deployment", "create"): {"--model-deployment-configuration-details": json.dumps(single)},
        ("model-deployment", "create-model-deployment-single-model-deployment-flex-configuration-details"): {
            "--model-deployment-configuration-details-model-configuration-details": json.dumps({"modelId": model}),
            "--model-deployment-configuration-details-infrastructure-configuration-details": json.dumps(
                infrastructure)},
        ("model-deployment", "create-model-deployment-model-group-deployment-configuration-details"): {
            "--model-deployment-configuration-details-model-group-configuration-details": json.dumps(
                {"modelGroupId": values["deployable-model-group-id"]}),
            "--model-deployment-configuration-details-infrastructure-configuration-details": json.dumps(
                infrastructure),
            # waits until it is up, so that the MODEL_GROUP update below finds it ACTIVE (the CLI waits on until
            # SUCCEEDED even when the work request FAILED: a bounded wait)
            "--wait-for-state": "SUCCEEDED", "--wait-interval-seconds": "1", "--max-wait-seconds": "120"},
        ("model-deployment", "update-model-deployment-update-model-group-deployment-configuration-details"): {
            "--model-deployment-configuration-details-model-group-configuration-details": json.dumps(
                {"modelGroupId": values["deployable-model-group-id"]}),
            "--display-name": "cli-renamed-group", "--force": ""},
        ("model", "update"): {"--display-name": "cli-renamed", "--force": ""},
        ("project", "update"): {"--display-name": "cli-renamed", "--force": ""},
        ("model-version-set", "update"): {"--description": "cli-renamed", "--force": ""},
        ("model-group", "update"): {"--display-name": "cli-renamed", "--force": ""},
        ("model-group-version-history", "update"): {"--display-name": "cli-renamed", "--force": ""},
        ("model-artifact-signature", "update"): {"--display-name": "cli-renamed", "--force": ""},
        ("model-deployment", "update"): {"--display-name": "cli-renamed", "--force": ""},
        ("model", "export-model-artifact-artifact-export-details-object-storage"): _bucket(values, "source"),
        ("model", "import-model-artifact-artifact-import-details-object-storage"): _bucket(values, "destination"),
        ("model", "export-model-artifact"): {"--artifact-export-details": json.dumps(
            {"artifactSourceType": "ORACLE_OBJECT_STORAGE", **_bucket_json(values, "source")})},
        ("model", "import-model-artifact"): {"--artifact-import-details": json.dumps(
            {"artifactSourceType": "ORACLE_OBJECT_STORAGE", **_bucket_json(values, "destination")})},
    }
    extras = dict(table.get((group, verb), {}))
    if verb.startswith(("delete", "cancel")):
        extras["--force"] = ""
    if group == "model-deployment" and verb.startswith(("update", "activate", "deactivate")):
        # a deployment changes in the background: the next command waits for this one, as a script would
        extras.update({"--wait-for-state": "SUCCEEDED", "--wait-interval-seconds": "1"})
    return extras


def _members(model: str) -> dict:
    return {"memberModelDetails": [{"modelId": model, "inferenceKey": "only"}]}


def _bucket_json(values: dict, side: str) -> dict:
    return {"namespace": values["namespace"], f"{side}Bucket": values["bucket"],
            f"{side}ObjectName": values["object"], f"{side}Region": "us-ashburn-1"}


def _bucket(values: dict, side: str) -> dict[str, str]:
    return {f"--artifact-{'export' if side == 'source' else 'import'}-details-{key}": value for key, value in {
        "namespace": values["namespace"], f"{side}-bucket": values["bucket"],
        f"{side}-object-name": values["object"], f"{side}-region": "us-ashburn-1"}.items()}


def _required(command: click.Command) -> list[str]:
    """The CLI marks its required options in their help text (click's ``required`` stays False)."""
    return [p.opts[0] for p in command.params if "[required]" in (getattr(p, "help", None) or "")]


def _flatten(options: list[str]) -> list[str]:
    return [token for token in options if token != ""]


def main(settings_path: str) -> None:
    from oci_cli import dynamic_loader
    from oci_cli.cli import cli

    settings = json.loads(Path(settings_path).read_text())
    dynamic_loader.load_service("data-science")
    data_science = cli.commands["data-science"]
    work = Path(settings["work_dir"])
    root = ["--config-file", settings["config_file"], "--profile", settings["profile"],
            "--endpoint", settings["endpoint"], "--no-retry", "data-science"]
    runner = CliRunner()
    created: dict[str, str] = {}
    for group, verb in in_scope_commands(data_science):
        command = data_science.commands[group].commands[verb]
        options = arguments(group, verb, _required(command), settings["values"], created, work)
        started = time.monotonic()
        result = runner.invoke(cli, root + [group, verb] + _flatten(options), catch_exceptions=True)
        output = result.stdout
        parsed = _json(output)
        if verb.startswith("create") and isinstance(parsed, dict):
            made = _made_id(parsed.get("data") or {})
            created[f"{group} {verb}"] = made  # each create's own resource, for a command that needs that kind
            if group in OWN_ID and group not in created:
                created[group] = made
        error = result.stderr if result.exit_code else ""
        if result.exception is not None and not isinstance(result.exception, SystemExit):
            error += repr(result.exception)
        print(json.dumps({"command": f"{group} {verb}", "exit": result.exit_code, "json": parsed is not None,
                          "seconds": round(time.monotonic() - started, 2),
                          "output": output[:20000], "error": error[-2000:]}), flush=True)


def _made_id(data: dict) -> str | None:
    """The created resource's OCID: the record's own id, or, when the CLI waited on the work request and
    printed that, the identifier of the resource it created."""
    created = [r["identifier"] for r in data.get("resources") or [] if r.get("action-type") == "CREATED"]  # the CLI prints dashed keys
    return created[0] if created else data.get("id")


def _json(text: str):
    if not text.strip():
        return None
    try:
        return json.loads(text)
    except ValueError:
        return None


if __name__ == "__main__":
    main(sys.argv[1])
