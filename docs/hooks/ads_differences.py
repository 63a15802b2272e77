"""MkDocs hook: the "where Dockyard differs from ADS" table is rendered from
``tests/parity/differences.yaml`` at build time, the one source the parity test also reads.

The page holds the marker line ``report.TABLE_MARKER``; this hook replaces it with
``report.differences_table()``, so the table on the site is never a pasted copy.
"""
from __future__ import annotations

import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def on_page_markdown(markdown: str, page, config, files) -> str:
    report = _report()
    if report.TABLE_MARKER not in markdown:
        return markdown
    return markdown.replace(report.TABLE_MARKER, report.differences_table(report.differences()))


def _report():
    if str(REPO) not in sys.path:  # tests/ is a package of the checkout, not of the installed wheel
        sys.path.insert(0, str(REPO))
    from tests.parity import report

    return report
