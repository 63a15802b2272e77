"""``POST /20180409/resources``: search (Structured or FreeText), paged with ``opc-next-page``."""
from __future__ import annotations

from flask import Blueprint, Response, jsonify, request

from emulator.errors import invalid
from emulator.resource_search import search
from emulator.state import current_state
from emulator.wire import json_body

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
    limit, start = request.args.get("limit", "100"), request.args.get("page", "0")
    if not limit.isdigit() or not start.isdigit() or not 1 <= int(limit) <= 1000:
        raise invalid("limit must be 1-1000 and page a token this service returned.")
    end = int(start) + int(limit)
    response = jsonify({"items": items[int(start):end]})
    if end < len(items):
        response.headers["opc-next-page"] = str(end)
    return response
