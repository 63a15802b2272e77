"""Deployment logs as OCI's Logging Search serves them (``POST /20190909/search``).

OCI writes a deployment's access and predict logs to the Logging service, and clients read them
with ``oci.loggingsearch.LogSearchClient.search_logs``; the emulator answers the same call from
the files under ``<home>/deployments/<ocid>/logs``: ``access.log`` (gateway), ``predict.log`` and
``server.log`` (model server). Only the query forms clients use are understood: the deployment
OCID (``data.modeldeploymentid = '<ocid>'``) and optionally the log OCIDs of its categories.
"""
from __future__ import annotations

import json
import re
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Iterator

from flask import Blueprint, Response, jsonify

from emulator.contracts.deployments import ACCESS_LOG as ACCESS
from emulator.contracts.deployments import PREDICT_LOG as PREDICT
from emulator.contracts.deployments import log_type_name
from emulator.errors import invalid
from emulator.model_deployment import files
from emulator.model_deployment.service import KIND
from emulator.state import current_state
from emulator.wire import json_body, limit_arg

bp = Blueprint("log_search", __name__, url_prefix="/20190909")

DEPLOY = "deploy"  # build and start output (deploy.jsonl); not a Logging category, read by the console
_OCID = re.compile(r"ocid1\.datasciencemodeldeployment\.[A-Za-z0-9._-]+")
_TEXT_TIME = re.compile(r"^\[?(\d{4}-\d\d-\d\d[ T]\d\d:\d\d:\d\d)(?:[,.](\d+))?")


@bp.post("/search")
def search_logs() -> Response:
    body = json_body()
    query = body.get("searchQuery")
    if not isinstance(query, str) or not query:
        raise invalid("searchQuery is required.")
    start, end = _time(body.get("timeStart")), _time(body.get("timeEnd"))
    limit = limit_arg(default=1000)
    entries = []
    for deployment_id in sorted(set(_OCID.findall(query))):
        record = current_state().db.get(KIND, deployment_id)
        if record is None:
            continue
        for entry in read_entries(files.log_dir(current_state(), deployment_id), _categories(record, query)):
            if (start is None or entry["_t"] >= start) and (end is None or entry["_t"] <= end):
                entries.append(_result(entry, record))
    entries.sort(key=lambda r: r["data"]["datetime"])
    entries = entries[-limit:]
    return jsonify({"summary": {"resultCount": len(entries), "fieldCount": 0}, "results": entries})


def _categories(record: dict[str, Any], query: str) -> set[str]:
    """Which categories the query asks for: those whose log OCID it names, else both."""
    details = record.get("categoryLogDetails") or {}
    wanted = {cat for cat in (ACCESS, PREDICT) if (details.get(cat) or {}).get("logId") and details[cat]["logId"] in query}
    for cat in (ACCESS, PREDICT):
        if re.search(rf"type\s*=\s*'[^']*{cat}'", query):
            wanted.add(cat)
    return wanted or {ACCESS, PREDICT}


def read_entries(log_dir: Path, categories: set[str]) -> Iterator[dict[str, Any]]:
    """Every entry of the wanted categories, each with ``time``, ``type``, ``message`` and a sortable ``_t``."""
    if ACCESS in categories:
        yield from _json_lines(log_dir / "access.log", ACCESS)
    if PREDICT in categories:
        yield from _text_entries(log_dir / "predict.log")
        yield from _text_entries(log_dir / "server.log")
    if DEPLOY in categories:
        yield from _json_lines(log_dir / "deploy.jsonl", DEPLOY)


def _json_lines(path: Path, kind: str) -> Iterator[dict[str, Any]]:
    if not path.is_file():
        return
    with open(path, encoding="utf-8", errors="replace") as fh:
        for line in fh:
            try:
                entry = json.loads(line)
            except ValueError:
                continue
            entry["type"] = kind
            entry["_t"] = _time(entry.get("time")) or 0.0
            yield entry


def _text_entries(path: Path) -> Iterator[dict[str, Any]]:
    """Text log lines grouped into entries: a line with a timestamp starts one, others continue it."""
    if not path.is_file():
        return
    fallback = path.stat().st_mtime
    current: dict[str, Any] | None = None
    with open(path, encoding="utf-8", errors="replace") as fh:
        for raw in fh:
            line = raw.rstrip("\n")
            stamp = _TEXT_TIME.match(line)
            if stamp or current is None:
                if current is not None:
                    yield current
                t = _text_time(stamp) if stamp else fallback
                current = {"type": PREDICT, "_t": t, "time": _iso(t), "message": line}
            else:
                current["message"] += "\n" + line
    if current is not None:
        yield current


def _result(entry: dict[str, Any], record: dict[str, Any]) -> dict[str, Any]:
    """One ``SearchResult`` shaped like OCI's log records for model deployments."""
    details = (record.get("categoryLogDetails") or {}).get(entry["type"]) or {}
    data = {k: v for k, v in entry.items() if not k.startswith("_") and k not in ("time", "type")}
    return {"data": {
        "datetime": int(entry["_t"] * 1000),
        "logContent": {
            "id": f"{record['id']}-{entry['_t']}",
            "time": entry["time"],
            "type": log_type_name(entry["type"]),
            "source": record["id"],
            "oracle": {"compartmentid": record["compartmentId"], "loggroupid": details.get("logGroupId"),
                       "logid": details.get("logId")},
            "data": {**data, "modelDeploymentId": record["id"]},
        },
    }}


def _text_time(match: re.Match) -> float:
    base = datetime.strptime(match.group(1).replace("T", " "), "%Y-%m-%d %H:%M:%S").replace(tzinfo=timezone.utc)
    fraction = float("0." + match.group(2)) if match.group(2) else 0.0
    return base.timestamp() + fraction


def _time(value: Any) -> float | None:
    if not value:
        return None
    try:
        return datetime.fromisoformat(str(value).replace("Z", "+00:00")).timestamp()
    except ValueError:
        raise invalid(f"not an RFC 3339 time: {value!r}") from None


def _iso(t: float) -> str:
    return datetime.fromtimestamp(t, timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")
