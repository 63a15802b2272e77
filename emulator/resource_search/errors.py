"""Resource Search errors."""
from __future__ import annotations

from emulator.errors import OCIError


def bad_query(query: str, why: str) -> OCIError:
    return OCIError(400, "InvalidParameter", f"Cannot parse the search query ({why}): {query!r}")
