"""``POST /20180409/resources``: search (Structured or FreeText), paged with ``opc-next-page``."""
from __future__ import annotations

from flask import Blueprint, Response, jsonify

from emulator.auth.access import may_see
from emulator.errors import invalid
from emulator.resource_search import search
from emulator.state import current_state
from emulator.wire import json_body, limit_arg, page_of

bp = Blueprint("resource_search", __name__, url_prefix="/20180409")


@bp.post("/resources")
def search_resources() -> Response:
    body = json_body()
    db = current_state().db
    kind = body.get("type")
    if kind == "Structured":
        items = search.structured(db, str(body.get("query") or ""))
    elif kind == "FreeText":
        items = search.free_text(db, str(body.get("text") or ""))
    else:
        raise invalid("type must be Structured or FreeText.")
    items = [item for item in items if may_see(item["compartmentId"])]  # a limited key sees its compartments only
    page = page_of(items, limit_arg())
    response = jsonify({"items": page.items})
    if page.next_page:
        response.headers["opc-next-page"] = page.next_page
    return response
