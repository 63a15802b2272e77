"""``dockyard deploy``, ``dockyard deployments ...`` and ``dockyard predict``: deployments from a shell.

Human output by default, ``--json`` for scripts. Exit status: 0 ok, 1 error (OCI errors printed as
``code: message``), 2 usage. Every command takes ``--profile`` (``local`` = the emulator).
"""
from __future__ import annotations

import functools
import json
import sys
from pathlib import Path
from typing import Any, Callable

import click

profile_option = click.option(
    "--profile", "-p", envvar="DOCKYARD_PROFILE", default=None,
    help="'local' (the emulator, default) or a profile of ~/.oci/config. Env: DOCKYARD_PROFILE.")
json_option = click.option("--json", "as_json", is_flag=True, help="Print JSON (wire field names) for scripts.")
wait_option = click.option("--wait/--no-wait", default=True, show_default=True,
                           help="Wait for the work request to finish.")


def handle_errors(func: Callable[..., Any]) -> Callable[..., Any]:
    """Expected failures become one clear line on stderr and exit status 1."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        import oci

        from toolkit.catalog.errors import CatalogError
        from toolkit.deployment import DeploymentError
        from toolkit.profiles import ProfileError

        try:
            return func(*args, **kwargs)
        except oci.exceptions.ServiceError as exc:
            _fail(f"{exc.code}: {exc.message} (opc-request-id {exc.request_id})")
        except (oci.exceptions.RequestException, oci.exceptions.ConnectTimeout) as exc:
            _fail(f"cannot reach the service: {exc}")
        except (DeploymentError, CatalogError, ProfileError, ValueError) as exc:
            _fail(str(exc))

    return wrapper


def _fail(message: str) -> None:
    click.echo(f"Error: {message}", err=True)
    sys.exit(1)


def _show(deployment: Any, as_json: bool) -> None:
    if as_json:
        import oci

        click.echo(json.dumps(oci.util.to_dict(deployment.record), default=str, indent=2))
        return
    click.echo(f"{deployment.id}\n  name:  {deployment.display_name}\n  state: {deployment.lifecycle_state}"
               f"\n  url:   {deployment.url}\n  model: {deployment.model_id}")
    if deployment.lifecycle_details:
        click.echo(f"  details: {deployment.lifecycle_details}")


@click.command("deploy")
@click.argument("model_id")
@click.option("--name", "display_name", help="Display name of the deployment.")
@click.option("--runtime", type=click.Choice(["auto", "docker", "process"]), envvar="DOCKYARD_RUNTIME",
              help="Where the emulator runs the server (default auto: docker when an engine answers).")
@click.option("--image", "deployment_image", help="Bring your own container: the image to run.")
@click.option("--server-port", type=int, help="BYOC: the port the container serves /predict on.")
@click.option("--health-check-port", type=int, help="BYOC: the port the container serves /health on.")
@click.option("--env", "env", multiple=True, metavar="KEY=VALUE", help="Environment variable (repeatable).")
@click.option("--shape", "shape", default="VM.Standard.E4.Flex", show_default=True, help="Instance shape.")
@wait_option
@json_option
@profile_option
@handle_errors
def deploy(model_id: str, display_name: str | None, runtime: str | None, deployment_image: str | None,
           server_port: int | None, health_check_port: int | None, env: tuple[str, ...], shape: str,
           wait: bool, as_json: bool, profile: str | None) -> None:
    """Deploy the catalog model MODEL_ID behind an HTTP endpoint and print the deployment."""
    from toolkit.deployment import deploy_model

    variables = dict(_key_value(item) for item in env) or None
    deployment = deploy_model(model_id, display_name=display_name, runtime=runtime, wait_for_completion=wait,
                              deployment_image=deployment_image, server_port=server_port,
                              health_check_port=health_check_port, environment_variables=variables,
                              deployment_instance_shape=shape, profile=profile, show_progress=not as_json)
    _show(deployment, as_json)


def _key_value(item: str) -> tuple[str, str]:
    if "=" not in item:
        raise click.BadParameter(f"expected KEY=VALUE, got {item!r}", param_hint="--env")
    key, value = item.split("=", 1)
    return key, value


@click.group("deployments")
def deployments() -> None:
    """Model deployments: list, get, logs, activate, deactivate, delete."""


@deployments.command("list")
@click.option("--compartment-id", "-c", help="Compartment OCID (local default: the tenancy).")
@click.option("--state", "lifecycle_state", help="Only deployments in this lifecycle state.")
@json_option
@profile_option
@handle_errors
def list_deployments(compartment_id: str | None, lifecycle_state: str | None, as_json: bool,
                     profile: str | None) -> None:
    """List deployments, newest first."""
    import oci

    from toolkit.deployment import ModelDeployment

    items = ModelDeployment.list(compartment_id=compartment_id, lifecycle_state=lifecycle_state, profile=profile)
    if as_json:
        click.echo(json.dumps([oci.util.to_dict(d.record) for d in items], default=str, indent=2))
        return
    for d in items:
        click.echo(f"{d.id}  {d.lifecycle_state:<15} {d.display_name}")


@deployments.command("get")
@click.argument("deployment_id")
@json_option
@profile_option
@handle_errors
def get_deployment(deployment_id: str, as_json: bool, profile: str | None) -> None:
    """Show one deployment."""
    from toolkit.deployment import ModelDeployment

    _show(ModelDeployment.from_id(deployment_id, profile=profile), as_json)


@deployments.command("logs")
@click.argument("deployment_id")
@click.option("--type", "log_type", type=click.Choice(["access", "predict"]), help="Only this log.")
@click.option("--follow", "-f", is_flag=True, help="Keep printing new entries until interrupted.")
@profile_option
@handle_errors
def deployment_logs(deployment_id: str, log_type: str | None, follow: bool, profile: str | None) -> None:
    """Print a deployment's access and predict log entries, oldest first."""
    from toolkit.deployment import ModelDeployment

    deployment = ModelDeployment.from_id(deployment_id, profile=profile)
    try:
        for entry in deployment.logs(log_type=log_type, follow=follow):
            click.echo(str(entry))
    except KeyboardInterrupt:
        pass


def _lifecycle_command(name: str, verb: str) -> click.Command:
    @click.command(name)
    @click.argument("deployment_id")
    @wait_option
    @profile_option
    @handle_errors
    def command(deployment_id: str, wait: bool, profile: str | None) -> None:
        from toolkit.deployment import ModelDeployment

        deployment = ModelDeployment.from_id(deployment_id, profile=profile)
        getattr(deployment, name)(wait_for_completion=wait, show_progress=wait)
        click.echo(f"{deployment.id}  {deployment.lifecycle_state}")

    command.__doc__ = f"{verb} a deployment."
    return command


for _name, _verb in (("activate", "Activate"), ("deactivate", "Deactivate (stop serving)"), ("delete", "Delete")):
    deployments.add_command(_lifecycle_command(_name, _verb))


@click.command("predict")
@click.argument("deployment_id")
@click.option("--data", "-d", required=True,
              help="JSON document to send, @file for a JSON file, or @file.bin with --binary.")
@click.option("--binary", is_flag=True, help="Send the @file's bytes as application/octet-stream.")
@profile_option
@handle_errors
def predict(deployment_id: str, data: str, binary: bool, profile: str | None) -> None:
    """Send a request to a deployment's /predict (signed, through its endpoint) and print the answer."""
    from toolkit.deployment import ModelDeployment

    deployment = ModelDeployment.from_id(deployment_id, profile=profile)
    if binary:
        if not data.startswith("@"):
            raise click.BadParameter("--binary needs --data @file", param_hint="--data")
        result = deployment.predict(Path(data[1:]).read_bytes())
    else:
        text = Path(data[1:]).read_text() if data.startswith("@") else data
        try:
            document = json.loads(text)
        except ValueError as exc:
            raise click.BadParameter(f"not JSON: {exc}", param_hint="--data") from None
        result = deployment.predict(json_input=document)
    if isinstance(result, bytes):
        sys.stdout.buffer.write(result)
    else:
        click.echo(json.dumps(result, indent=2))


def register(cli: click.Group) -> None:
    cli.add_command(deploy)
    cli.add_command(deployments)
    cli.add_command(predict)
