"""Dump the parameters of the parity surface's objects, on one side, as JSON on stdout.

    python tests/parity/dump_signatures.py ads       # run with ADS's venv python
    python tests/parity/dump_signatures.py toolkit   # run with Dockyard's

Standard library only (it runs in ADS's venv, which has no Dockyard). For each entry of
``surface.entries()``: whether the object exists, its named parameters (``inspect.signature``,
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


def dump(side: str) -> dict:
    result = {}
    for entry in surface.entries():
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
