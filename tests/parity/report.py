"""ADS API parity: how much of the ADS surface (``surface.py``) the toolkit has, measured.

    python -m tests.parity.report                 # figures and every gap
    python -m tests.parity.report --table         # the docs' "where Dockyard differs" table (Markdown)
    python -m tests.parity.report --excluded      # also every name differences.yaml excludes

ADS's side is dumped by ``dump_signatures.py`` running in ADS's own venv (``$(VENV)/ads``, made by
``make ads``; ``DOCKYARD_ADS_PYTHON`` names another interpreter): every public member of the model,
catalog and deployment classes (``surface.DISCOVERED_CLASSES``) and the hand-listed rest. The
toolkit's side, the same names looked up here, is dumped in this process. A gap is a name the toolkit lacks (``GenericModel.summary_status``), a
parameter it does not accept by name (``GenericModel.prepare(initial_types)``) or a member of an
enum (``UseCaseType[NER]``). Gaps Dockyard keeps on purpose are listed, with how and why, in
``differences.yaml``, the one source of the docs' table (``docs/ads-differences.md``, rendered at build
time by ``docs/hooks/ads_differences.py``); its ``excluded: true`` entries take names
out of the measured surface (ADS internals such as ``CONST_*``), so the figures do not count them.
"""
from __future__ import annotations

import fnmatch
import json
import os
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import yaml

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
DIFFERENCES = HERE / "differences.yaml"
DOCS_PAGE = REPO / "docs" / "ads-differences.md"
#: The line of ``DOCS_PAGE`` that the docs build replaces with ``differences_table()``.
TABLE_MARKER = "<!-- ads-parity-table: rendered from tests/parity/differences.yaml at build time -->"


def ads_python() -> Path:
    return Path(os.environ.get("DOCKYARD_ADS_PYTHON") or REPO / ".venv" / "ads" / "bin" / "python")


def dump_ads(python: Path | None = None) -> dict:
    """ADS's side, dumped by its own interpreter."""
    done = subprocess.run([str(python or ads_python()), str(HERE / "dump_signatures.py"), "ads"],
                          capture_output=True, text=True, timeout=600, cwd=HERE)
    if done.returncode != 0:
        raise RuntimeError(f"dumping ADS's signatures failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout)


def dump_toolkit(ads: dict) -> dict:
    """The toolkit's record of every name in ADS's dump."""
    sys.path.insert(0, str(HERE))
    try:
        import dump_signatures
    finally:
        sys.path.remove(str(HERE))
    return json.loads(json.dumps(dump_signatures.dump("toolkit", ads)))


@dataclass
class Difference:
    gap: str  # an fnmatch pattern over gap names (or, not measured, the API it is about)
    how: str
    why: str
    measured: bool = True  # False: a difference in behaviour the comparison of names cannot see
    excluded: bool = False  # True: the names it covers are outside the measured surface (not counted)
    unread: bool = False  # True: covers ADS parameters accepted and knowingly not read (unread.py)

    def covers(self, gap: str) -> bool:
        if not self.measured:
            return False
        return fnmatch.fnmatchcase(gap, self.gap) or fnmatch.fnmatchcase(gap, self.gap + ".*") \
            or fnmatch.fnmatchcase(gap, self.gap + "(*)")


def differences() -> list[Difference]:
    return [Difference(**item) for item in yaml.safe_load(DIFFERENCES.read_text(encoding="utf-8")) or []]


@dataclass
class Parity:
    names: int = 0
    names_found: int = 0
    params: int = 0
    params_found: int = 0
    gaps: list[str] = field(default_factory=list)
    excluded: list[str] = field(default_factory=list)  # names and parameters left out by an exclusion

    @staticmethod
    def percent(part: int, whole: int) -> float:
        return 100.0 * part / whole if whole else 100.0

    @property
    def name_parity(self) -> float:
        return self.percent(self.names_found, self.names)

    @property
    def param_parity(self) -> float:
        return self.percent(self.params_found, self.params)


def compare(ads: dict, toolkit: dict, only_present_classes: bool = False,
            exclusions: list[Difference] = ()) -> Parity:
    """Names, parameters and enum members of ADS's surface that the toolkit has (``only_present_classes``:
    leaving out the classes Dockyard does not have at all; ``exclusions``: the names and parameters
    they cover are not counted)."""
    parity = Parity()
    present = {name.split(".")[0] for name, ours in toolkit.items() if ours["found"]}

    def excluded(item: str) -> bool:
        if any(d.covers(item) for d in exclusions):
            parity.excluded.append(item)
            return True
        return False

    for name, theirs in sorted(ads.items()):
        if only_present_classes and name.split(".")[0] not in present:
            continue
        if excluded(name):
            continue
        ours = toolkit.get(name) or {"found": False, "params": [], "members": []}
        wanted = [item for item in theirs["params"] + [f"[{m}]" for m in theirs["members"]]
                  if not excluded(f"{name}{item}" if item.startswith("[") else f"{name}({item})")]
        parity.names += 1
        parity.params += len(wanted)
        if not ours["found"]:
            parity.gaps.append(name)
            continue
        parity.names_found += 1
        have = set(ours["params"]) | {f"[{m}]" for m in ours["members"]}
        for item in wanted:
            if item in have:
                parity.params_found += 1
            else:
                parity.gaps.append(f"{name}{item}" if item.startswith("[") else f"{name}({item})")
    return parity


def exclusions(allowed: list[Difference]) -> list[Difference]:
    return [d for d in allowed if d.excluded]


def split_gaps(parity: Parity, allowed: list[Difference]) -> tuple[list[str], list[str], list[Difference]]:
    """(gaps with a reason, gaps without one, differences that cover no gap or excluded name any more)."""
    reasons = [d for d in allowed if not d.excluded and not d.unread]
    justified = [g for g in parity.gaps if any(d.covers(g) for d in reasons)]
    unjustified = [g for g in parity.gaps if g not in justified]
    stale = [d for d in reasons if d.measured and not any(d.covers(g) for g in parity.gaps)]
    stale += [d for d in exclusions(allowed) if not any(d.covers(n) for n in parity.excluded)]
    return justified, unjustified, stale


def summary(parity: Parity, justified: list[str], present: Parity | None = None) -> str:
    line = (f"ADS API parity: names {parity.names_found}/{parity.names} ({parity.name_parity:.1f}%), "
            f"parameters {parity.params_found}/{parity.params} ({parity.param_parity:.1f}%); "
            f"{len(parity.gaps)} gaps, {len(justified)} of them justified in tests/parity/differences.yaml; "
            f"{len(parity.excluded)} ADS names and parameters excluded there")
    if present is not None:
        line += (f"\n  of the classes Dockyard has: names {present.names_found}/{present.names} "
                 f"({present.name_parity:.1f}%), parameters {present.params_found}/{present.params} "
                 f"({present.param_parity:.1f}%)")
    return line


def differences_table(allowed: list[Difference]) -> str:
    """The docs' table: one row per difference (what, how, why)."""
    rows = ["| ADS API | how Dockyard differs | why |", "| --- | --- | --- |"]
    rows += [f"| `{d.gap}` | {_cell(_how(d))} | {_cell(d.why)} |" for d in allowed]
    return "\n".join(rows)


def _how(difference: Difference) -> str:
    return f"excluded from the figure: {difference.how}" if difference.excluded else difference.how


def split_unread(unread: list[str], allowed: list[Difference]) -> tuple[list[str], list[Difference]]:
    """(unread parameters without an ``unread: true`` reason, such reasons that cover none any more)."""
    reasons = [d for d in allowed if d.unread]
    unjustified = [p for p in unread if not any(fnmatch.fnmatchcase(p, d.gap) for d in reasons)]
    stale = [d for d in reasons if not any(fnmatch.fnmatchcase(p, d.gap) for p in unread)]
    return unjustified, stale


def _cell(text: str) -> str:
    return " ".join(text.split()).replace("|", "\\|")


def main(argv: list[str]) -> int:
    allowed = differences()
    if "--table" in argv:
        print(differences_table(allowed))
        return 0
    ads = dump_ads()
    toolkit = dump_toolkit(ads)
    parity = compare(ads, toolkit, exclusions=exclusions(allowed))
    justified, unjustified, stale = split_gaps(parity, allowed)
    from tests.parity.unread import unread_parameters
    dropped, stale_unread = split_unread(unread_parameters(ads, toolkit), allowed)
    unjustified += [f"{p} accepted and never read" for p in dropped]
    stale += stale_unread
    for gap in unjustified:
        print(f"gap: {gap}")
    for difference in stale:
        print(f"stale difference (covers no gap): {difference.gap}")
    if "--excluded" in argv:
        for name in parity.excluded:
            print(f"excluded: {name}")
    print(summary(parity, justified, compare(ads, toolkit, only_present_classes=True, exclusions=exclusions(allowed))))
    return 1 if unjustified or stale else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
