"""ADS parameters the toolkit accepts and never reads: a parameter silently dropped.

For each toolkit counterpart of an ADS call, every parameter it shares with ADS must be read in the
function's body (any load of the name: used, tested or forwarded) or the body must forward its
``locals()``. A parameter ``del``-ed or left alone is reported as ``Class.method(param)``, unless a
``differences.yaml`` entry marked ``unread: true`` says why. A body that takes its parameters as one
mapping (``toolkit.model.forwarding``'s derived signatures) forwards them all and is not checked here.
"""
from __future__ import annotations

import ast
import inspect
import sys
import textwrap
from typing import Callable

from tests.parity.report import HERE


def _function(path: str) -> Callable | None:
    sys.path.insert(0, str(HERE))
    try:
        import dump_signatures
    finally:
        sys.path.remove(str(HERE))
    try:
        obj = dump_signatures.resolve(path)
    except (ImportError, AttributeError):
        return None
    obj = obj.__func__ if isinstance(obj, (classmethod, staticmethod)) else obj
    if inspect.isclass(obj):
        obj = obj.__init__
    return inspect.unwrap(obj) if inspect.isfunction(obj) else None


def unread_in(function: Callable, names: set[str]) -> list[str]:
    """Which of ``names`` (parameters of ``function``) its body never reads."""
    try:
        tree = ast.parse(textwrap.dedent(inspect.getsource(function)))
    except (OSError, TypeError, SyntaxError):
        return []
    definition = tree.body[0]
    if not isinstance(definition, (ast.FunctionDef, ast.AsyncFunctionDef)):
        return []
    own = {a.arg for a in definition.args.args + definition.args.kwonlyargs + definition.args.posonlyargs}
    body = ast.Module(body=definition.body, type_ignores=[])
    read = {n.id for n in ast.walk(body) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)}
    if "locals" in read:  # the body forwards every parameter
        return []
    return sorted(name for name in names & own if name not in read)


def unread_parameters(ads: dict, toolkit: dict) -> list[str]:
    """``Class.method(param)`` for each ADS parameter a toolkit call accepts and never reads."""
    sys.path.insert(0, str(HERE))
    try:
        import surface
    finally:
        sys.path.remove(str(HERE))
    out = []
    for name, theirs in sorted(ads.items()):
        ours = toolkit.get(name) or {}
        if theirs["kind"] != "call" or not ours.get("found"):
            continue
        owner, _, member = name.partition(".")
        toolkit_owner = "DeploymentLogs" if owner == "ConsolidatedLog" else None
        function = _function(surface.entry(owner, member or None, "call", toolkit_owner)["toolkit"])
        if function is None:
            continue
        shared = set(theirs["params"]) & set(ours["params"])
        out += [f"{name}({param})" for param in unread_in(function, shared)]
    return out
