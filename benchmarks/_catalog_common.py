"""Shared setup for the catalog benchmarks: a throwaway API key and SDK clients for an emulator URL."""
from __future__ import annotations

import sys
from pathlib import Path

import oci
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

TENANCY = "ocid1.tenancy.oc1..aaaaaaaabenchmark"
USER = "ocid1.user.oc1..aaaaaaaabenchmark"
COMPARTMENT = "ocid1.compartment.oc1..aaaaaaaabenchmark"


def data_science_client(url: str, workdir: Path) -> oci.data_science.DataScienceClient:
    """A DataScienceClient signed with a fresh throwaway key (the emulator accepts any signature)."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    key_file = workdir / "bench-key.pem"
    key_file.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.TraditionalOpenSSL,
                                           serialization.NoEncryption()))
    fingerprint = ":".join(["be"] * 16)
    config = {"user": USER, "tenancy": TENANCY, "fingerprint": fingerprint, "key_file": str(key_file),
              "region": "us-ashburn-1"}
    signer = oci.signer.Signer(TENANCY, USER, fingerprint, str(key_file))
    return oci.data_science.DataScienceClient(config, signer=signer, service_endpoint=url, timeout=(10, 600),
                                              retry_strategy=oci.retry.NoneRetryStrategy())
