"""OCIDs that look like real ones (``ocid1.<type>.oc1.<region-key>.<unique>``), so client code that
parses or validates them behaves as it does against OCI."""
from __future__ import annotations

import re
import secrets

# The three-letter keys OCI uses inside OCIDs, for the regions people commonly set.
REGION_KEYS = {
    "us-ashburn-1": "iad",
    "us-phoenix-1": "phx",
    "us-sanjose-1": "sjc",
    "us-chicago-1": "ord",
    "eu-frankfurt-1": "fra",
    "eu-amsterdam-1": "ams",
    "uk-london-1": "lhr",
    "ap-tokyo-1": "nrt",
    "ap-mumbai-1": "bom",
    "ap-sydney-1": "syd",
    "ca-toronto-1": "yyz",
    "sa-saopaulo-1": "gru",
}

_ALPHABET = "abcdefghijklmnopqrstuvwxyz234567"
_OCID_RE = re.compile(r"^ocid1\.[a-z0-9]+\.[a-z0-9]+\.[a-z0-9-]*(\.[a-z0-9-]*)?\.[A-Za-z0-9_-]+$")


def region_key(region: str) -> str:
    """The short key OCI puts in OCIDs for ``region`` (the region name itself when unknown)."""
    return REGION_KEYS.get(region, region)


def new_ocid(resource_type: str, region: str) -> str:
    """A fresh OCID for ``resource_type`` (e.g. ``datasciencemodel``) in ``region``."""
    unique = "amaaaaaa" + "".join(secrets.choice(_ALPHABET) for _ in range(52))
    return f"ocid1.{resource_type}.oc1.{region_key(region)}.{unique}"


def global_ocid(resource_type: str) -> str:
    """A fresh OCID without a region, the shape of tenancy, user and compartment OCIDs
    (``ocid1.tenancy.oc1..aaaaaaaa<52>``)."""
    unique = "aaaaaaaa" + "".join(secrets.choice(_ALPHABET) for _ in range(52))
    return f"ocid1.{resource_type}.oc1..{unique}"


def is_valid_ocid(value: object) -> bool:
    """True when ``value`` has the shape of an OCID (tenancy/compartment ones have an empty region)."""
    return isinstance(value, str) and len(value) <= 255 and bool(_OCID_RE.match(value))


def resource_type(ocid: str) -> str:
    """The resource type segment of an OCID (``datasciencemodel`` for a model)."""
    return ocid.split(".")[1] if is_valid_ocid(ocid) else ""
