"""Tables of records, one keyset page at a time, read through the store's own list (the call the
REST list routes make), so a page costs the same over 100 or 100 000 records.

The query string holds the page token (``page``), sort, order, page size and a page number for
display; links to the next and first pages keep the filters. There is no "previous": a keyset
page knows where the next one starts, not where the last one did.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from flask import request, url_for

from emulator.errors import invalid
from emulator.state import current_state
from emulator.store.db import InvalidPageToken

PAGE_SIZES = (25, 50, 100, 200)
DEFAULT_PAGE_SIZE = 50


@dataclass
class Table:
    """One page of a listing and what is needed to link to its neighbours."""

    items: list[dict[str, Any]]
    next_page: str | None
    number: int
    sort_by: str
    sort_order: str
    limit: int
    sort_fields: tuple[str, ...] = field(default_factory=tuple)

    def link(self, **changes: Any) -> str:
        """This page's URL with some query parameters changed (None removes one)."""
        args = {k: v for k, v in request.args.items() if v != ""}
        for key, value in changes.items():
            if value is None:
                args.pop(key, None)
            else:
                args[key] = value
        return url_for(request.endpoint, **(request.view_args or {}), **args)

    def next_link(self) -> str | None:
        return self.link(page=self.next_page, n=self.number + 1) if self.next_page else None

    def first_link(self) -> str | None:
        return self.link(page=None, n=None) if self.number > 1 else None

    def sort_link(self, field_name: str) -> str:
        """Sort by ``field_name``; the same field again flips the order. Sorting starts over at page 1."""
        order = "DESC" if field_name.startswith("time") else "ASC"
        if field_name == self.sort_by:
            order = "ASC" if self.sort_order == "DESC" else "DESC"
        return self.link(sort=field_name, order=order, page=None, n=None)


def page_of(kind: str, filters: dict[str, Any], sort_fields: tuple[str, ...],
            conditions: list[tuple[str, str, Any]] | None = None) -> Table:
    """The page the query string asks for; 400 (an error page) for a token the store did not issue."""
    args = request.args
    sort_by = args.get("sort") if args.get("sort") in sort_fields else sort_fields[0]
    default_order = "DESC" if sort_by.startswith("time") else "ASC"
    sort_order = (args.get("order") or default_order).upper()
    if sort_order not in ("ASC", "DESC"):
        sort_order = default_order
    limit = int(args["limit"]) if args.get("limit", "").isdigit() and int(args["limit"]) in PAGE_SIZES \
        else DEFAULT_PAGE_SIZE
    number = int(args["n"]) if args.get("n", "").isdigit() and args.get("page") else 1
    try:
        page = current_state().db.list(kind, filters, sort_by, sort_order, limit, args.get("page") or None,
                                       conditions=conditions)
    except InvalidPageToken:
        raise invalid("This page link is not one the console made; start again from the first page.") from None
    return Table(page.items, page.next_page, number, sort_by, sort_order, limit, sort_fields)


def text_filter(name: str, max_length: int = 255) -> str | None:
    """A filter from the query string: stripped, None when empty, 400 when absurdly long."""
    value = (request.args.get(name) or "").strip()
    if len(value) > max_length:
        raise invalid(f"The {name} filter is longer than {max_length} characters.")
    return value or None


def choice_filter(name: str, allowed: tuple[str, ...]) -> str | None:
    value = request.args.get(name) or None
    if value is not None and value not in allowed:
        raise invalid(f"{name} must be one of {', '.join(allowed)}.")
    return value
