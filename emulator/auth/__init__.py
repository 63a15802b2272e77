"""Optional OCI request-signing enforcement for the emulator (``auth_mode="enforce"``).

With it on, the emulator stands in for OCI in tests of code that must sign correctly: only
requests signed by a registered API key (see :func:`add_key`) or by a notebook session's resource
principal (:mod:`emulator.auth.session_tokens`) get through, and keys limited to some compartments
see 404 elsewhere. Off by default: the local profile signs anyway, but an
emulator on 127.0.0.1 does not need to check.
"""
from __future__ import annotations

from flask import Flask

from emulator.auth.keys import InvalidKey, add_key, add_key_to_home, fingerprint_of, list_keys

__all__ = ["InvalidKey", "add_key", "add_key_to_home", "fingerprint_of", "init_app", "list_keys"]


def init_app(app: Flask) -> None:
    """Install the signature check (it reads ``auth_mode`` per request) and the route that issues
    resource-principal session tokens to notebook sessions."""
    from emulator.auth import enforce, keys
    from emulator.auth.routes import bp
    from emulator.state import state_of

    enforce.install(app)
    app.register_blueprint(bp)
    state_of(app).keep_on_reset(keys.KIND)  # registered users are configuration, not catalog state
