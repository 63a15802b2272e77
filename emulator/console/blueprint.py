"""The console's Flask blueprint: its guard, error pages and what every template can use.
The pages attach their routes to ``bp`` from their own modules."""
from __future__ import annotations

from typing import Any

from flask import Blueprint, render_template

from emulator.console import access, present
from emulator.errors import OCIError

bp = Blueprint(access.BLUEPRINT, __name__, url_prefix=access.PREFIX, template_folder="templates",
               static_folder="static", static_url_path="/static")
bp.before_request(access.guard)
bp.after_request(access.finish)


@bp.app_template_filter("when")
def _when(timestamp: Any) -> str:
    return present.when(timestamp)


@bp.context_processor
def _globals() -> dict[str, Any]:
    rules = access.current_access()
    return {"csrf_token": access.csrf_token, "csrf_field": access.CSRF_FIELD, "writable": rules.writable,
            "signed_in": rules.token is not None}


@bp.errorhandler(access.ConsoleDenied)
def _denied(exc: access.ConsoleDenied) -> tuple[str, int]:
    return render_template("console/denied.html", error=exc), exc.status


@bp.errorhandler(OCIError)
def _service_error(exc: OCIError) -> tuple[str, int]:
    """The service's own error (unknown OCID, bad filter...) as a page, with its OCI code."""
    return render_template("console/error.html", error=exc), exc.status
