"""runtime.yaml as both sides read it: the file, the one place the pip requirements are, and names.

ADS's layout (upper-case keys) plus Dockyard's ``INFERENCE_ENV`` section, which ADS ignores::

    MODEL_ARTIFACT_VERSION: '3.0'
    MODEL_DEPLOYMENT:
      INFERENCE_CONDA_ENV: {INFERENCE_ENV_PATH, INFERENCE_ENV_SLUG, INFERENCE_ENV_TYPE, INFERENCE_PYTHON_VERSION}
      INFERENCE_ENV: {FLAVOR, MODEL_FILE, SERIALIZATION_FORMAT, REQUIREMENTS: [...], REQUIREMENTS_FILE, LOADER_VALUES}
    MODEL_PROVENANCE: {...}

The requirements an artifact lists itself (:func:`requirements`) are
``MODEL_DEPLOYMENT.INFERENCE_ENV.REQUIREMENTS`` when that list is there and not empty, else the
lines of ``requirements.txt``, else none. ``prepare()`` writes both.

The environment a deployment is built from (:func:`environment`) is what the artifact lists, when
it lists anything (Dockyard's section or a ``requirements.txt``); else the pip set standing in for
the conda pack ``INFERENCE_CONDA_ENV`` names, as OCI builds an ADS artifact from its pack alone:
a service pack from the index, or a published pack in Object Storage (``conda_packs``).
Distribution names compare in PEP 503 form (:func:`canonical_name`).
"""
from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

from emulator.contracts.conda_packs import PackLookup, PackRef

RUNTIME_FILE = "runtime.yaml"
REQUIREMENTS_FILE = "requirements.txt"
ARTIFACT_VERSION = "3.0"

# The keys, each written once: the toolkit writes the file with these, both sides read it with them.
ARTIFACT_VERSION_KEY = "MODEL_ARTIFACT_VERSION"
DEPLOYMENT = "MODEL_DEPLOYMENT"
CONDA_ENV = (DEPLOYMENT, "INFERENCE_CONDA_ENV")
#: INFERENCE_CONDA_ENV's fields, in ADS's order: the pack's path, slug, type and Python version.
ENV_PATH, ENV_SLUG, ENV_TYPE, ENV_PYTHON = CONDA_ENV_FIELDS = (
    "INFERENCE_ENV_PATH", "INFERENCE_ENV_SLUG", "INFERENCE_ENV_TYPE", "INFERENCE_PYTHON_VERSION")
INFERENCE_ENV = (DEPLOYMENT, "INFERENCE_ENV")  # Dockyard's section
REQUIREMENTS = (*INFERENCE_ENV, "REQUIREMENTS")
# Dockyard's INFERENCE_ENV fields beside REQUIREMENTS
FLAVOR, MODEL_FILE, SERIALIZATION_FORMAT = "FLAVOR", "MODEL_FILE", "SERIALIZATION_FORMAT"
REQUIREMENTS_FILE_KEY, LOADER_VALUES = "REQUIREMENTS_FILE", "LOADER_VALUES"
PROVENANCE = ("MODEL_PROVENANCE",)
#: MODEL_PROVENANCE's OCID and place fields, as ADS writes them.
PROVENANCE_OCID_KEYS = ("PROJECT_OCID", "TENANCY_OCID", "TRAINING_COMPARTMENT_OCID", "TRAINING_REGION",
                        "TRAINING_RESOURCE_OCID", "USER_OCID", "VM_IMAGE_INTERNAL_ID")
TRAINING_CODE, ARTIFACT_DIRECTORY = "TRAINING_CODE", "ARTIFACT_DIRECTORY"
TRAINING_CONDA_ENV = "TRAINING_CONDA_ENV"
#: TRAINING_CONDA_ENV's fields, in the order of CONDA_ENV_FIELDS.
TRAINING_ENV_FIELDS = ("TRAINING_ENV_PATH", "TRAINING_ENV_SLUG", "TRAINING_ENV_TYPE", "TRAINING_PYTHON_VERSION")

_NAME = re.compile(r"^\s*([A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?)")


class RuntimeYamlError(ValueError):
    """runtime.yaml cannot be read; ``hint`` says what to do."""

    def __init__(self, message: str, hint: str) -> None:
        super().__init__(message)
        self.message, self.hint = message, hint


class RuntimeYamlMissing(RuntimeYamlError):
    """The artifact has no runtime.yaml."""


def read(artifact_dir: Path) -> dict[str, Any]:
    """runtime.yaml as a dict; RuntimeYamlMissing / RuntimeYamlError say which file and what to do."""
    path = Path(artifact_dir) / RUNTIME_FILE
    if not path.is_file():
        raise RuntimeYamlMissing(f"{path} does not exist.", "Run prepare() to write runtime.yaml.")
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise RuntimeYamlError(f"{path} is not valid YAML: {exc}", "Fix the YAML or prepare() again.") from None
    if not isinstance(data, dict):
        raise RuntimeYamlError(f"{path} does not hold a mapping.", "prepare(force_overwrite=True) rewrites it.")
    return data


def section(data: dict[str, Any], path: tuple[str, ...]) -> dict[str, Any]:
    """The mapping at ``path`` (e.g. :data:`INFERENCE_ENV`); empty when any part is absent."""
    node: Any = data
    for key in path:
        node = node.get(key) if isinstance(node, dict) else None
    return node if isinstance(node, dict) else {}


def requirements(artifact_dir: Path, data: dict[str, Any] | None = None) -> list[str]:
    """The artifact's pip requirements (see the module docstring for where they come from).

    ``data`` is runtime.yaml already read; without it the file is read here, and an artifact
    without runtime.yaml falls back to ``requirements.txt``.
    """
    if data is None:
        try:
            data = read(artifact_dir)
        except RuntimeYamlMissing:
            data = {}
    listed = section(data, INFERENCE_ENV).get(REQUIREMENTS[-1])
    if isinstance(listed, list) and listed:
        return [str(line).strip() for line in listed if str(line).strip()]
    text = Path(artifact_dir) / REQUIREMENTS_FILE
    return read_requirements_file(text) if text.is_file() else []


def lists_requirements(artifact_dir: Path, data: dict[str, Any]) -> bool:
    """Whether the artifact lists its own requirements (Dockyard's REQUIREMENTS or a requirements.txt),
    even an empty list: then no conda pack is consulted."""
    return isinstance(section(data, INFERENCE_ENV).get(REQUIREMENTS[-1]), list) or \
        (Path(artifact_dir) / REQUIREMENTS_FILE).is_file()


def conda_pack(data: dict[str, Any]) -> PackRef:
    """The conda pack ``INFERENCE_CONDA_ENV`` names (falsy when it names none)."""
    env = section(data, CONDA_ENV)
    return PackRef(*(str(env.get(k) or "").strip() for k in CONDA_ENV_FIELDS))


def environment(artifact_dir: Path, packs: PackLookup, data: dict[str, Any] | None = None) -> list[str]:
    """The pip requirements a deployment of the artifact is built from (see the module docstring).

    ``packs`` resolves the conda pack when the artifact lists nothing itself; it raises
    ``conda_packs.CondaPackError`` (with a hint) for a pack it cannot find.
    """
    if data is None:
        try:
            data = read(artifact_dir)
        except RuntimeYamlMissing:
            data = {}
    if lists_requirements(artifact_dir, data):
        return requirements(artifact_dir, data)
    pack = conda_pack(data)
    return packs.requirements_of(pack) if pack else []


def read_requirements_file(path: Path) -> list[str]:
    """The requirement lines of a requirements.txt (comments and blank lines dropped)."""
    lines = Path(path).read_text(encoding="utf-8").splitlines()
    return [line.strip() for line in lines if line.strip() and not line.strip().startswith("#")]


def requirement_name(line: str) -> str:
    """The distribution a requirement line names, in PEP 503 form (``Scikit_Learn[x]>=1`` -> ``scikit-learn``)."""
    match = _NAME.match(line)
    if not match:
        raise ValueError(f"Not a requirement line: {line!r}")
    return canonical_name(match.group(1))


def canonical_name(name: str) -> str:
    """PEP 503 normalized distribution name: runs of ``-``, ``_``, ``.`` become ``-``, lower case."""
    return re.sub(r"[-_.]+", "-", name).lower()
