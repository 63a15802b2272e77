"""``dockyard conda publish`` and ``dockyard conda list``: the conda packs ADS artifacts name.

A pack is emulated by a pip requirement set: the service packs come with the emulator (its
``service-conda-packs`` index), and ``publish`` registers your own, where ``odsc conda publish``
would upload a real one. Deployments of an artifact that names a pack build that set.
"""
from __future__ import annotations

from pathlib import Path

import click

from toolkit.cli.common import handle_errors, json_option, print_json, print_table, profile_option

BUCKET_HELP = "Bucket of published packs (default: conda-packs)."
NAMESPACE_HELP = "Object Storage namespace (default: the profile's own)."


@click.group("conda")
def conda_group() -> None:
    """Conda packs (service and published) that artifacts name, each standing for pip requirements.

    \b
    Example:
      dockyard conda publish --slug churn_p311_cpu_v1 -r requirements.txt
      dockyard conda list
    """


@conda_group.command("publish")
@click.option("--slug", required=True, help="The pack's slug (the last part of its oci:// path).")
@click.option("--requirements", "-r", "requirements_file", required=True,
              type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="pip requirements file the pack stands for.")
@click.option("--name", default=None, help="Display name (default: the slug).")
@click.option("--version", "pack_version", default="1.0", show_default=True, help="Pack version.")
@click.option("--python", "python", default=None, help="Python version (default: this interpreter's).")
@click.option("--bucket", default="conda-packs", help=BUCKET_HELP)
@click.option("--namespace", default=None, help=NAMESPACE_HELP)
@profile_option
@json_option("Print the published pack as JSON.")
@handle_errors
def publish_command(slug: str, requirements_file: Path, name: str | None, pack_version: str, python: str | None,
                    bucket: str, namespace: str | None, profile: str | None, as_json: bool) -> None:
    """Publish a pack that stands for a requirements file; prints its oci:// path for prepare().

    The object goes where `odsc conda publish` would put a real pack
    (oci://BUCKET@NAMESPACE/conda_environments/cpu/NAME/VERSION/SLUG), its manifest in
    opc-meta-manifest; a deployment of an artifact naming that path builds the requirements.

    \b
    Example:
      dockyard conda publish --slug churn_p311_cpu_v1 -r requirements.txt --python 3.11
    """
    from toolkit.catalog.conda_packs import publish

    pack = publish(slug, requirements_file, name=name, version=pack_version, python=python, bucket=bucket,
                   namespace=namespace, profile=profile)
    if as_json:
        print_json({"slug": pack.slug, "name": pack.name, "python": pack.python, "type": pack.type,
                    "path": pack.path, "requirements": list(pack.requirements)})
        return
    click.echo(f"published {pack.slug} ({len(pack.requirements)} requirement(s))\n{pack.path}")


@conda_group.command("list")
@click.option("--bucket", default="conda-packs", help=BUCKET_HELP)
@click.option("--namespace", default=None, help=NAMESPACE_HELP)
@profile_option
@json_option("Print the packs as JSON (slug, name, python, type, path, requirements).")
@handle_errors
def list_command(bucket: str, namespace: str | None, profile: str | None, as_json: bool) -> None:
    """The service packs of the index and the packs published in a bucket.

    \b
    Example:
      dockyard conda list --bucket conda-packs
    """
    from toolkit.catalog.conda_packs import list_packs

    packs = list_packs(bucket=bucket, namespace=namespace, profile=profile)
    if as_json:
        print_json([{"slug": p.slug, "name": p.name, "python": p.python, "type": p.type, "path": p.path,
                     "requirements": list(p.requirements)} for p in packs])
        return
    print_table("Conda packs", ["slug", "type", "python", "stands for", "path"],
                ([p.slug, p.type, p.python, ", ".join(p.requirements) or "-", p.path] for p in packs))


def register(cli: click.Group) -> None:
    cli.add_command(conda_group)
