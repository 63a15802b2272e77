"""Dump the parameters of the parity surface's objects, on one side, as JSON on stdout.

    python tests/parity/dump_signatures.py ads       # run with ADS's venv python
    python tests/parity/dump_signatures.py toolkit   # run with Dockyard's

Standard library only (it runs in ADS's venv, which has no Dockyard). The entries are
``surface.listed_entries()`` plus, on ADS's side, every public member of ``surface.DISCOVERED_CLASSES``
(``discovered_entries``); the toolkit's side compares the names ADS's dump lists (``dump("toolkit",
names)``). For each entry: whether the object exists, its named parameters (``inspect.signature``,
``self``/``cls``/``*args``/``**kwargs`` left out), on the ADS side also the keyword arguments
its docstring documents under ``kwargs``, and for enum-like classes their member names.
"""
from __future__ import annotations

import importlib
import inspect
import json
import re
import sys
import warnings
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import surface  # noqa: E402  (beside this file, importable in either venv)

_SKIPPED_KINDS = (inspect.Parameter.VAR_POSITIONAL, inspect.Parameter.VAR_KEYWORD)


def resolve(path: str):
    """The object at ``module:Qualified.name``; AttributeError/ImportError when absent."""
    module_name, _, qualname = path.partition(":")
    obj = importlib.import_module(module_name)
    for part in qualname.split("."):
        owner = obj
        if inspect.isclass(owner) and not hasattr(owner, part) and part in _annotations(owner):
            return _ANNOTATED  # an instance attribute the class declares
        obj = getattr(owner, part)
        if inspect.isclass(owner):  # keep properties and classmethods visible as what they are
            static = inspect.getattr_static(owner, part)
            if isinstance(static, (property, classmethod, staticmethod)):
                obj = static
    return obj


_ANNOTATED = object()


def _annotations(cls) -> set[str]:
    names: set[str] = set()
    for klass in cls.__mro__:
        names.update(getattr(klass, "__annotations__", {}))
    return names


def parameters(obj) -> list[str]:
    func = obj.__func__ if isinstance(obj, (classmethod, staticmethod)) else obj
    if isinstance(func, property) or not callable(func):
        return []
    try:
        signature = inspect.signature(func)
    except (TypeError, ValueError):
        return []
    return [name for name, p in signature.parameters.items()
            if p.kind not in _SKIPPED_KINDS and name not in ("self", "cls")]


def documented_kwargs(obj) -> list[str]:
    """Names listed under ``kwargs`` in a numpy-style docstring (ADS documents its **kwargs there)."""
    func = obj.__func__ if isinstance(obj, (classmethod, staticmethod)) else obj
    lines = (inspect.getdoc(func) or "").splitlines()
    for index, line in enumerate(lines):
        match = re.match(r"^(\s*)(\*\*)?kwargs\s*:?.*$", line)
        if not match:
            continue
        base, child, names = len(match.group(1)), None, []
        for item in lines[index + 1:]:
            if not item.strip():
                continue
            indent = len(item) - len(item.lstrip())
            if indent <= base:
                break
            child = indent if child is None else child
            named = re.match(r"^\s*([A-Za-z_]\w*)\s*:", item)
            if indent == child and named:
                names.append(named.group(1))
        return names
    return []


def members(obj) -> list[str]:
    return sorted(name for name, value in vars(obj).items()
                  if name.isupper() and isinstance(value, str))


def member_kind(cls, name: str) -> str:
    """``call`` for a method, classmethod or staticmethod, ``attribute`` for anything else (a property,
    a constant, a class attribute)."""
    static = inspect.getattr_static(cls, name)
    if isinstance(static, (classmethod, staticmethod)) or inspect.isfunction(static):
        return "call"
    return "attribute"


def discovered_entries() -> list[dict]:
    """Every public member of ADS's ``DISCOVERED_CLASSES`` (own and inherited), and each constructor."""
    out = []
    for owner, module_name in surface.DISCOVERED_CLASSES.items():
        cls = getattr(importlib.import_module(module_name), owner)
        out.append(surface.entry(owner, "__init__", "call"))
        out += [surface.entry(owner, name, member_kind(cls, name))
                for name in sorted(dir(cls)) if not name.startswith("_")]
    return out


def entries_named(names: dict) -> list[dict]:
    """The entries of an earlier dump (``{name: {"kind": ...}}``), to look the same names up on the other side."""
    out = []
    for name, record in names.items():
        owner, _, member = name.partition(".")
        toolkit_owner = "DeploymentLogs" if owner == "ConsolidatedLog" else None
        out.append(surface.entry(owner, member or None, record["kind"], toolkit_owner))
    return out


def dump(side: str, names: dict | None = None) -> dict:
    """``side``'s record of each entry: ADS's own surface, or (``names``: ADS's dump) the same names here."""
    result = {}
    entries = entries_named(names) if names is not None else surface.listed_entries() + discovered_entries()
    for entry in entries:
        record = {"kind": entry["kind"], "found": False, "params": [], "members": []}
        try:
            obj = resolve(entry[side])
        except (ImportError, AttributeError) as exc:
            record["error"] = f"{type(exc).__name__}: {exc}"
        else:
            record["found"] = True
            if entry["kind"] == "call":
                names = parameters(obj)
                if side == "ads":
                    names += [n for n in documented_kwargs(obj) if n not in names]
                record["params"] = names
            elif entry["kind"] == "members":
                record["members"] = members(obj)
        result[entry["name"]] = record
    return result


if __name__ == "__main__":
    warnings.filterwarnings("ignore")
    side = sys.argv[1] if len(sys.argv) > 1 else "toolkit"
    json.dump(dump(side), sys.stdout, indent=1, sort_keys=True)
