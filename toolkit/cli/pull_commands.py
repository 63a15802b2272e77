"""``dockyard pull``: copy a model or a deployment from a cloud profile into the local emulator."""
from __future__ import annotations

import click

from toolkit.cli.common import handle_errors, json_option, print_json
from toolkit.cli.promote_commands import print_outcome, progress_printer


@click.command("pull")
@click.argument("ocid", metavar="MODEL_OR_DEPLOYMENT_OCID")
@click.option("--from", "from_profile", required=True, help="The OCI config profile to read (OCI_CONFIG_FILE or ~/.oci/config).")
@click.option("--endpoint", help="Service endpoint for the source profile (a staging emulator); default: the region's.")
@click.option("--compartment-id", "-c", help="Local compartment (default: the local profile's).")
@click.option("--project-id", help="Local project (default: the emulator's dockyard-default project).")
@click.option("--model-version-set", "version_set", metavar="NAME",
              help="Local version set (default: the source's name); created when missing.")
@click.option("--deploy", is_flag=True, help="Deployment OCIDs: recreate the deployment locally, configured as the source's.")
@click.option("--dry-run", is_flag=True, help="Print the plan; write nothing anywhere.")
@click.option("--bucket-uri", metavar="oci://BUCKET@NAMESPACE/PREFIX",
              help="Stage artifacts over 2 GiB in this local bucket (default: dockyard-pull-staging).")
@json_option("Print the result as JSON.")
@handle_errors
def pull_command(ocid: str, from_profile: str, endpoint: str | None, compartment_id: str | None,
                 project_id: str | None, version_set: str | None, deploy: bool, dry_run: bool,
                 bucket_uri: str | None, as_json: bool) -> None:
    """Pull a model (or a deployment's model and configuration) from a cloud profile into the emulator.

    Copies the record, metadata, defined tags, schemas, provenance, version set and label, and the
    artifact (digest checked locally); for a deployment also its configuration (environment
    variables, scaling, shape, BYOC image, ports, entrypoint), and with --deploy the deployment
    itself. Nothing is written to the source profile. Pulling again reuses the earlier copy.
    Exit status: 0 ok, 1 failed, 2 usage.

    \b
    Example:
      dockyard pull ocid1.datasciencemodeldeployment.oc1.iad.xxx --from PROD --deploy
    """
    from toolkit.promote import pull

    echo = (lambda step, message: None) if as_json else progress_printer(dry_run)
    result = pull(ocid, from_profile, endpoint=endpoint, compartment_id=compartment_id, project_id=project_id,
                  model_version_set=version_set, deploy=deploy, dry_run=dry_run, bucket_uri=bucket_uri,
                  progress=echo)
    if as_json:
        print_json(result.to_dict())
    else:
        source = f"{result.source_deployment_id or result.source_model_id} ({result.source_profile})"
        print_outcome(result, "pull", source, result.target_model_group_id)


def register(cli: click.Group) -> None:
    cli.add_command(pull_command)
