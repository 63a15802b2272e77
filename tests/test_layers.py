"""The layers, checked: who may import whom (DESIGN.md, "Contracts have one owner"; issue 23 item 6).

- ``emulator`` never imports ``toolkit``: the emulator is the service, the toolkit one of its clients.
- ``emulator.contracts`` and ``emulator.inference`` import only the standard library, PyYAML, the
  ``oci`` SDK and each other: both sides import them, and ``emulator.inference`` is copied into
  deployment images alone.
- The toolkit imports the emulator only from its CLI (``toolkit.cli``), its test harness
  (``toolkit.testing``), the local profile's start-up (``toolkit.profiles``), and the contracts and
  inference packages; every other reach into the emulator is listed below with its reason.

Every ``import`` statement counts, inside functions too (a lazy import is still a dependency). The
check reads the source with ``ast``: nothing is imported, no dependency is added.
"""
from __future__ import annotations

import ast
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
PACKAGES = ("emulator", "toolkit")

CONTRACT_PACKAGES = ("emulator.contracts", "emulator.inference")
CONTRACT_MAY_IMPORT = ("yaml", "oci", *CONTRACT_PACKAGES)
# (importing module, imported module prefix): why a contract module needs more than its layer allows.
CONTRACT_EXCEPTIONS = {
    ("emulator.contracts.key_fingerprint", "cryptography"):
        "the API-key fingerprint is computed over cryptography's key objects (the oci SDK depends on it too)",
    ("emulator.inference.server", "flask"): "the inference server is a Flask app: deployments run it, images install Flask",
    ("emulator.inference.server", "werkzeug"): "Flask's HTTP errors, in the same inference server",
}

TOOLKIT_MAY_IMPORT_EMULATOR_FROM = ("toolkit.cli", "toolkit.testing", "toolkit.profiles")
# (importing module prefix, imported emulator module prefix): reaches the toolkit needs today, and why.
TOOLKIT_EXCEPTIONS = {
    ("toolkit.artifact.archive", "emulator.unzip"):
        "one safe extractor and one artifact-root rule, so an artifact the toolkit loads is one a deployment serves",
    ("toolkit.artifact.verify", "emulator.runtimes.public"):
        "verify() runs score.py in the runtimes' warm fork server, as the process runtime does",
    ("toolkit.artifact.requirements", "emulator.runtimes.public"):
        "the requirement check looks in the wheelhouses the image builder left",
    ("toolkit.settings", "emulator.settings"):
        "the settings every part honours (DOCKYARD_RUNTIME, DOCKYARD_BASE_IMAGE) are read and checked once",
    ("toolkit.deployment", "emulator.settings"):
        "deploy checks the runtime it is asked for with the emulator's own check",
}


@dataclass(frozen=True)
class Import:
    importer: str  # dotted module name
    imported: str  # dotted name as written, resolved against the importer's package
    line: int
    top_level: bool  # executed when the module is imported (not inside a function)


def module_name(path: Path) -> str:
    parts = list(path.relative_to(REPO).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def source_files() -> list[Path]:
    return sorted(p for package in PACKAGES for p in (REPO / package).rglob("*.py") if "__pycache__" not in p.parts)


def imports_of(path: Path) -> list[Import]:
    """Every import statement of the file, with relative imports resolved."""
    name = module_name(path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: list[Import] = []

    def visit(node: ast.AST, top_level: bool) -> None:
        for child in ast.iter_child_nodes(node):
            inner = top_level and not isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda))
            if isinstance(child, ast.Import):
                found.extend(Import(name, alias.name, child.lineno, top_level) for alias in child.names)
            elif isinstance(child, ast.ImportFrom):
                base = child.module or ""
                if child.level:
                    anchor = package.split(".")[: len(package.split(".")) - child.level + 1]
                    base = ".".join([*anchor, *([child.module] if child.module else [])])
                found.extend(Import(name, f"{base}.{alias.name}" if alias.name != "*" else base, child.lineno,
                                    top_level) for alias in child.names)
            visit(child, inner)

    visit(ast.parse(path.read_text(encoding="utf-8"), str(path)), True)
    return found


def all_imports() -> list[Import]:
    return [imp for path in source_files() for imp in imports_of(path)]


def _within(name: str, prefix: str) -> bool:
    return name == prefix or name.startswith(prefix + ".")


def layer_violations(imports: list[Import]) -> list[str]:
    """Each import that breaks a layer rule and is not a listed exception, as ``importer:line -> imported``."""
    found = []
    for imp in imports:
        root = imp.imported.split(".")[0]
        where = f"{imp.importer}:{imp.line} -> {imp.imported}"
        if _within(imp.importer, "emulator") and root == "toolkit":
            found.append(f"{where} (the emulator never imports the toolkit)")
        if any(_within(imp.importer, p) for p in CONTRACT_PACKAGES) and root not in sys.stdlib_module_names \
                and not any(_within(imp.imported, p) for p in CONTRACT_MAY_IMPORT) \
                and not any(imp.importer == m and _within(imp.imported, p) for m, p in CONTRACT_EXCEPTIONS):
            found.append(f"{where} (contracts and inference: standard library, PyYAML and the oci SDK only)")
        if _within(imp.importer, "toolkit") and root == "emulator" \
                and not any(_within(imp.importer, p) for p in TOOLKIT_MAY_IMPORT_EMULATOR_FROM) \
                and not any(_within(imp.imported, p) for p in CONTRACT_PACKAGES) \
                and not any(_within(imp.importer, m) and _within(imp.imported, p) for m, p in TOOLKIT_EXCEPTIONS):
            found.append(f"{where} (the toolkit reaches the emulator from cli/, testing/, profiles and the contracts)")
    return found


def import_graph(imports: list[Import], top_level_only: bool) -> dict[str, set[str]]:
    """Module -> the modules of ours it imports (``from a import b`` is ``a.b`` when that is a module)."""
    modules = {module_name(p) for p in source_files()}
    graph: dict[str, set[str]] = {m: set() for m in modules}
    for imp in imports:
        if top_level_only and not imp.top_level:
            continue
        target = imp.imported if imp.imported in modules else imp.imported.rpartition(".")[0]
        if target in modules and target != imp.importer:
            graph[imp.importer].add(target)
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def connect(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(graph[node]):
            if nxt not in index:
                connect(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    sys.setrecursionlimit(max(sys.getrecursionlimit(), 10000))
    for node in sorted(graph):
        if node not in index:
            connect(node)
    return sorted(found)


# Circles issue 23 broke: these pairs must never import each other both ways again, lazily or not.
# (Run this file with python to list the cycles there are today, longer ones included.)
BROKEN_CIRCLES = (
    ("emulator.data_science.models", "emulator.data_science.artifacts"),
    ("emulator.data_science.models", "emulator.data_science.metadata_artifacts"),
    ("emulator.data_science.models", "emulator.data_science.provenance"),
    ("emulator.data_science.models", "emulator.data_science.version_sets"),
    ("toolkit.artifact.runtime", "toolkit.catalog.conda_packs"),
    ("toolkit.model.flavor", "toolkit.model.frameworks.onnx"),
    # the autoscaler and the metrics use the deployment service through public methods (a Protocol), not an import
    ("emulator.model_deployment.service", "emulator.model_deployment.autoscaling"),
    ("emulator.model_deployment.service", "emulator.model_deployment.metrics"),
    ("emulator.model_deployment.autoscaling", "emulator.model_deployment.metrics"),
)


def test_every_import_keeps_to_its_layer():
    assert layer_violations(all_imports()) == []


def test_a_new_violation_is_caught():
    """The check itself works: an emulator module importing the toolkit, a contract importing Flask,
    and a toolkit model reaching into the emulator's store are each reported."""
    made_up = [Import("emulator.data_science.models", "toolkit.settings", 1, False),
               Import("emulator.contracts.states", "flask.Flask", 1, True),
               Import("toolkit.model.generic", "emulator.store.db", 1, False)]
    assert len(layer_violations(made_up)) == 3


def test_every_listed_exception_is_still_needed():
    """An exception no import uses any more is removed from the list, so the list stays the truth."""
    imports = all_imports()
    for importer, imported in TOOLKIT_EXCEPTIONS:
        assert any(_within(i.importer, importer) and _within(i.imported, imported) for i in imports), (importer, imported)
    for importer, imported in CONTRACT_EXCEPTIONS:
        assert any(i.importer == importer and _within(i.imported, imported) for i in imports), (importer, imported)


@pytest.mark.parametrize("first, second", BROKEN_CIRCLES)
def test_broken_import_circles_stay_broken(first, second):
    graph = import_graph(all_imports(), top_level_only=False)
    assert not (second in graph[first] and first in graph[second]), f"{first} and {second} import each other again"


def test_the_cycle_detector_finds_a_circle():
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


if __name__ == "__main__":  # python tests/test_layers.py: the import cycles there are today
    for label, top in (("module-level imports", True), ("all imports, functions' too", False)):
        print(f"# cycles over {label}")
        for cycle in cycles(import_graph(all_imports(), top_level_only=top)):
            print("  " + " <-> ".join(cycle))
