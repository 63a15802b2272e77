"""``dockyard save``, ``dockyard models ...`` and ``dockyard version-sets ...``: the catalog from a shell.

Human tables by default, ``--json`` (wire field names, as the REST API) for scripts. Exit status:
0 ok, 1 error (OCI errors printed as ``code: message``), 2 usage. Every command takes
``--profile`` (``local`` = the emulator, or a profile of ~/.oci/config).
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

from emulator.contracts.states import MODEL_STATES
from toolkit.cli.common import (
    OcidType, compartment_option, confirm_unless, handle_errors, json_option, parse_key_values, print_fields, print_json,
    print_table, profile_option, project_option, utc_time, yes_option,
)

VERSION_SET_OCID_PREFIX = "ocid1.datasciencemodelversionset."


def _parse_tags(tags: tuple[str, ...], param_hint: str = "--tag") -> dict[str, str] | None:
    return parse_key_values(tags, param_hint) or None


# --------------------------------------------------------------------------------------------
# dockyard save
# --------------------------------------------------------------------------------------------

@click.command("save")
@click.argument("artifact_dir", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--display-name", "-n", help="Model name in the catalog (default: class and time).")
@click.option("--description", "-d", help="Model description.")
@compartment_option
@project_option
@click.option("--version-set", "--model-version-set", "model_version_set",
              help="Model version set name or OCID to add the model to (ADS: model_version_set).")
@click.option("--version-label", help="Label of this version inside the version set (e.g. v1).")
@click.option("--ignore-introspection", is_flag=True, help="Save even if introspection finds defects.")
@click.option("--tag", "tags", multiple=True, metavar="KEY=VALUE", help="Freeform tag (repeatable).")
@click.option("--bucket-uri", help="oci://bucket@namespace/prefix to upload through (required over 2 GB).")
@click.option("--training-script", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="The script that trained the model, recorded as its provenance with the git state of its "
                   "repository (ADS: training_script_path). Default: what prepare recorded.")
@profile_option
@json_option()
@handle_errors
def save_command(artifact_dir: Path, display_name: str | None, description: str | None, compartment_id: str | None,
                 project_id: str | None, model_version_set: str | None, version_label: str | None,
                 ignore_introspection: bool, tags: tuple[str, ...], bucket_uri: str | None,
                 training_script: Path | None, profile: str | None, as_json: bool) -> None:
    """Save a prepared artifact directory to the model catalog and print its OCID.

    Introspection runs first; a failing artifact is refused (exit 1, with the failed checks)
    unless --ignore-introspection.

    \b
    Example:
      dockyard save ./artifact --display-name churn-rf --version-set churn --version-label v3
    """
    from toolkit.catalog.model_catalog import get_model, save_model

    model = _load_for_save(artifact_dir, ignore_introspection)
    if training_script:
        from toolkit.model.metadata import ModelProvenanceMetadata

        model.metadata_provenance = ModelProvenanceMetadata.fetch(
            str(training_script.resolve()), model.metadata_provenance.training_id, str(artifact_dir.resolve()))
    model_id = save_model(
        model, display_name=display_name, description=description, compartment_id=compartment_id,
        project_id=project_id, model_version_set=model_version_set, version_label=version_label,
        ignore_introspection=True, freeform_tags=_parse_tags(tags), profile=profile, bucket_uri=bucket_uri,
    )
    if as_json:
        print_json(get_model(model_id, profile=profile))
    else:
        click.echo(model_id)


def _load_for_save(artifact_dir: Path, ignore_introspection: bool) -> Any:
    """Introspect the directory first (so a broken artifact is reported check by check, not as a
    load traceback), then load it as a model for its metadata."""
    from toolkit import GenericModel
    from toolkit.artifact.introspect import introspect
    from toolkit.catalog.errors import CatalogError, IntrospectionFailedError

    result = None if ignore_introspection else introspect(artifact_dir.resolve())
    if result is not None and not result.passed:
        raise IntrospectionFailedError(result.failures)
    try:
        model = GenericModel.from_model_artifact(str(artifact_dir))
    except Exception as exc:  # any loader failure: the artifact cannot be described for the catalog
        raise CatalogError(f"cannot load the artifact in {artifact_dir}: {type(exc).__name__}: {exc}") from None
    if result is not None:
        model.metadata_taxonomy.set("ArtifactTestResults", result.to_dict())
    return model


# --------------------------------------------------------------------------------------------
# dockyard models ...
# --------------------------------------------------------------------------------------------

@click.group("models")
def models_group() -> None:
    """List, inspect, download and delete catalog models.

    \b
    Example:
      dockyard models list --version-set churn
    """


@models_group.command("list")
@compartment_option
@click.option("--project-id", help="Only models of this project.")
@click.option("--version-set", "model_version_set_name", help="Only models of this version set (name).")
@click.option("--version-label", help="Only models with this version label.")
@click.option("--display-name", help="Only models with exactly this name.")
@click.option("--state", "lifecycle_state", type=click.Choice(list(MODEL_STATES),
              case_sensitive=False), help="Only models in this lifecycle state.")
@click.option("--limit", type=click.IntRange(min=1), help="Stop after this many models.")
@profile_option
@json_option()
@handle_errors
def models_list(compartment_id: str | None, project_id: str | None, model_version_set_name: str | None,
                version_label: str | None, display_name: str | None, lifecycle_state: str | None,
                limit: int | None, profile: str | None, as_json: bool) -> None:
    """List catalog models (all pages), newest first.

    \b
    Example:
      dockyard models list --state ACTIVE --limit 20 --json
    """
    from toolkit.catalog.model_catalog import list_models

    models = list_models(
        compartment_id=compartment_id, project_id=project_id, model_version_set_name=model_version_set_name,
        version_label=version_label, display_name=display_name,
        lifecycle_state=lifecycle_state.upper() if lifecycle_state else None,
        sort_by="timeCreated", sort_order="DESC", limit=limit, profile=profile,
    )
    if as_json:
        print_json(list(models))
        return
    rows = ([m.display_name, m.id, m.lifecycle_state, m.model_version_set_name, m.version_id, m.version_label,
             utc_time(m.time_created)] for m in models)
    print_table("Models", ["Name", "OCID", "State", "Version set", "Version", "Label", "Created (UTC)"], rows)


@models_group.command("get")
@click.argument("model_id", type=OcidType("datasciencemodel"))
@profile_option
@json_option()
@handle_errors
def models_get(model_id: str, profile: str | None, as_json: bool) -> None:
    """Show one model: record, metadata, schemas and provenance.

    \b
    Example:
      dockyard models get ocid1.datasciencemodel.oc1.iad.amaaaaaa... --json
    """
    from toolkit.catalog.model_catalog import get_provenance
    from toolkit.catalog.session import connect
    from toolkit.catalog.wire import to_wire

    session = connect(profile=profile)
    record = to_wire(session.ds.get_model(model_id).data)
    provenance = get_provenance(session, model_id)
    if as_json:
        print_json({**record, "provenance": provenance})
        return
    keys = ["displayName", "id", "lifecycleState", "description", "projectId", "compartmentId",
            "modelVersionSetName", "versionId", "versionLabel", "timeCreated", "createdBy", "freeformTags"]
    print_fields("Model", [(k, record.get(k)) for k in keys])
    metadata = record.get("definedMetadataList", []) + record.get("customMetadataList", [])
    print_table("Metadata", ["Key", "Value", "Category"],
           ([m.get("key"), _short(m.get("value")), m.get("category")] for m in metadata))
    for title, key in (("Input schema", "inputSchema"), ("Output schema", "outputSchema")):
        _print_schema(title, record.get(key))
    if provenance:
        print_fields("Provenance", list(provenance.items()))


def _print_schema(title: str, schema: Any) -> None:
    """One row per column of an ADS schema (the record holds it as a JSON string); nothing when absent."""
    try:
        columns = (json.loads(schema) if isinstance(schema, str) else schema or {}).get("schema") or []
    except (ValueError, AttributeError):
        columns = []
    if columns:
        print_table(title, ["Column", "Type", "Feature type", "Required"],
                    ([c.get("name"), c.get("dtype"), c.get("feature_type"), c.get("required")] for c in columns))


def _short(value: Any, limit: int = 120) -> str | None:
    if value is None:
        return None
    text = str(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


@models_group.command("download")
@click.argument("model_id", type=OcidType("datasciencemodel"))
@click.argument("target", type=click.Path(path_type=Path))
@click.option("--zip", "as_zip", is_flag=True, help="Keep the zip as downloaded instead of extracting it.")
@click.option("--force", is_flag=True, help="Replace a non-empty TARGET directory / an existing zip.")
@click.option("--bucket-uri", help="oci://bucket@namespace/prefix to download through (large artifacts).")
@click.option("--max-unzipped-bytes", metavar="SIZE",
              help="Refuse a zip that unpacks to more (e.g. 200G; default $DOCKYARD_MAX_UNZIPPED_BYTES or 64G).")
@click.option("--max-zip-ratio", type=float, metavar="N",
              help="Refuse a member that expands more than N-fold (default $DOCKYARD_MAX_ZIP_RATIO or 200).")
@profile_option
@handle_errors
def models_download(model_id: str, target: Path, as_zip: bool, force: bool, bucket_uri: str | None,
                    max_unzipped_bytes: str | None, max_zip_ratio: float | None, profile: str | None) -> None:
    """Download a model's artifact to TARGET, extracted and checked against its SHA-256 manifest.

    \b
    Example:
      dockyard models download ocid1.datasciencemodel.oc1.iad.amaaaaaa... ./downloaded
    """
    from toolkit.catalog.model_catalog import download_artifact

    path = download_artifact(model_id, target, unzip=not as_zip, force=force, profile=profile, bucket_uri=bucket_uri,
                             max_unzipped_bytes=max_unzipped_bytes, max_zip_ratio=max_zip_ratio)
    click.echo(str(path))


@models_group.command("update")
@click.argument("model_id", type=OcidType("datasciencemodel"))
@click.option("--display-name", "-n", help="New name.")
@click.option("--description", "-d", help="New description.")
@click.option("--version-label", help="New label inside its version set.")
@click.option("--tag", "tags", multiple=True, metavar="KEY=VALUE", help="Freeform tags (replace the current ones).")
@click.option("--metadata", "custom", multiple=True, metavar="KEY=VALUE",
              help="Custom metadata item (repeatable): added, or replacing the item with that key; the others stay.")
@click.option("--replace-metadata", is_flag=True,
              help="Make the --metadata items the whole custom metadata list (drops SlugName, ModelFileName...).")
@profile_option
@json_option()
@handle_errors
def models_update(model_id: str, display_name: str | None, description: str | None, version_label: str | None,
                  tags: tuple[str, ...], custom: tuple[str, ...], replace_metadata: bool, profile: str | None,
                  as_json: bool) -> None:
    """Update a model's name, description, label, tags or custom metadata (etag-guarded).

    \b
    Example:
      dockyard models update ocid1.datasciencemodel.oc1.iad.amaaaaaa... --description "retrained" --metadata owner=ml-team
    """
    from toolkit.catalog.model_catalog import update_model

    metadata = _parse_tags(custom, "--metadata")
    if replace_metadata and not metadata:
        raise click.UsageError("--replace-metadata needs at least one --metadata KEY=VALUE")
    record = update_model(
        model_id, display_name=display_name, description=description, version_label=version_label,
        freeform_tags=_parse_tags(tags),
        custom_metadata_list=[{"key": k, "value": v, "category": None if not replace_metadata else "Other"}
                              for k, v in metadata.items()] if metadata else None,
        merge_custom_metadata=not replace_metadata, profile=profile,
    )
    if as_json:
        print_json(record)
    else:
        click.echo(f"updated {model_id}")


@models_group.command("delete")
@click.argument("model_id", type=OcidType("datasciencemodel"))
@click.option("--delete-deployments", is_flag=True, help="Also delete model deployments that serve it.")
@yes_option
@profile_option
@handle_errors
def models_delete(model_id: str, delete_deployments: bool, yes: bool, profile: str | None) -> None:
    """Delete a model; refused while a deployment uses it (unless --delete-deployments).

    \b
    Example:
      dockyard models delete ocid1.datasciencemodel.oc1.iad.amaaaaaa... --yes
    """
    from toolkit.catalog.errors import CatalogError, ModelInUseError
    from toolkit.catalog.model_catalog import delete_model

    confirm_unless(yes, f"Delete model {model_id}?")
    try:
        delete_model(model_id, delete_associated_model_deployment=delete_deployments, profile=profile)
    except ModelInUseError as exc:  # its message names the Python argument; say the flag here
        raise CatalogError(
            f"model {model_id} is used by model deployment(s) {', '.join(exc.deployment_ids)}; delete those "
            "first (dockyard deployments delete) or pass --delete-deployments"
        ) from None
    click.echo(f"deleted {model_id}")


# --------------------------------------------------------------------------------------------
# dockyard version-sets ...
# --------------------------------------------------------------------------------------------

@click.group("version-sets")
def version_sets_group() -> None:
    """Create, list, inspect and delete model version sets.

    \b
    Example:
      dockyard version-sets create churn --description "churn models"
    """


def _sdk_version_set() -> type:
    """The SDK's ``ModelVersionSet``, whose ``attribute_map`` gives ``--json`` its wire names."""
    from oci.data_science.models import ModelVersionSet

    return ModelVersionSet


def _find_version_set(name_or_id: str, compartment_id: str | None, profile: str | None) -> Any:
    from toolkit.catalog.version_set import ModelVersionSet

    if name_or_id.startswith(VERSION_SET_OCID_PREFIX):
        return ModelVersionSet.from_id(name_or_id, profile=profile)
    return ModelVersionSet.from_name(name_or_id, compartment_id=compartment_id, profile=profile)


@version_sets_group.command("create")
@click.argument("name")
@click.option("--description", "-d", help="What the models in this set are.")
@compartment_option
@project_option
@profile_option
@json_option()
@handle_errors
def version_sets_create(name: str, description: str | None, compartment_id: str | None, project_id: str | None,
                        profile: str | None, as_json: bool) -> None:
    """Create a model version set called NAME and print its OCID.

    \b
    Example:
      dockyard version-sets create churn --description "churn classifiers"
    """
    from toolkit.catalog.version_set import ModelVersionSet

    mvs = ModelVersionSet(name=name, description=description, compartment_id=compartment_id,
                          project_id=project_id, profile=profile).create()
    if as_json:
        print_json(mvs.to_dict(), sdk_model=_sdk_version_set())
    else:
        click.echo(mvs.id)


@version_sets_group.command("list")
@compartment_option
@click.option("--project-id", help="Only version sets of this project.")
@profile_option
@json_option()
@handle_errors
def version_sets_list(compartment_id: str | None, project_id: str | None, profile: str | None, as_json: bool) -> None:
    """List model version sets.

    \b
    Example:
      dockyard version-sets list --json
    """
    from toolkit.catalog.version_set import ModelVersionSet

    sets = ModelVersionSet.list(compartment_id=compartment_id, project_id=project_id, profile=profile)
    if as_json:
        print_json([s.to_dict() for s in sets], sdk_model=_sdk_version_set())
        return
    # A list answers summaries, which have no description (OCI's ModelVersionSetSummary): `get` shows it.
    print_table("Model version sets", ["Name", "OCID", "State", "Created (UTC)"],
                ([s.name, s.id, s.lifecycle_state, utc_time(s.time_created)] for s in sets))


@version_sets_group.command("get")
@click.argument("name_or_id", type=OcidType("datasciencemodelversionset"))
@compartment_option
@profile_option
@json_option()
@handle_errors
def version_sets_get(name_or_id: str, compartment_id: str | None, profile: str | None, as_json: bool) -> None:
    """Show a version set (by name or OCID) and the models in it.

    \b
    Example:
      dockyard version-sets get churn
    """
    mvs = _find_version_set(name_or_id, compartment_id, profile)
    models = mvs.models()
    if as_json:
        print_json({**mvs.to_dict(), "models": models}, sdk_model=_sdk_version_set())
        return
    print_fields("Model version set", list(mvs.to_dict().items()))
    print_table("Models", ["Version", "Label", "Name", "OCID", "State"],
           ([m.version_id, m.version_label, m.display_name, m.id, m.lifecycle_state]
            for m in sorted(models, key=lambda m: m.version_id or 0)))


@version_sets_group.command("delete")
@click.argument("name_or_id", type=OcidType("datasciencemodelversionset"))
@click.option("--delete-models", is_flag=True, help="Also delete the models in the set.")
@yes_option
@compartment_option
@profile_option
@handle_errors
def version_sets_delete(name_or_id: str, delete_models: bool, yes: bool, compartment_id: str | None,
                        profile: str | None) -> None:
    """Delete a version set (by name or OCID), waiting for the work request to finish.

    \b
    Example:
      dockyard version-sets delete churn --delete-models --yes
    """
    mvs = _find_version_set(name_or_id, compartment_id, profile)
    extra = " and its models" if delete_models else ""
    confirm_unless(yes, f"Delete model version set {mvs.name} ({mvs.id}){extra}?")
    mvs.delete(delete_model=delete_models)
    click.echo(f"deleted {mvs.id}")


def register(cli: click.Group) -> None:
    """Add ``save``, ``models`` and ``version-sets`` to the ``dockyard`` group."""
    cli.add_command(save_command)
    cli.add_command(models_group)
    cli.add_command(version_sets_group)
