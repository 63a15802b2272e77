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
import sys
from importlib import resources
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
    deprecated: bool = False
    source: str = ""  # an id of service_packs.json's ``sources``

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
        return {**self.manifest(), "description": self.description, "deprecated": self.deprecated,
                "pip_requirements": list(self.requirements)}


#: Where the service-pack facts live: one data file, with the sources each came from (README.md here).
SERVICE_PACKS_FILE = "service_packs.json"


def python_version() -> str:
    """This interpreter's Python as packs and runtime.yaml name it (``INFERENCE_PYTHON_VERSION``: ``3.11``)."""
    return f"{sys.version_info.major}.{sys.version_info.minor}"


def load_service_packs(text: str | None = None) -> tuple[ServicePack, ...]:
    """The packs of ``service_packs.json`` (or of ``text``, a document in its format), each with its stand-in."""
    if text is None:
        text = resources.files(__package__).joinpath(SERVICE_PACKS_FILE).read_text(encoding="utf-8")
    document = json.loads(text)
    stand_ins = document["stand_ins"]
    return tuple(ServicePack(p["slug"], p["name"], p["python"], p["version"], p["arch"],
                             tuple(stand_ins[p["stand_in"]]["requirements"]), stand_ins[p["stand_in"]]["description"],
                             bool(p.get("deprecated")), p["source"])
                 for p in document["packs"])


#: The service packs the emulator lists: current and deprecated, CPU and GPU (``service_packs.json``).
SERVICE_PACKS: tuple[ServicePack, ...] = load_service_packs()

#: The oldest pack Python a deployment here runs (see :func:`runs_here`).
MIN_RUNNABLE_PYTHON = (3, 10)


def runs_here(python: str) -> bool:
    """Whether a deployment here can stand in for a pack on Python ``python`` (``"3.7"``, ``"3.7.8"``).

    Deployments run one Python whatever the pack says: the docker runtime's images are built on
    Python 3.11 (``python:3.11-slim`` or its offline twin) and the process runtime uses this
    interpreter or a venv of it; a stand-in installs current releases there. That is a faithful
    stand-in for a pack of a Python those releases still support and whose libraries are a release
    or two from them: 3.10 and newer (a 3.12 pack has always run on the 3.11 image, and a 3.10 pack's
    score.py and pickles load there). A pack on 3.6-3.9 was built with libraries years older
    (scikit-learn 0.24-1.0, pandas 1.x, TensorFlow 2.x of 2021) and its Python is past its end of
    life: its pickles do not load in current releases and the stand-in would serve a different stack,
    so its deployment fails at once saying so (:func:`not_runnable`), before any image is built.
    ``prepare()`` still resolves such a pack, and the index still serves it, as OCI's does.
    An unknown or unparsable version is given the benefit of the doubt.
    """
    try:
        major, minor = (int(part) for part in str(python).split(".")[:2])
    except ValueError:
        return True
    return (major, minor) >= MIN_RUNNABLE_PYTHON


def not_runnable(pack: str, python: str) -> CondaPackError:
    """The error a deployment of a pack on Python ``python`` (one :func:`runs_here` refuses) fails with."""
    suggestion = "generalml_p311_cpu_x86_64_v1"
    return CondaPackError(
        f"The conda pack {pack} is Python {python}; Dockyard's deployments run Python 3.11 with current "
        f"releases of the pack's libraries, which stand in only for packs on Python "
        f"{'.'.join(map(str, MIN_RUNNABLE_PYTHON))} or newer, so this model cannot be served locally as OCI would "
        "serve it.",
        f"Prepare the model again with a Python 3.10+ pack, e.g. prepare(inference_conda_env=\"{suggestion}\", "
        "force_overwrite=True) (`dockyard conda list` shows them all), or publish a stand-in on Python 3.11 "
        "(`dockyard conda publish --python 3.11`) and prepare with its oci:// path.")


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
        current = ", ".join(sorted(str(e.get("slug")) for e in self.index() if not e.get("deprecated")))
        raise CondaPackError(f"The conda environment slug {slug!r} is not a service pack (current ones: {current}; "
                             f"{len(self.index())} with the deprecated ones).",
                             "Use one of those slugs, or the full oci:// path of a published pack "
                             "(`dockyard conda list` shows both).")

    def python_of(self, ref: PackRef) -> str:
        """The Python of the pack ``ref`` names: the index's or its manifest's, else what runtime.yaml says
        (also for a pack that cannot be found: resolving it is :meth:`requirements_of`'s to report)."""
        try:
            entry = self._service_entry(ref)
            if entry is None and ref.path:
                entry = manifest_of(self._published(ref.path)[0])
        except CondaPackError:
            return ref.python
        return str((entry or {}).get("python") or ref.python)

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
