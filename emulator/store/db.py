"""A generic table of JSON resources in SQLite (WAL), shared by every emulated service.

Each record is stored whole as JSON, with the fields lists filter and sort on most (compartment,
name, state, creation time) copied into indexed columns so that one page of a list costs the
same for 1 000 or 100 000 records: pages are keyset-paginated, never OFFSET-scanned.
"""
from __future__ import annotations

import base64
import binascii
import json
import sqlite3
import threading
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator

from emulator import private

_SCHEMA = """
CREATE TABLE IF NOT EXISTS resources (
    kind TEXT NOT NULL,
    id TEXT NOT NULL,
    compartment_id TEXT NOT NULL DEFAULT '',
    name TEXT NOT NULL DEFAULT '',
    state TEXT NOT NULL DEFAULT '',
    time_created TEXT NOT NULL DEFAULT '',
    body TEXT NOT NULL,
    PRIMARY KEY (kind, id)
);
CREATE INDEX IF NOT EXISTS ix_kind_time ON resources (kind, time_created, id);
CREATE INDEX IF NOT EXISTS ix_kind_comp_time ON resources (kind, compartment_id, time_created, id);
CREATE INDEX IF NOT EXISTS ix_kind_name ON resources (kind, name, id);
CREATE INDEX IF NOT EXISTS ix_kind_comp_name ON resources (kind, compartment_id, name, id);
"""

# camelCase record field -> indexed column
_COLUMNS = {
    "id": "id",
    "compartmentId": "compartment_id",
    "displayName": "name",
    "name": "name",
    "lifecycleState": "state",
    "timeCreated": "time_created",
}


class InvalidPageToken(ValueError):
    """The page token was not one this store handed out."""


@dataclass
class Page:
    """One page of a list: the records and the token for the next page (None on the last one)."""

    items: list[dict[str, Any]]
    next_page: str | None


def _columns_of(record: dict[str, Any]) -> tuple[str, str, str, str]:
    name = record.get("displayName")
    if name is None:
        name = record.get("name")
    return (str(record.get("compartmentId") or ""), str(name or ""),
            str(record.get("lifecycleState") or ""), str(record.get("timeCreated") or ""))


def _field_sql(field: str) -> str:
    column = _COLUMNS.get(field)
    if column:
        return column
    if not field.replace("_", "").replace(".", "").isalnum():
        raise ValueError(f"not a filterable field: {field!r}")
    return f"json_extract(body, '$.{field}')"


_INT64 = 2**63


def encode_page(sort_value: Any, ident: str) -> str:
    """An opaque ``opc-next-page`` token: the last row's sort value and id, base64 JSON."""
    return base64.urlsafe_b64encode(json.dumps([sort_value, ident]).encode()).decode().rstrip("=")


def decode_page(token: str) -> tuple[Any, str]:
    """The (sort value, id) a token carries; InvalidPageToken for anything :func:`encode_page` cannot
    have made, including numbers SQLite cannot bind (beyond 64 bits, infinities)."""
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        value, ident = json.loads(raw, parse_constant=_refuse)
    except (binascii.Error, ValueError, TypeError, RecursionError) as exc:
        raise InvalidPageToken(token) from exc
    if not isinstance(ident, str) or not _bindable(ident) or not _bindable(value):
        raise InvalidPageToken(token)
    return value, ident


def encode_offset(offset: int) -> str:
    """A page token for lists paged in memory: the index the next page starts at."""
    return encode_page(offset, "")


def decode_offset(token: str) -> int:
    value, ident = decode_page(token)
    if ident or not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise InvalidPageToken(token)
    return value


def _refuse(name: str) -> Any:
    raise ValueError(name)


def _bindable(value: Any) -> bool:
    if value is None:
        return True
    if isinstance(value, str):
        return value.isascii() or not any("\ud800" <= ch <= "\udfff" for ch in value)
    if isinstance(value, int):
        return -_INT64 <= value < _INT64
    return isinstance(value, float) and abs(value) != float("inf")


class Database:
    """Thread-safe access to the resource table: one SQLite connection per thread, WAL mode so
    readers never wait for the writer, one transaction per API call via :meth:`transaction`."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        private.make_dir(self.path.parent)
        private.create_file(self.path)  # 0600; SQLite gives its -wal and -shm files the same mode
        self._local = threading.local()
        self._all: list[sqlite3.Connection] = []
        self._lock = threading.Lock()
        self._conn().executescript(_SCHEMA)

    # -- connections and transactions -------------------------------------------------------
    def _conn(self) -> sqlite3.Connection:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = sqlite3.connect(self.path, timeout=30, isolation_level=None, check_same_thread=False)
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=NORMAL")
            conn.execute("PRAGMA busy_timeout=30000")
            self._local.conn = conn
            self._local.depth = 0
            with self._lock:
                self._all.append(conn)
        return conn

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """All reads and writes inside happen atomically (nesting joins the outer transaction)."""
        conn = self._conn()
        if self._local.depth:
            self._local.depth += 1
            try:
                yield conn
            finally:
                self._local.depth -= 1
            return
        conn.execute("BEGIN IMMEDIATE")
        self._local.depth = 1
        try:
            yield conn
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        else:
            conn.execute("COMMIT")
        finally:
            self._local.depth = 0

    def close(self) -> None:
        with self._lock:
            for conn in self._all:
                try:
                    conn.close()
                except sqlite3.Error:
                    pass
            self._all.clear()
        self._local = threading.local()

    # -- records ------------------------------------------------------------------------------
    def insert(self, kind: str, record: dict[str, Any]) -> dict[str, Any]:
        """Store a new record (its ``id`` must be set); returns it."""
        with self.transaction() as conn:
            conn.execute(
                "INSERT INTO resources (kind, id, compartment_id, name, state, time_created, body) "
                "VALUES (?, ?, ?, ?, ?, ?, ?)",
                (kind, record["id"], *_columns_of(record), json.dumps(record)),
            )
        return record

    def insert_many(self, kind: str, records: list[dict[str, Any]]) -> None:
        """Bulk insert in one transaction (seeding, benchmarks)."""
        with self.transaction() as conn:
            conn.executemany(
                "INSERT INTO resources (kind, id, compartment_id, name, state, time_created, body) "
                "VALUES (?, ?, ?, ?, ?, ?, ?)",
                [(kind, r["id"], *_columns_of(r), json.dumps(r)) for r in records],
            )

    def get(self, kind: str, ident: str) -> dict[str, Any] | None:
        row = self._conn().execute("SELECT body FROM resources WHERE kind = ? AND id = ?", (kind, ident)).fetchone()
        return json.loads(row[0]) if row else None

    def update(self, kind: str, ident: str, record: dict[str, Any]) -> dict[str, Any]:
        """Replace a stored record whole; KeyError when it does not exist."""
        with self.transaction() as conn:
            cur = conn.execute(
                "UPDATE resources SET compartment_id = ?, name = ?, state = ?, time_created = ?, body = ? "
                "WHERE kind = ? AND id = ?",
                (*_columns_of(record), json.dumps(record), kind, ident),
            )
            if cur.rowcount == 0:
                raise KeyError(f"{kind} {ident}")
        return record

    def delete(self, kind: str, ident: str) -> bool:
        with self.transaction() as conn:
            return conn.execute("DELETE FROM resources WHERE kind = ? AND id = ?", (kind, ident)).rowcount > 0

    def delete_all(self, keep: tuple[str, ...] = (), keep_records: dict[str, set[str]] | None = None) -> int:
        """Remove every record except those of the ``keep`` kinds and the ``keep_records`` (kind -> ids),
        in one transaction; returns how many."""
        clauses, params = ["1"], list(keep)
        if keep:
            clauses.append(f"kind NOT IN ({', '.join('?' * len(keep))})")
        for kind, ids in (keep_records or {}).items():
            if ids:
                clauses.append(f"NOT (kind = ? AND id IN ({', '.join('?' * len(ids))}))")
                params += [kind, *sorted(ids)]
        with self.transaction() as conn:
            return conn.execute(f"DELETE FROM resources WHERE {' AND '.join(clauses)}", params).rowcount

    def blob_names(self) -> set[str]:
        """The blob of every record that has one (``_blob.name``): what the blob store must keep."""
        rows = self._conn().execute("SELECT json_extract(body, '$._blob.name') FROM resources "
                                    "WHERE json_extract(body, '$._blob.name') IS NOT NULL").fetchall()
        return {name for (name,) in rows}

    def rows(self, kind: str) -> list[tuple[Any, ...]]:
        """Every row of ``kind`` as the table holds it, to copy records into another database (snapshots)."""
        return self._conn().execute("SELECT kind, id, compartment_id, name, state, time_created, body "
                                    "FROM resources WHERE kind = ?", (kind,)).fetchall()

    def count(self, kind: str, filters: dict[str, Any] | None = None) -> int:
        where, params = self._where(kind, filters)
        return self._conn().execute(f"SELECT COUNT(*) FROM resources WHERE {where}", params).fetchone()[0]

    def list(self, kind: str, filters: dict[str, Any] | None = None, sort_by: str = "timeCreated",
             sort_order: str = "DESC", limit: int | None = None, page: str | None = None,
             conditions: list[tuple[str, str, Any]] | None = None) -> Page:
        """Records of ``kind`` matching every filter (a list value means "any of"), sorted, one page.

        ``conditions`` adds comparisons such as ``("name", ">=", "a")`` or ``("name", "prefix", "logs/")``.
        Raises :class:`InvalidPageToken` for a token this store did not hand out."""
        where, params = self._where(kind, filters)
        for field, op, value in conditions or ():
            if op == "prefix":  # a range, not LIKE: case-sensitive and able to use the index
                where += f" AND {_field_sql(field)} >= ? AND {_field_sql(field)} < ?"
                params += [value, value + "\U0010ffff"]
            elif op in ("=", "<", "<=", ">", ">="):
                where += f" AND {_field_sql(field)} {op} ?"
                params.append(value)
            else:
                raise ValueError(f"unsupported comparison {op!r}")
        sort_sql = _field_sql(sort_by)
        descending = sort_order.upper() == "DESC"
        if page:
            value, ident = decode_page(page)
            where += f" AND ({sort_sql}, id) {'<' if descending else '>'} (?, ?)"
            params += [value, ident]
        direction = "DESC" if descending else "ASC"
        sql = f"SELECT body, {sort_sql} FROM resources WHERE {where} ORDER BY {sort_sql} {direction}, id {direction}"
        if limit is not None:
            sql += " LIMIT ?"
            params.append(limit + 1)
        rows = self._conn().execute(sql, params).fetchall()
        next_page = None
        if limit is not None and len(rows) > limit:
            rows = rows[:limit]
            last = json.loads(rows[-1][0])
            next_page = encode_page(rows[-1][1], last["id"])
        return Page([json.loads(body) for body, _ in rows], next_page)

    @staticmethod
    def _where(kind: str, filters: dict[str, Any] | None) -> tuple[str, list[Any]]:
        clauses, params = ["kind = ?"], [kind]
        for field, value in (filters or {}).items():
            if value is None:
                continue
            sql = _field_sql(field)
            if isinstance(value, (list, tuple, set)):
                values = list(value)
                clauses.append(f"{sql} IN ({', '.join('?' * len(values))})" if values else "0")
                params += values
            else:
                clauses.append(f"{sql} = ?")
                params.append(value)
        return " AND ".join(clauses), params
