"""Promotion: copy a validated catalog model from one profile (the local emulator) to another (OCI);
and pull, its other direction (OCI -> the local emulator), built on the same transfer.

The artifact that reaches the far side is byte-for-byte the one that was verified here: it is
downloaded once (streamed to a temp file), re-checked (introspection + ``verify()``), uploaded
from that same file, and its digest compared on the far side. The copy carries a custom metadata
item ``PromotedFrom`` = ``{"sourceModelId", "artifactSha256"}``; a later promotion of the same
artifact finds that copy and completes whatever is missing (provenance, artifact, deployment)
instead of creating a duplicate, so a run that failed midway is fixed by running it again.

Every call goes through the official ``oci`` SDK; the target is just another profile.

Not copied by promotion: defined tags (their namespaces belong to the source tenancy), metadatum artifacts
(files attached to metadata keys), and a deployment's subnet, private endpoint and log OCIDs.

Modules: ``transfer`` (the copy both directions share: a source and a destination session), ``steps``
(``promote_model`` and its steps in order), ``pulling`` (``pull``: a model or a deployment from the
cloud, never writing there), ``digests`` (the bytes and their digests), ``marker`` (the
``PromotedFrom`` and ``PulledFrom`` markers), ``deployment`` (the promoted copy's deployment), ``result``
(the plan, ``PromotionError`` and ``PullError``).
"""
from toolkit.promote.deployment import deployment_details as _deployment_details
from toolkit.promote.marker import PROMOTION_KEY, PULL_KEY
from toolkit.promote.pulling import pull
from toolkit.promote.result import PromotionError, PromotionResult, PullError, PullResult, Step
from toolkit.promote.steps import promote_model

__all__ = ["PROMOTION_KEY", "PULL_KEY", "PromotionError", "PromotionResult", "PullError", "PullResult", "Step",
           "promote_model", "pull", "_deployment_details"]
