"""``dockyard promote``: copy a verified model from the local catalog (or any profile) to OCI."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

from toolkit.cli.common import OcidType, handle_errors, json_option, print_json


@click.command("promote")
@click.argument("model_ocid", type=OcidType("datasciencemodel"))
@click.option("--to", "to_profile", required=True, help="Target OCI config profile (OCI_CONFIG_FILE or ~/.oci/config).")
@click.option("--from", "from_profile", envvar="DOCKYARD_PROFILE", default=None,
              help="Profile the model is in (default: 'local', the emulator).")
@click.option("--compartment-id", "-c", help="Target compartment (default: the target profile's, NB_SESSION_COMPARTMENT_OCID).")
@click.option("--project-id", help="Target project (default: PROJECT_OCID).")
@click.option("--model-version-set", "version_set", metavar="NAME",
              help="Version set on the far side (default: the source's name); created there when missing.")
@click.option("--deploy", is_flag=True, help="Also deploy the copy, configured like the source's deployment.")
@click.option("--dry-run", is_flag=True, help="Print the plan; call nothing that writes.")
@click.option("--endpoint", help="Service endpoint for the target (a staging emulator); default: the region's.")
@click.option("--bucket-uri", metavar="oci://BUCKET@NAMESPACE/PREFIX",
              help="Send the artifact through Object Storage (required beyond 2 GiB).")
@click.option("--verify-data", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="JSON file with sample input for verify() (default: a row built from the input schema).")
@json_option("Print the result as JSON.")
@handle_errors
def promote_command(model_ocid: str, to_profile: str, from_profile: str | None, compartment_id: str | None,
                    project_id: str | None, version_set: str | None, deploy: bool, dry_run: bool,
                    endpoint: str | None, bucket_uri: str | None, verify_data: Path | None, as_json: bool) -> None:
    """Promote a catalog model to another profile (normally OCI), re-verified first.

    Copies the record, metadata, schemas, provenance, version set and label, and the artifact
    (digest checked on the far side). Promoting the same artifact again reuses the earlier copy;
    a run that failed midway completes when run again. Exit status: 0 ok, 1 failed, 2 usage.

    \b
    Example:
      dockyard promote ocid1.datasciencemodel.oc1.iad.xxx --to PROD \\
          --compartment-id ocid1.compartment.oc1..yyy --project-id ocid1.datascienceproject.oc1.iad.zzz \\
          --model-version-set churn --deploy
    """
    from toolkit.promote import promote_model

    data = json.loads(verify_data.read_text()) if verify_data else None
    echo = (lambda step, message: None) if as_json else progress_printer(dry_run)
    result = promote_model(
        model_ocid, to_profile, source_profile=from_profile, compartment_id=compartment_id, project_id=project_id,
        model_version_set=version_set, deploy=deploy, dry_run=dry_run, endpoint=endpoint, bucket_uri=bucket_uri,
        verify_data=data, progress=echo)
    if as_json:
        print_json(result.to_dict())
    else:
        print_outcome(result, "promote", result.source_model_id)


def progress_printer(dry_run: bool) -> Any:
    prefix = "[dry run] " if dry_run else ""

    def echo(step: str, message: str) -> None:
        click.echo(f"{prefix}{step:<12} {message}", err=True)

    return echo


def print_outcome(result: Any, verb: str, source: str, copy: str | None = None) -> None:
    """The last lines of a promotion or a pull: the copy (or, in a dry run, that nothing was written)
    and its deployment's URL. ``verb`` is the command ("promote", "pull"), ``source`` names the source,
    ``copy`` the copy (default: the target model)."""
    if result.dry_run:
        click.echo(f"Dry run: nothing was written. Run again without --dry-run to {verb}.")
        return
    done = "promoted" if verb == "promote" else "pulled"
    how = f"already {done}; completed" if result.reused else done
    click.echo(f"{source} {how} -> {copy or result.target_model_id} ({result.target_profile})")
    if result.deployment_url:
        click.echo(f"deployment {result.deployment_id}: {result.deployment_url}/predict")


def register(cli: click.Group) -> None:
    cli.add_command(promote_command)
