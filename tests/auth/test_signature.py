"""The signature rules on plain values: what OCI's signer produces verifies, anything else does not."""
from __future__ import annotations

import email.utils
from datetime import datetime, timedelta, timezone

import pytest
from oci._vendor import requests as vendored_requests

from emulator.auth import keys, signature
from emulator.auth.signature import SignatureError
from toolkit.testing.credentials import make_api_key


@pytest.fixture(scope="module")
def api_key(tmp_path_factory):
    return make_api_key(tmp_path_factory.mktemp("key"))


def _signed(api_key, method="POST", url="http://127.0.0.1:1/20190101/models?limit=5", body=b'{"a": 1}'):
    req = vendored_requests.Request(method, url, data=body, headers={"content-type": "application/json"}).prepare()
    return api_key.signer()(req)


def _verify(api_key, req, target="/20190101/models?limit=5"):
    parsed = signature.parse_authorization(req.headers["authorization"])
    message = signature.signing_string(parsed.headers, req.headers.get, req.method, target)
    signature.verify_signature(keys.load_public_key(api_key.public_key_pem), message, parsed.signature)
    return parsed


def test_stock_signer_signature_verifies_and_names_the_key(api_key):
    parsed = _verify(api_key, _signed(api_key))
    assert parsed.key_id == api_key.key_id
    assert parsed.key_parts() == (api_key.tenancy, api_key.user, api_key.fingerprint)
    assert set(parsed.headers) >= {"date", "(request-target)", "host", "content-length", "x-content-sha256"}


def test_changed_path_or_host_breaks_the_signature(api_key):
    req = _signed(api_key)
    with pytest.raises(SignatureError):
        _verify(api_key, req, target="/20190101/models?limit=6")
    req.headers["host"] = "evil:1"
    with pytest.raises(SignatureError):
        _verify(api_key, req)


def test_another_key_does_not_verify(api_key, tmp_path):
    other = make_api_key(tmp_path)
    req = _signed(other)
    with pytest.raises(SignatureError, match="does not verify"):
        _verify(api_key, req)


@pytest.mark.parametrize("value, message", [
    (None, "no Authorization header"),
    ("Basic abc", "not 'Signature'"),
    ('Signature keyId="a/b/c",signature="AAAA"', "missing headers"),
    ('Signature keyId="a/b/c",headers="date",signature="AAAA",algorithm="hmac-sha256"', "not supported"),
    ('Signature keyId="a/b/c",headers="date",signature="!!"', "base64"),
])
def test_malformed_authorization_is_refused_with_a_reason(value, message):
    with pytest.raises(SignatureError, match=message):
        signature.parse_authorization(value)


def test_get_signature_needs_no_body_headers_but_post_does(api_key):
    get = signature.parse_authorization(_signed(api_key, "GET", body=None).headers["authorization"])
    signature.require_headers(get, signature.GENERIC_HEADERS)
    with pytest.raises(SignatureError, match="x-content-sha256"):
        signature.require_headers(get, signature.GENERIC_HEADERS + signature.BODY_HEADERS)


def test_date_skew_over_five_minutes_is_refused():
    now = datetime.now(timezone.utc)
    signature.check_date(email.utils.format_datetime(now - timedelta(minutes=4)), now)
    with pytest.raises(SignatureError, match="5 minutes"):
        signature.check_date(email.utils.format_datetime(now - timedelta(minutes=6)), now)
    with pytest.raises(SignatureError, match="not an RFC"):
        signature.check_date("yesterday", now)


def test_fingerprint_matches_what_oci_config_uses(api_key):
    assert keys.fingerprint_of(keys.load_public_key(api_key.public_key_pem)) == api_key.fingerprint
    with pytest.raises(keys.InvalidKey):
        keys.load_public_key("-----BEGIN PUBLIC KEY-----\nnope\n-----END PUBLIC KEY-----\n")
