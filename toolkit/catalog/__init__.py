"""The model catalog through the official ``oci`` SDK: save/load/list/delete models and version sets.

Submodules are imported where used, so ``import toolkit`` stays free of the ``oci`` SDK.
"""
