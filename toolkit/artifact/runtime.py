"""Writing runtime.yaml in the ADS format, and reading it back into a ``RuntimeInfo``.

The layout, the file names and where the pip requirements live are the runtime.yaml contract
(``emulator.contracts.runtime_yaml``), which the deployment runtimes read too; this module fills
it from ``prepare()``'s arguments. ``INFERENCE_ENV.LOADER_VALUES`` records what the flavor's
score.py loader was rendered with; ``MODEL_PROVENANCE.TRAINING_CODE`` the git state. The
requirements are also written as plain ``requirements.txt``.
"""
from __future__ import annotations

import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from emulator.contracts import runtime_yaml as contract
from emulator.contracts.runtime_yaml import ARTIFACT_VERSION, REQUIREMENTS_FILE, RUNTIME_FILE
from toolkit.artifact.errors import RuntimeInfoError


def python_version() -> str:
    return f"{sys.version_info.major}.{sys.version_info.minor}"


@dataclass
class CondaEnv:
    """Where the inference (or training) environment lives: ADS's four fields."""

    path: str = ""
    slug: str = ""
    type: str = "published"
    python_version: str = field(default_factory=python_version)

    @classmethod
    def default(cls, python: str | None = None) -> "CondaEnv":
        """Dockyard's published environment for this Python: deployments build it from REQUIREMENTS."""
        python = python or python_version()
        slug = f"dockyard_p{python.replace('.', '')}_cpu_v1"
        return cls(f"oci://dockyard@local/conda_environments/cpu/dockyard/{python}/{slug}", slug, "published", python)

    @classmethod
    def from_argument(cls, env: str | None, python: str | None, *, ignore_conda_error: bool = False,
                      auth: Any = None) -> "CondaEnv":
        """From ADS's ``inference_conda_env`` argument: a service pack slug, an ``oci://`` pack path, or
        nothing (Dockyard's own environment). Slugs and paths are resolved as ADS does, through the
        service-pack index or the pack's manifest on Object Storage (the emulator's, with the local
        profile); ``ignore_conda_error=True`` records what was given when that fails."""
        if not env:
            return cls.default(python)
        from emulator.contracts.conda_packs import SERVICE_TYPE, CondaPackError
        from toolkit.catalog.conda_packs import resolve

        try:
            path, slug, kind, pack_python = resolve(env, auth)
        except CondaPackError as exc:
            if not ignore_conda_error:
                raise RuntimeInfoError(f"inference_conda_env={env!r}: {exc.message}",
                                       hint=f"{exc.hint} Or pass ignore_conda_error=True to record it "
                                       "as given, unresolved.") from None
            if env.startswith("oci://"):
                return cls(env, env.rstrip("/").rsplit("/", 1)[-1], "published", python or python_version())
            return cls("", env, SERVICE_TYPE, python or python_version())
        return cls(path, slug, kind, python or pack_python or python_version())


@dataclass
class RuntimeInfo:
    inference_env: CondaEnv
    flavor: str
    model_file: str
    serialization_format: str
    requirements: list[str]
    training_env: CondaEnv | None = None
    provenance: dict[str, Any] = field(default_factory=dict)  # MODEL_PROVENANCE extras (OCIDs, git)
    loader_values: dict[str, str] = field(default_factory=dict)  # the flavor's score.py loader values
    artifact_version: str = ARTIFACT_VERSION

    def to_dict(self) -> dict:
        env = self.inference_env
        training = self.training_env or CondaEnv("", "", "", "")
        return {
            "MODEL_ARTIFACT_VERSION": self.artifact_version,
            "MODEL_DEPLOYMENT": {
                "INFERENCE_CONDA_ENV": {
                    "INFERENCE_ENV_PATH": env.path,
                    "INFERENCE_ENV_SLUG": env.slug,
                    "INFERENCE_ENV_TYPE": env.type,
                    "INFERENCE_PYTHON_VERSION": env.python_version,
                },
                "INFERENCE_ENV": {
                    "FLAVOR": self.flavor,
                    "MODEL_FILE": self.model_file,
                    "SERIALIZATION_FORMAT": self.serialization_format,
                    "REQUIREMENTS": list(self.requirements),
                    "REQUIREMENTS_FILE": REQUIREMENTS_FILE,
                    "LOADER_VALUES": {k.upper(): v for k, v in self.loader_values.items()},
                },
            },
            "MODEL_PROVENANCE": {
                **{k: self.provenance.get(k, "") for k in _OCID_KEYS},
                "TRAINING_CODE": {"ARTIFACT_DIRECTORY": "", **self.provenance.get("TRAINING_CODE", {})},
                "TRAINING_CONDA_ENV": {
                    "TRAINING_ENV_PATH": training.path,
                    "TRAINING_ENV_SLUG": training.slug,
                    "TRAINING_ENV_TYPE": training.type,
                    "TRAINING_PYTHON_VERSION": training.python_version,
                },
            },
        }

    def write(self, artifact_dir: Path) -> None:
        from toolkit.artifact.requirements import to_text

        text = yaml.safe_dump(self.to_dict(), sort_keys=False, default_flow_style=False)
        (Path(artifact_dir) / RUNTIME_FILE).write_text(text, encoding="utf-8")
        (Path(artifact_dir) / REQUIREMENTS_FILE).write_text(to_text(self.requirements), encoding="utf-8")

    @classmethod
    def read(cls, artifact_dir: Path) -> "RuntimeInfo":
        data = read_yaml(artifact_dir)
        conda = contract.section(data, contract.CONDA_ENV)
        ours = contract.section(data, contract.INFERENCE_ENV)
        provenance = contract.section(data, contract.PROVENANCE)
        training = provenance.get("TRAINING_CONDA_ENV") or {}
        return cls(
            inference_env=CondaEnv(
                str(conda.get("INFERENCE_ENV_PATH") or ""),
                str(conda.get("INFERENCE_ENV_SLUG") or ""),
                str(conda.get("INFERENCE_ENV_TYPE") or ""),
                str(conda.get("INFERENCE_PYTHON_VERSION") or ""),
            ),
            flavor=str(ours.get("FLAVOR") or ""),
            model_file=str(ours.get("MODEL_FILE") or ""),
            serialization_format=str(ours.get("SERIALIZATION_FORMAT") or ""),
            requirements=contract.requirements(artifact_dir, data),
            training_env=CondaEnv(
                str(training.get("TRAINING_ENV_PATH") or ""),
                str(training.get("TRAINING_ENV_SLUG") or ""),
                str(training.get("TRAINING_ENV_TYPE") or ""),
                str(training.get("TRAINING_PYTHON_VERSION") or ""),
            ),
            provenance={k: v for k, v in provenance.items() if k != "TRAINING_CONDA_ENV"},
            artifact_version=str(data.get("MODEL_ARTIFACT_VERSION", "")),
            loader_values={str(k).lower(): str(v) for k, v in (ours.get("LOADER_VALUES") or {}).items()},
        )


_OCID_KEYS = (
    "PROJECT_OCID",
    "TENANCY_OCID",
    "TRAINING_COMPARTMENT_OCID",
    "TRAINING_REGION",
    "TRAINING_RESOURCE_OCID",
    "USER_OCID",
    "VM_IMAGE_INTERNAL_ID",
)


def read_yaml(artifact_dir: Path) -> dict:
    """runtime.yaml as a dict, with errors that say which file and what to do."""
    try:
        return contract.read(artifact_dir)
    except contract.RuntimeYamlError as exc:
        raise RuntimeInfoError(exc.message, hint=exc.hint) from None
