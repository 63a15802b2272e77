"""``dockyard deploy``, ``dockyard deployments ...`` and ``dockyard predict``: deployments from a shell.

Human output by default, ``--json`` for scripts. Exit status: 0 ok, 1 error (OCI errors printed as
``code: message``), 2 usage. Every command takes ``--profile`` (``local`` = the emulator).
"""
from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

from emulator.contracts.deployments import DEFAULT_SHAPE, LOG_TYPES
from toolkit.cli.common import (
    DATA_HELP, RAW_HELP, OcidType, already_enveloped, compartment_option, confirm_unless, handle_errors, json_option,
    parse_key_values, print_json, print_table, profile_option, project_option, read_data, utc_time,
    yes_option,
)

EXAMPLE_OCID = "ocid1.datasciencemodeldeployment.oc1.iad.amaaaaaa..."
DEPLOYMENT_OCID = OcidType("datasciencemodeldeployment")
wait_option = click.option("--wait/--no-wait", default=True, show_default=True,
                           help="Wait for the work request to finish.")


def _show(deployment: Any, as_json: bool) -> None:
    if as_json:
        print_json(deployment.record)
        return
    click.echo(f"{deployment.id}\n  name:  {deployment.display_name}\n  state: {deployment.lifecycle_state}"
               f"\n  url:   {deployment.url}\n  model: {deployment.model_id}")
    if deployment.lifecycle_details:
        click.echo(f"  details: {deployment.lifecycle_details}")


@click.command("deploy")
@click.argument("model_id", required=False, type=OcidType("datasciencemodel"))
@click.option("--file", "-f", "spec_file", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="An ADS deployment spec (YAML: kind: deployment, spec.infrastructure, spec.runtime); its "
                   "runtime's modelUri is a model OCID or an artifact folder/zip, which is saved first.")
@click.option("--display-name", "--name", "-n", "display_name",
              help="Display name of the deployment (--name is an alias; save and the Python API say display_name).")
@click.option("--runtime", type=click.Choice(["auto", "docker", "process"]),
              help="Where the emulator runs the server. Default: $DOCKYARD_RUNTIME, else the emulator's own "
                   "(auto: docker when an engine answers and has a base image, else process).")
@click.option("--image", "deployment_image", help="Bring your own container: the image to run.")
@click.option("--server-port", type=int, help="BYOC: the port the container serves /predict on.")
@click.option("--health-check-port", type=int, help="BYOC: the port the container serves /health on.")
@click.option("--env", "env", multiple=True, metavar="KEY=VALUE", help="Environment variable (repeatable).")
@click.option("--shape", "shape", help=f"Instance shape [default: {DEFAULT_SHAPE}].")
@compartment_option
@project_option
@wait_option
@json_option()
@profile_option
@handle_errors
def deploy(model_id: str | None, spec_file: Path | None, display_name: str | None, runtime: str | None,
           deployment_image: str | None, server_port: int | None, health_check_port: int | None,
           env: tuple[str, ...], shape: str | None, compartment_id: str | None, project_id: str | None, wait: bool,
           as_json: bool, profile: str | None) -> None:
    """Deploy the catalog model MODEL_ID behind an HTTP endpoint and print the deployment; or, with
    -f, deploy what an ADS YAML spec describes (MODEL_ID, if given, replaces its modelUri).

    \b
    Example:
      dockyard deploy ocid1.datasciencemodel.oc1.iad.amaaaaaa... --display-name churn-api --runtime process
      dockyard deploy -f deployment.yaml
    """
    if spec_file is not None:
        given = [flag for flag, value in (("--image", deployment_image), ("--server-port", server_port),
                                          ("--health-check-port", health_check_port), ("--env", env),
                                          ("--shape", shape)) if value]
        if given:
            raise click.UsageError(f"{', '.join(given)} cannot be combined with -f: put it in the spec "
                                   "(spec.runtime.spec / spec.infrastructure.spec)")
        _show(_deploy_spec(spec_file, model_id, display_name, runtime, wait, as_json, profile,
                           compartment_id, project_id), as_json)
        return
    if not model_id:
        raise click.UsageError("give a MODEL_ID to deploy, or -f SPEC.yaml")
    from toolkit.deployment import deploy_model

    variables = parse_key_values(env, "--env") or None
    deployment = deploy_model(model_id, display_name=display_name, runtime=runtime, wait_for_completion=wait,
                              deployment_image=deployment_image, server_port=server_port,
                              health_check_port=health_check_port, environment_variables=variables,
                              deployment_instance_shape=shape, compartment_id=compartment_id,
                              project_id=project_id, profile=profile, show_progress=not as_json)
    _show(deployment, as_json)


def _deploy_spec(spec_file: Path, model_id: str | None, display_name: str | None, runtime: str | None, wait: bool,
                 as_json: bool, profile: str | None, compartment_id: str | None = None,
                 project_id: str | None = None) -> Any:
    """``ModelDeployment.from_yaml(uri=spec_file).deploy()``, the Python API's way; a relative modelUri
    is relative to the spec's folder; --compartment-id/--project-id replace the spec's."""
    from toolkit.deployment import ModelDeployment

    deployment = ModelDeployment.from_yaml(uri=str(spec_file))
    if model_id:
        deployment.runtime.with_model_uri(model_id)
    uri = deployment.runtime.model_uri
    if uri and not str(uri).startswith(("ocid1.", "oci://")) and not Path(uri).expanduser().is_absolute():
        deployment.runtime.with_model_uri(str(spec_file.resolve().parent / uri))
    if display_name:
        deployment.with_display_name(display_name)
    if compartment_id:
        deployment.infrastructure.with_compartment_id(compartment_id)
    if project_id:
        deployment.infrastructure.with_project_id(project_id)
    return deployment.deploy(wait_for_completion=wait, show_progress=not as_json, runtime=runtime, profile=profile)


@click.group("deployments")
def deployments() -> None:
    """Model deployments: list, get, logs, activate, deactivate, delete.

    \b
    Example:
      dockyard deployments list --state ACTIVE
    """


@deployments.command("list")
@compartment_option
@click.option("--state", "lifecycle_state", help="Only deployments in this lifecycle state.")
@json_option()
@profile_option
@handle_errors
def list_deployments(compartment_id: str | None, lifecycle_state: str | None, as_json: bool,
                     profile: str | None) -> None:
    """List deployments, newest first.

    \b
    Example:
      dockyard deployments list --state ACTIVE --json
    """
    from toolkit.deployment import ModelDeployment

    items = ModelDeployment.list(compartment_id=compartment_id, lifecycle_state=lifecycle_state, profile=profile)
    if as_json:
        print_json([d.record for d in items])
        return
    rows = ([d.display_name, d.id, d.lifecycle_state, d.model_id, utc_time(getattr(d.record, "time_created", None))]
            for d in items)
    print_table("Model deployments", ["Name", "OCID", "State", "Model", "Created (UTC)"], rows)


@deployments.command("get")
@click.argument("deployment_id", type=DEPLOYMENT_OCID)
@json_option()
@profile_option
@handle_errors
def get_deployment(deployment_id: str, as_json: bool, profile: str | None) -> None:
    """Show one deployment: name, state, URL and model.

    \b
    Example:
      dockyard deployments get ocid1.datasciencemodeldeployment.oc1.iad.amaaaaaa... --json
    """
    from toolkit.deployment import ModelDeployment

    _show(ModelDeployment.from_id(deployment_id, profile=profile), as_json)


@deployments.command("logs")
@click.argument("deployment_id", type=DEPLOYMENT_OCID)
@click.option("--type", "log_type", type=click.Choice(LOG_TYPES), help="Only this log.")
@click.option("--follow", "-f", is_flag=True, help="Keep printing new entries until interrupted.")
@profile_option
@handle_errors
def deployment_logs(deployment_id: str, log_type: str | None, follow: bool, profile: str | None) -> None:
    """Print a deployment's access and predict log entries, oldest first.

    \b
    Example:
      dockyard deployments logs ocid1.datasciencemodeldeployment.oc1.iad.amaaaaaa... --type predict --follow
    """
    from toolkit.deployment import ModelDeployment

    deployment = ModelDeployment.from_id(deployment_id, profile=profile)
    try:
        for entry in deployment.logs(log_type=log_type, follow=follow):
            click.echo(str(entry))
    except KeyboardInterrupt:
        pass


@deployments.command("metrics")
@click.argument("deployment_id", type=DEPLOYMENT_OCID)
@click.option("--minutes", default=15, show_default=True, type=click.IntRange(1, 1440), help="How far back to read.")
@click.option("--resolution", default="1m", show_default=True,
              help="One point per this much time: 1m, 5m, 1h... (the emulator also keeps 1s..59s, e.g. 10s).")
@json_option()
@profile_option
@handle_errors
def deployment_metrics(deployment_id: str, minutes: int, resolution: str, as_json: bool, profile: str | None) -> None:
    """Print a deployment's metrics (OCI Monitoring): requests, latency p50/p95, errors, CPU and
    memory per instance, instance count, each with its last, lowest and highest value and a sparkline.

    \b
    Example:
      dockyard deployments metrics ocid1.datasciencemodeldeployment.oc1.iad.amaaaaaa... --resolution 10s
    """
    from toolkit.deployment.metrics import deployment_metrics as read, sparkline

    found = read(deployment_id, minutes, resolution, profile=profile)
    if as_json:
        print_json([{"chart": s.chart, "title": s.title, "unit": s.unit, "line": s.label,
                     "points": [[t.isoformat(), v] for t, v in s.points]} for s in found])
        return
    rows = []
    for series in found:
        values = [v for _, v in series.points]
        rows.append([series.title, series.label, _number(series.last), _number(min(values, default=None)),
                     _number(max(values, default=None)), series.unit, sparkline(values)])
    print_table(f"Metrics of {deployment_id}: last {minutes} min, one point per {resolution}",
                ["metric", "line", "last", "min", "max", "unit", "trend"], rows)


def _number(value: float | None) -> str:
    return "" if value is None else f"{value:.4g}"


def _lifecycle_command(name: str, summary: str, confirm: bool = False) -> click.Command:
    """``activate``, ``deactivate`` and ``delete``: the same call on a deployment, by method name.

    ``confirm``: ask first (``--yes`` skips it), as ``models delete`` does; only ``delete`` cannot
    be undone (a deactivated deployment is activated again), so only it asks.
    """
    example = f"dockyard deployments {name} {EXAMPLE_OCID}" + (" --yes" if confirm else "")
    help_text = f"{summary}\n\n\b\nExample:\n  {example}"

    def command(deployment_id: str, wait: bool, profile: str | None, yes: bool = True) -> None:
        from toolkit.deployment import ModelDeployment

        deployment = ModelDeployment.from_id(deployment_id, profile=profile)
        confirm_unless(yes, f"{name.capitalize()} model deployment {deployment.display_name} ({deployment.id})?")
        getattr(deployment, name)(wait_for_completion=wait, show_progress=wait)
        click.echo(f"{deployment.id}  {deployment.lifecycle_state}")

    for decorator in (handle_errors, profile_option, *((yes_option,) if confirm else ()), wait_option,
                      click.argument("deployment_id", type=DEPLOYMENT_OCID)):
        command = decorator(command)
    return click.command(name, help=help_text)(command)


for _name, _summary, _confirm in (
        ("activate", "Activate a deployment: serve it again.", False),
        ("deactivate", "Deactivate a deployment: stop serving, keep it to activate later.", False),
        ("delete", "Delete a deployment (asks first unless --yes).", True)):
    deployments.add_command(_lifecycle_command(_name, _summary, _confirm))


@click.command("predict")
@click.argument("deployment_id", type=DEPLOYMENT_OCID)
@click.option("--data", "-d", required=True, help=DATA_HELP + " The same body verify sends.")
@click.option("--raw", is_flag=True, help=RAW_HELP)
@click.option("--binary", is_flag=True, help="Send the @file's bytes as application/octet-stream, whatever its suffix.")
@profile_option
@handle_errors
def predict(deployment_id: str, data: str, raw: bool, binary: bool, profile: str | None) -> None:
    """Send DATA to a deployment's /predict (signed, through its endpoint) and print the answer.

    DATA is read as ``verify --data`` reads it and sent as ``ModelDeployment.predict`` sends it.

    \b
    Example:
      dockyard predict ocid1.datasciencemodeldeployment.oc1.iad.amaaaaaa... --data @x.csv
    """
    from toolkit.deployment import ModelDeployment

    if binary and not data.startswith("@"):
        raise click.BadParameter("--binary needs --data @file", param_hint="--data")
    document = Path(data[1:]).read_bytes() if binary else read_data(data)
    deployment = ModelDeployment.from_id(deployment_id, profile=profile)
    result = deployment.predict(data=document, auto_serialize_data=not raw and not already_enveloped(document))
    if isinstance(result, bytes):
        sys.stdout.buffer.write(result)
    else:
        print_json(result)


def register(cli: click.Group) -> None:
    cli.add_command(deploy)
    cli.add_command(deployments)
    cli.add_command(predict)
