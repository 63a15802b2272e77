"""Writing runtime.yaml in the ADS format, and reading it back into a ``RuntimeInfo``.

The layout, the file names and where the pip requirements live are the runtime.yaml contract
(``emulator.contracts.runtime_yaml``), which the deployment runtimes read too; this module fills
it from ``prepare()``'s arguments. ``INFERENCE_ENV.LOADER_VALUES`` records what the flavor's
score.py loader was rendered with; ``MODEL_PROVENANCE.TRAINING_CODE`` the git state. The
requirements are also written as plain ``requirements.txt``.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from emulator.contracts import runtime_yaml as contract
from emulator.contracts.conda_packs import python_version
from emulator.contracts.runtime_yaml import ARTIFACT_VERSION, REQUIREMENTS_FILE, RUNTIME_FILE
from toolkit.artifact.errors import RuntimeInfoError


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
        nothing (Dockyard's own environment). Resolving a slug or path asks Object Storage, which is the
        catalog client's job (``toolkit.catalog.conda_packs.resolve_argument``), not this record's: the
        import is one way, and callers that resolve themselves build ``CondaEnv(*fields)``."""
        if not env:
            return cls.default(python)
        from toolkit.catalog.conda_packs import resolve_argument

        return cls(*resolve_argument(env, python, ignore_conda_error=ignore_conda_error, auth=auth))

    def fields(self) -> tuple[str, str, str, str]:
        """The four fields in runtime.yaml's order (``runtime_yaml.CONDA_ENV_FIELDS``)."""
        return self.path, self.slug, self.type, self.python_version


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
        training = self.training_env or CondaEnv("", "", "", "")
        return {
            contract.ARTIFACT_VERSION_KEY: self.artifact_version,
            contract.DEPLOYMENT: {
                contract.CONDA_ENV[-1]: dict(zip(contract.CONDA_ENV_FIELDS, self.inference_env.fields())),
                contract.INFERENCE_ENV[-1]: {
                    contract.FLAVOR: self.flavor,
                    contract.MODEL_FILE: self.model_file,
                    contract.SERIALIZATION_FORMAT: self.serialization_format,
                    contract.REQUIREMENTS[-1]: list(self.requirements),
                    contract.REQUIREMENTS_FILE_KEY: REQUIREMENTS_FILE,
                    contract.LOADER_VALUES: {k.upper(): v for k, v in self.loader_values.items()},
                },
            },
            contract.PROVENANCE[-1]: {
                **{k: self.provenance.get(k, "") for k in contract.PROVENANCE_OCID_KEYS},
                contract.TRAINING_CODE: {contract.ARTIFACT_DIRECTORY: "",
                                         **self.provenance.get(contract.TRAINING_CODE, {})},
                contract.TRAINING_CONDA_ENV: dict(zip(contract.TRAINING_ENV_FIELDS, training.fields())),
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
        training = provenance.get(contract.TRAINING_CONDA_ENV) or {}
        return cls(
            inference_env=CondaEnv(*(str(conda.get(k) or "") for k in contract.CONDA_ENV_FIELDS)),
            flavor=str(ours.get(contract.FLAVOR) or ""),
            model_file=str(ours.get(contract.MODEL_FILE) or ""),
            serialization_format=str(ours.get(contract.SERIALIZATION_FORMAT) or ""),
            requirements=contract.requirements(artifact_dir, data),
            training_env=CondaEnv(*(str(training.get(k) or "") for k in contract.TRAINING_ENV_FIELDS)),
            provenance={k: v for k, v in provenance.items() if k != contract.TRAINING_CONDA_ENV},
            artifact_version=str(data.get(contract.ARTIFACT_VERSION_KEY, "")),
            loader_values={str(k).lower(): str(v) for k, v in (ours.get(contract.LOADER_VALUES) or {}).items()},
        )


def read_yaml(artifact_dir: Path) -> dict:
    """runtime.yaml as a dict, with errors that say which file and what to do."""
    try:
        return contract.read(artifact_dir)
    except contract.RuntimeYamlError as exc:
        raise RuntimeInfoError(exc.message, hint=exc.hint) from None
