"""Who may use the console, and how a browser proves it.

A browser cannot sign OCI requests, so the console keeps the API's rules another way:

- Like the API, it listens where the emulator listens: 127.0.0.1 unless told otherwise. Bound
  to loopback, it answers only to loopback host names, so a web page that rebinds its own
  domain name to 127.0.0.1 cannot read it (DNS rebinding).
- With ``auth_mode="enforce"`` (where the API checks signatures) it asks for a token, the way
  Jupyter does: the emulator prints ``<url>/console?token=...`` when it starts, and opening that
  link sets a cookie. The token is kept in ``<home>/console-token`` (mode 0600), next to the
  local profile's own key: whoever can read the home owns the catalog anyway. It grants what
  that owner's key grants, every compartment, and nothing more: the console only reads through
  the services' logic modules and acts through the deployment service, as the routes do.
- With a token it is read-only unless ``console_write`` is set: no test predict, no activate or
  deactivate. Without enforcement the API takes unsigned writes, and so does the console.
- Every POST form carries a CSRF token (an HMAC of the browser's session cookie with a secret of
  this run), and a POST whose ``Origin`` is another site is refused.
"""
from __future__ import annotations

import hashlib
import hmac
import ipaddress
import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode, urlsplit

from flask import Flask, Response, current_app, g, redirect, request

from emulator.config import EmulatorConfig
from emulator.state import current_state

BLUEPRINT = "console"
PREFIX = "/console"
TOKEN_FILE = "console-token"
CSRF_FIELD = "csrf_token"
_EXTENSION = "dockyard_console"
_LOOPBACK_NAMES = {"localhost", "localhost.localdomain", "ip6-localhost"}


class ConsoleDenied(Exception):
    """A request the console refuses; rendered as an HTML page with what to do."""

    def __init__(self, status: int, title: str, message: str, ask_token: bool = False) -> None:
        super().__init__(message)
        self.status, self.title, self.message, self.ask_token = status, title, message, ask_token


@dataclass
class ConsoleAccess:
    """The console's rules for one running app."""

    token: str | None  # None: no token needed (signatures are not enforced)
    writable: bool
    loopback_only: bool  # answer only to loopback host names
    secret: bytes = field(default_factory=lambda: secrets.token_bytes(32))


def enforced(config: EmulatorConfig) -> bool:
    return config.auth_mode == "enforce"


def setup(app: Flask, config: EmulatorConfig) -> ConsoleAccess:
    """Decide the rules once, when the app is built."""
    access = ConsoleAccess(token=token_for(config) if enforced(config) else None,
                           writable=not enforced(config) or config.console_write,
                           loopback_only=is_loopback(config.host))
    app.extensions[_EXTENSION] = access
    return access


def current_access() -> ConsoleAccess:
    return current_app.extensions[_EXTENSION]


def token_for(config: EmulatorConfig) -> str:
    """The console token: ``config.console_token`` (``DOCKYARD_CONSOLE_TOKEN``), else the one kept in
    the home, created on first use. Several processes may ask at once; the first writer wins."""
    if config.console_token:
        return config.console_token
    path = Path(config.home) / TOKEN_FILE
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        token = path.read_text().strip()
        if token:
            return token
        path.unlink(missing_ok=True)  # an empty file left by a crash between create and write
        return token_for(config)
    token = secrets.token_urlsafe(32)
    with os.fdopen(fd, "w") as out:
        out.write(token + "\n")
    return token


def console_url(config: EmulatorConfig, base_url: str) -> str:
    """The link to print at start: with the token when one is needed."""
    url = base_url.rstrip("/") + PREFIX
    return f"{url}?{urlencode({'token': token_for(config)})}" if enforced(config) else url


def is_loopback(host: str) -> bool:
    name = host.strip("[]").lower()
    if name in _LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


# --------------------------------------------------------------------------------- the guard
def guard() -> Response | None:
    """The blueprint's ``before_request``: host, token, then (for POST) CSRF and write permission."""
    access = current_access()
    if access.loopback_only and not is_loopback(urlsplit("//" + request.host).hostname or ""):
        raise ConsoleDenied(403, "Not a local address",
                            f"This console listens on a loopback address and answers only to localhost "
                            f"names, not {request.host!r}. Open it as http://127.0.0.1:<port>/console.")
    if request.endpoint == f"{BLUEPRINT}.static":
        return None
    if access.token is not None:
        given = request.args.get("token")
        if given is not None:
            if not hmac.compare_digest(given.encode(), access.token.encode()):
                raise ConsoleDenied(401, "Wrong token", "That is not this emulator's console token.", ask_token=True)
            return _signed_in(access)
        if not hmac.compare_digest(request.cookies.get(_cookie("auth"), ""), _auth_value(access)):
            raise ConsoleDenied(401, "Console token needed", _TOKEN_HELP, ask_token=True)
    if request.method == "POST":
        if not access.writable:
            raise ConsoleDenied(403, "Read-only console",
                                "This emulator enforces request signatures, and its console is read-only. "
                                "Start it with --console-write to test-predict, activate and deactivate here, "
                                "or use the API with a signed client (dockyard, oci).")
        _limit_form(current_state().config.max_payload_bytes + _FORM_SLACK)
        check_csrf(access)
    return None


_FORM_SLACK = 64 * 1024  # the CSRF field and form encoding around a payload of the API's size limit


def _limit_form(limit: int) -> None:
    """Forms up to the API's payload limit, refused past it before anything is parsed."""
    if request.content_length is not None and request.content_length > limit:
        raise ConsoleDenied(413, "Too large", f"The form is {request.content_length} bytes; the limit is {limit}.")
    request.max_form_memory_size = limit
    request.max_content_length = limit


_TOKEN_HELP = ("This emulator enforces request signatures (--auth enforce), so its console needs the token "
               f"printed when it started: open the link it printed (…/console?token=…). The token is also in "
               f"the emulator home's {TOKEN_FILE} file.")


def _signed_in(access: ConsoleAccess) -> Response:
    """Set the auth cookie and drop the token from the address bar (and from history and referrers)."""
    query = {k: v for k, v in request.args.items(multi=True) if k != "token"}
    target = request.path + (f"?{urlencode(query)}" if query else "")
    response = redirect(target, code=303)
    # Lax, so a link to the console from another page still opens it; forms are guarded by their CSRF token.
    response.set_cookie(_cookie("auth"), _auth_value(access), httponly=True, samesite="Lax", path=PREFIX)
    return response


def _auth_value(access: ConsoleAccess) -> str:
    """What the auth cookie holds: derived from the token, so the cookie is not the token itself."""
    return hmac.new((access.token or "").encode(), b"dockyard-console-auth", hashlib.sha256).hexdigest()


def _cookie(kind: str) -> str:
    """Cookies are per host name, not per port: name them by port, so two emulators do not collide."""
    port = request.host.rsplit(":", 1)[-1] if request.host.rsplit(":", 1)[-1].isdigit() else "80"
    return f"dockyard-console-{kind}-{port}"


# --------------------------------------------------------------------------------- CSRF
def csrf_token() -> str:
    """The token a form of this page must send back (templates call it)."""
    return _sign(_session_id())


def _session_id() -> str:
    session = getattr(g, "console_session", None)
    if session is None:
        session = request.cookies.get(_cookie("session")) or ""
        if len(session) < 32:
            session = secrets.token_urlsafe(32)
            g.console_new_session = session
        g.console_session = session
    return session


def _sign(session: str) -> str:
    return hmac.new(current_access().secret, session.encode(), hashlib.sha256).hexdigest()


def check_csrf(access: ConsoleAccess) -> None:
    origin = request.headers.get("Origin")
    if origin and origin != "null" and urlsplit(origin).netloc != request.host:
        raise ConsoleDenied(403, "Cross-site request refused", f"A page from {origin} may not act on this console.")
    session = request.cookies.get(_cookie("session"), "")
    sent = request.form.get(CSRF_FIELD, "")
    if not session or not hmac.compare_digest(sent.encode(), _sign(session).encode()):
        raise ConsoleDenied(403, "Form expired",
                            "This form's security token is missing or stale (the emulator may have restarted). "
                            "Go back, reload the page and send it again.")


def finish(response: Response) -> Response:
    """The blueprint's ``after_request``: the session cookie when new, and headers that keep the pages
    from being framed, sniffed, cached or leaking their address."""
    new_session = getattr(g, "console_new_session", None)
    if new_session:
        response.set_cookie(_cookie("session"), new_session, httponly=True, samesite="Strict", path=PREFIX)
    headers = response.headers
    headers.setdefault("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; object-src 'none'; "
                                                  "frame-ancestors 'none'; form-action 'self'; base-uri 'none'")
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("Referrer-Policy", "no-referrer")
    if request.endpoint != f"{BLUEPRINT}.static":
        headers.setdefault("Cache-Control", "no-store")
    return response
