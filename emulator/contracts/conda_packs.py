"""Conda packs as Dockyard emulates them: each pack stands for a pip requirement set.

An ADS artifact names only a conda pack in runtime.yaml (``INFERENCE_CONDA_ENV``: slug, path,
type, Python), never a pip list. OCI keeps two kinds of packs on Object Storage, and so does the
emulator:

- **service packs**, listed in ``oci://service-conda-packs@id19sfcrra6z/service_pack/index.json``
  (``{"service_packs": [{"slug", "name", "python", "pack_path", ...}]}``: the fields ADS reads).
  Each entry here also carries ``pip_requirements``, the small pip set that stands in for the
  pack (what a score.py written for it imports), and an object at its ``pack_path``.
- **published packs**, objects at ``oci://<bucket>@<namespace>/<prefix>/<arch>/<name>/<version>/<slug>``
  whose ``opc-meta-manifest`` is the pack's manifest JSON (``odsc conda publish`` writes the same).
  A Dockyard stand-in says so in its manifest (``dockyard_stand_in``) and its body is the
  requirements file (``dockyard conda publish``).

:class:`PackLookup` answers "which pip requirements does this pack stand for" over any way of
reading objects (the emulator's store, or the ``oci`` SDK), and ``runtime_yaml.environment`` uses
it for artifacts that list no requirements of their own.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any, Callable

SERVICE_BUCKET = "service-conda-packs"
SERVICE_NAMESPACE = "id19sfcrra6z"  # ADS's CONDA_BUCKET_NS
INDEX_OBJECT = "service_pack/index.json"
INDEX_KEY = "service_packs"  # ADS: ads.model.runtime.utils.SERVICE_PACKS
INDEX_URI = f"oci://{SERVICE_BUCKET}@{SERVICE_NAMESPACE}/{INDEX_OBJECT}"
# ADS's introspection reads the index through this pre-authenticated request, in the namespace of
# OCI's development tenancy (model_artifact_validate.PAR_URL); the emulator answers it too.
PAR_NAMESPACE = "ociodscdev"
PAR_ID = "WyjtfVIG0uda-P3-2FmAfwaLlXYQZbvPZmfX1qg0-sbkwEQO6jpwabGr2hMDBmBp"

SERVICE_TYPE = "data_science"  # INFERENCE_ENV_TYPE of a service pack (ADS's PACK_TYPE.SERVICE_PACK)
PUBLISHED_TYPE = "published"
MANIFEST_METADATA = "manifest"  # opc-meta-manifest
STAND_IN = "dockyard_stand_in"  # manifest key of a Dockyard stand-in pack ...
STAND_IN_KIND = "pip-requirements"  # ... whose object body is a requirements file
PUBLISHED_PREFIX = "conda_environments"  # where ``odsc conda publish`` puts packs in a bucket
DEFAULT_PUBLISH_BUCKET = "conda-packs"
MAX_STAND_IN_BYTES = 1 << 20  # a stand-in's requirements file is small; nothing bigger is read whole

_URI = re.compile(r"^oci://(?P<bucket>[^@/]+)@(?P<namespace>[^/]+)/(?P<name>.+)$")

Fetch = Callable[[str, str, str], "tuple[dict[str, str], bytes] | None"]  # (ns, bucket, name) -> (metadata, body)


class CondaPackError(ValueError):
    """A pack cannot be found or is not one Dockyard can build; ``hint`` says what to do."""

    def __init__(self, message: str, hint: str) -> None:
        super().__init__(f"{message}\nHint: {hint}")
        self.message, self.hint = message, hint


@dataclass(frozen=True)
class PackRef:
    """The pack runtime.yaml's ``INFERENCE_CONDA_ENV`` names."""

    path: str = ""
    slug: str = ""
    type: str = ""
    python: str = ""

    def __bool__(self) -> bool:
        return bool(self.path or self.slug)

    def __str__(self) -> str:
        return self.path or self.slug


@dataclass(frozen=True)
class ServicePack:
    """One entry of the emulated service-pack index: a real OCI pack and the pip set standing in for it."""

    slug: str
    name: str
    python: str
    version: str
    arch: str = "cpu"
    requirements: tuple[str, ...] = ()
    description: str = ""

    @property
    def object_name(self) -> str:
        return f"service_pack/{self.arch}/{self.name.replace(' ', '_')}/{self.version}/{self.slug}"

    @property
    def path(self) -> str:
        return f"oci://{SERVICE_BUCKET}@{SERVICE_NAMESPACE}/{self.object_name}"

    def manifest(self) -> dict[str, Any]:
        return {"name": self.name, "slug": self.slug, "type": SERVICE_TYPE, "version": self.version,
                "arch_type": self.arch.upper(), "python": self.python, "pack_path": self.path,
                "manifest_version": "1.0", STAND_IN: STAND_IN_KIND}

    def index_entry(self) -> dict[str, Any]:
        return {**self.manifest(), "description": self.description, "pip_requirements": list(self.requirements)}


# pandas 3 parses no literal JSON in read_json, which ADS's score.py templates call; the packs (and
# ADS itself, pandas<3) are on pandas 2.
_PANDAS = "pandas>=2.2,<3"
_GENERAL_ML = ("numpy", _PANDAS, "scikit-learn", "joblib", "cloudpickle", "pyyaml")
_GENERAL_ML_NAME = "General Machine Learning for CPUs on Python {}"

#: The service packs the emulator lists (slugs and names as OCI's Environment Explorer shows them).
#: Their stand-ins are kept small: the libraries a score.py written for the pack typically imports.
SERVICE_PACKS: tuple[ServicePack, ...] = (
    ServicePack("generalml_p311_cpu_x86_64_v1", _GENERAL_ML_NAME.format("3.11"), "3.11", "1.0",
                requirements=_GENERAL_ML, description="General-purpose CPU machine learning (scikit-learn and friends)."),
    ServicePack("generalml_p311_cpu_x86_64_v6", _GENERAL_ML_NAME.format("3.11"), "3.11", "6.0",
                requirements=_GENERAL_ML, description="General-purpose CPU machine learning (scikit-learn and friends)."),
    ServicePack("generalml_p312_cpu_x86_64_v4", _GENERAL_ML_NAME.format("3.12"), "3.12", "4.0",
                requirements=_GENERAL_ML, description="General-purpose CPU machine learning on Python 3.12."),
    ServicePack("python_p311_any_x86_64_v4", "Python 3.11 Base environment", "3.11", "4.0",
                description="A minimal Python to add your own packages to."),
    ServicePack("python_p312_any_x86_64_v3", "Python 3.12 Base environment", "3.12", "3.0",
                description="A minimal Python to add your own packages to."),
    ServicePack("pytorch28_p312_gpu_x86_64_v2", "PyTorch 2.8 for GPU on Python 3.12", "3.12", "2.0", "gpu",
                ("torch", "numpy", _PANDAS, "cloudpickle"), "PyTorch training and inference."),
    ServicePack("tensorflow220_p312_gpu_x86_64_v2", "TensorFlow 2.20 for GPU on Python 3.12", "3.12", "2.0", "gpu",
                ("tensorflow", "numpy", _PANDAS, "cloudpickle"), "TensorFlow training and inference."),
    ServicePack("onnxruntime_p312_gpu_x86_64_v2", "ONNX Runtime on Python 3.12 with GPU support", "3.12", "2.0",
                "gpu", ("onnxruntime", "numpy", _PANDAS), "ONNX model inference."),
    ServicePack("pyspark35_p312_cpu_x86_64_v2", "PySpark 3.5 and Data Flow on Python 3.12", "3.12", "2.0",
                requirements=("pyspark>=3.5,<3.6", "numpy", _PANDAS, "cloudpickle"),
                description="Spark and Data Flow workflows."),
)


def index_document(packs: tuple[ServicePack, ...] = SERVICE_PACKS) -> dict[str, Any]:
    """The index.json the emulator serves."""
    return {INDEX_KEY: [pack.index_entry() for pack in packs]}


def parse_uri(uri: str) -> tuple[str, str, str]:
    """``oci://bucket@namespace/name`` -> (namespace, bucket, name); ValueError for anything else."""
    match = _URI.match(uri or "")
    if not match:
        raise ValueError(f"{uri!r} is not an oci://bucket@namespace/path URI")
    return match.group("namespace"), match.group("bucket"), match.group("name").strip("/")


def published_object_name(slug: str, name: str, version: str, arch: str = "cpu") -> str:
    """Where ``odsc conda publish`` (and ``dockyard conda publish``) put a pack in its bucket."""
    return f"{PUBLISHED_PREFIX}/{arch.lower()}/{name}/{version}/{slug}"


def published_manifest(slug: str, name: str, version: str, python: str, path: str, arch: str = "cpu") -> dict[str, Any]:
    """The manifest of a published stand-in pack (stored as ``opc-meta-manifest``)."""
    return {"name": name, "slug": slug, "type": PUBLISHED_TYPE, "version": version, "arch_type": arch.upper(),
            "python": python, "pack_path": parse_uri(path)[2], "pack_uri": path, "manifest_version": "1.0",
            STAND_IN: STAND_IN_KIND}


def requirements_text(requirements: list[str] | tuple[str, ...], slug: str) -> str:
    """The body of a stand-in pack object: a requirements file."""
    lines = [f"# Dockyard stand-in for the conda pack {slug}: these pip requirements are its environment."]
    return "\n".join([*lines, *requirements]) + "\n"


def read_requirements_text(body: bytes) -> list[str]:
    """The requirement lines of a stand-in's body (comments and blank lines dropped)."""
    lines = body.decode("utf-8", "replace").splitlines()
    return [line.strip() for line in lines if line.strip() and not line.strip().startswith("#")]


def manifest_of(metadata: dict[str, str]) -> dict[str, Any]:
    """The pack manifest in an object's user metadata (``opc-meta-manifest``); empty when absent or bad."""
    raw = metadata.get(MANIFEST_METADATA) or ""
    try:
        manifest = json.loads(raw) if raw else {}
    except ValueError:
        return {}
    return manifest if isinstance(manifest, dict) else {}


@dataclass
class PackLookup:
    """Finds packs and their pip requirements over ``fetch(namespace, bucket, name)`` (None: no such object)."""

    fetch: Fetch
    _index: list[dict[str, Any]] | None = field(default=None, repr=False)

    def index(self) -> list[dict[str, Any]]:
        """The service packs' index entries (read once)."""
        if self._index is None:
            found = self.fetch(SERVICE_NAMESPACE, SERVICE_BUCKET, INDEX_OBJECT)
            if found is None:
                raise CondaPackError(f"The service conda pack index {INDEX_URI} is missing.",
                                     "Restart the emulator: it serves the index from the service-conda-packs bucket.")
            try:
                entries = json.loads(found[1]).get(INDEX_KEY) or []
            except (ValueError, AttributeError):
                raise CondaPackError(f"{INDEX_URI} is not an index document.",
                                     "Restart the emulator to restore the index.") from None
            self._index = [e for e in entries if isinstance(e, dict)]
        return self._index

    def service_pack(self, slug: str) -> dict[str, Any]:
        """The index entry of a service pack slug; CondaPackError names the known slugs otherwise."""
        for entry in self.index():
            if entry.get("slug") == slug:
                return entry
        known = ", ".join(sorted(str(e.get("slug")) for e in self.index()))
        raise CondaPackError(f"The conda environment slug {slug!r} is not a service pack ({known}).",
                             "Use one of those slugs, or the full oci:// path of a published pack "
                             "(`dockyard conda list` shows both).")

    def published_pack(self, path: str) -> dict[str, Any]:
        """The manifest of the pack object at ``path`` (CondaPackError when there is none)."""
        return {**manifest_of(self._published(path)[0]), "pack_uri": path}

    def requirements_of(self, ref: PackRef) -> list[str]:
        """The pip requirements that stand in for the pack ``ref`` names."""
        entry = self._service_entry(ref)
        if entry is not None:
            return [str(r) for r in entry.get("pip_requirements") or []]
        if not ref.path:
            return [str(r) for r in self.service_pack(ref.slug).get("pip_requirements") or []]
        metadata, body = self._published(ref.path)
        if manifest_of(metadata).get(STAND_IN) != STAND_IN_KIND:
            raise CondaPackError(f"The object at {ref.path} is a conda pack Dockyard cannot install: only stand-ins "
                                 "(a pip requirements file) can be built offline.",
                                 "Publish a stand-in over it with `dockyard conda publish`, or give the artifact a "
                                 "requirements.txt.")
        return read_requirements_text(body)

    def _published(self, path: str) -> tuple[dict[str, str], bytes]:
        namespace, bucket, name = self._location(path)
        found = self.fetch(namespace, bucket, name)
        if found is None:
            raise CondaPackError(f"The conda pack {path} does not exist in Object Storage.",
                                 "Publish a stand-in for it: `dockyard conda publish --slug SLUG -r requirements.txt "
                                 f"--bucket {bucket} --namespace {namespace}`, or give the artifact a requirements.txt.")
        return found

    def _service_entry(self, ref: PackRef) -> dict[str, Any] | None:
        """The index entry ``ref`` points at: by path in the service bucket (any namespace: ADS puts the
        region's), or by slug when it names a service pack without a path."""
        if ref.path:
            try:
                _, bucket, name = parse_uri(ref.path)
            except ValueError:
                return None
            if bucket != SERVICE_BUCKET:
                return None
            for entry in self.index():
                if parse_uri(str(entry.get("pack_path") or ""))[2] == name:
                    return entry
            raise CondaPackError(f"{ref.path} is not in the service conda pack index.",
                                 "Use a service pack slug (`dockyard conda list`) or prepare the artifact again.")
        if ref.type in ("", SERVICE_TYPE) and ref.slug:
            return self.service_pack(ref.slug)
        return None

    @staticmethod
    def _location(path: str) -> tuple[str, str, str]:
        try:
            return parse_uri(path)
        except ValueError as exc:
            raise CondaPackError(str(exc), "Name the pack by its oci://bucket@namespace/path, or by a service "
                                           "pack slug.") from None
