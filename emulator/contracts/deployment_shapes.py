"""The model deployment shapes the emulator accepts: one list, read by the create/update validation
(``instanceShapeName``) and answered by ``GET /modelDeploymentShapes`` (``ListModelDeploymentShapes``).

Names, core counts, memory and series are OCI's for the shapes Data Science offers model deployments
(``ModelDeploymentShapeSummary``: ``coreCount`` / ``memoryInGBs`` of a flexible shape are its maximum).
The emulator runs every one on this machine; the shape decides what the metrics count as one
instance's CPUs and memory, not what the machine has.
"""
from __future__ import annotations

from oci.data_science.models import ModelDeploymentShapeSummary as _Summary

_AMD = _Summary.SHAPE_SERIES_AMD_ROME
_INTEL = _Summary.SHAPE_SERIES_INTEL_SKYLAKE
_GPU = _Summary.SHAPE_SERIES_NVIDIA_GPU
_ARM = _Summary.SHAPE_SERIES_ARM
_LEGACY = _Summary.SHAPE_SERIES_LEGACY

# (name, coreCount, memoryInGBs, shapeSeries), in the order OCI's console lists them
_SHAPES: tuple[tuple[str, int, int, str], ...] = (
    ("VM.Standard.E3.Flex", 64, 1024, _AMD),
    ("VM.Standard.E4.Flex", 64, 1024, _AMD),
    ("VM.Standard.E5.Flex", 94, 1049, _AMD),
    ("VM.Standard3.Flex", 32, 512, _INTEL),
    ("VM.Optimized3.Flex", 18, 256, _INTEL),
    ("VM.Standard.A1.Flex", 80, 512, _ARM),
    ("VM.Standard2.1", 1, 15, _LEGACY),
    ("VM.Standard2.2", 2, 30, _LEGACY),
    ("VM.Standard2.4", 4, 60, _LEGACY),
    ("VM.Standard2.8", 8, 120, _LEGACY),
    ("VM.Standard2.16", 16, 240, _LEGACY),
    ("VM.Standard2.24", 24, 320, _LEGACY),
    ("VM.GPU2.1", 12, 72, _GPU),
    ("VM.GPU3.1", 6, 90, _GPU),
    ("VM.GPU3.2", 12, 180, _GPU),
    ("VM.GPU3.4", 24, 360, _GPU),
    ("VM.GPU.A10.1", 15, 240, _GPU),
    ("VM.GPU.A10.2", 30, 480, _GPU),
    ("BM.GPU.A10.4", 64, 1024, _GPU),
)

#: What ``ListModelDeploymentShapes`` answers, wire field names.
SHAPES: tuple[dict[str, object], ...] = tuple(
    {"name": name, "coreCount": cores, "memoryInGBs": memory, "shapeSeries": series}
    for name, cores, memory, series in _SHAPES)
SHAPE_NAMES: tuple[str, ...] = tuple(name for name, *_ in _SHAPES)


def is_accepted(name: object) -> bool:
    """Whether a deployment may name this ``instanceShapeName``."""
    return name in SHAPE_NAMES
