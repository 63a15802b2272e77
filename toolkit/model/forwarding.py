"""Façade methods whose parameters belong to other functions: ``GenericModel.deploy`` takes
``deploy_model``'s, ``prepare_save_deploy`` those of ``prepare``, ``save`` and ``deploy``,
``from_model_artifact`` ``load_artifact``'s, ``from_id``/``from_model_deployment`` ``from_model_catalog``'s.

The façade's signature is derived from the functions it calls (``inspect.signature`` and so
``help()``, IDEs and the ADS parity check see every named parameter, with its type and default),
and a call forwards only the arguments its caller gave: the called function applies its own
defaults, so a default is written once, where it acts.
"""
from __future__ import annotations

import functools
import inspect
from typing import Any, Callable, Iterable

_NAMED = (inspect.Parameter.POSITIONAL_OR_KEYWORD, inspect.Parameter.KEYWORD_ONLY)
Body = Callable[[Any, dict[str, Any], dict[str, Any]], Any]


def named_parameters(function: Callable, drop: Iterable[str] = (), renamed: dict[str, str] | None = None,
                     positional: bool = False) -> list[inspect.Parameter]:
    """``function``'s named parameters (no self/cls, no ``*args``/``**kwargs``), less ``drop``, each
    ``renamed[name]`` if given; ``positional``: keyword-only ones may be passed by position too."""
    skipped, renamed = {"self", "cls", *drop}, renamed or {}
    found = [p for p in inspect.signature(function).parameters.values() if p.kind in _NAMED and p.name not in skipped]
    kind = {"kind": inspect.Parameter.POSITIONAL_OR_KEYWORD} if positional else {}
    return [p.replace(name=renamed.get(p.name, p.name), **kind) for p in found]


def method_signature(parameters: Iterable[inspect.Parameter]) -> inspect.Signature:
    """``(self, <parameters>, **kwargs)``: a method taking ``parameters`` and refusing the rest itself."""
    self_parameter = inspect.Parameter("self", inspect.Parameter.POSITIONAL_OR_KEYWORD)
    extra = inspect.Parameter("kwargs", inspect.Parameter.VAR_KEYWORD, annotation=Any)
    return inspect.Signature([self_parameter, *parameters, extra])


def with_signature(signature: inspect.Signature) -> Callable[[Body], Callable[..., Any]]:
    """Make ``body(self, given, extra)`` a method with ``signature``: ``given`` holds the named
    arguments the caller passed (positionally or by keyword; no defaults filled in), ``extra`` the
    other keywords (for the body to refuse or pass on). A wrong call fails as Python's own would."""

    def decorate(body: Body) -> Callable[..., Any]:
        @functools.wraps(body)
        def method(*args: Any, **kwargs: Any) -> Any:
            try:
                bound = signature.bind(*args, **kwargs)
            except TypeError as exc:
                raise TypeError(f"{body.__name__}(): {exc}") from None
            given = dict(bound.arguments)
            self = given.pop("self")
            extra = given.pop("kwargs", {})
            return body(self, given, extra)

        method.__signature__ = signature  # type: ignore[attr-defined]
        return method

    return decorate


def forwards_to(target: Callable, drop: Iterable[str] = (), renamed: dict[str, str] | None = None,
                positional: bool = False) -> Callable[[Body], Callable[..., Any]]:
    """A method with ``target``'s named parameters (see ``named_parameters``) and ``**kwargs``; see
    ``with_signature``. On a classmethod the body's first argument is the class."""
    return with_signature(method_signature(named_parameters(target, drop, renamed, positional)))


def borrowed_signature(names: Iterable[str], sources: dict[str, tuple[Callable, str]]) -> inspect.Signature:
    """A method signature of ``names`` in this order, each parameter (type, default) borrowed from
    ``sources[name] = (function, its parameter name)``."""
    parameters = []
    for name in names:
        function, original = sources[name]
        parameter = inspect.signature(function).parameters[original]
        parameters.append(parameter.replace(name=name, kind=inspect.Parameter.POSITIONAL_OR_KEYWORD))
    return method_signature(parameters)


Route = list[tuple[str, str]]  # (step, that step's parameter name)


def routes(names: Iterable[str], steps: dict[str, Callable], renamed: dict[str, tuple[str, str]]) -> dict[str, Route]:
    """Where each of a combined method's ``names`` goes: a ``renamed`` one to its one step's parameter
    (``model_display_name`` -> save's ``display_name``), any other to every step with a parameter of
    that name (``project_id`` to save and deploy)."""
    found: dict[str, Route] = {}
    for name in names:
        if name in renamed:
            found[name] = [renamed[name]]
        else:
            found[name] = [(step, name) for step, function in steps.items()
                           if name in inspect.signature(function).parameters]
        if not found[name]:
            raise TypeError(f"no step takes {name!r}")  # a typo in the table, caught at import
    return found


def routed_signature(routing: dict[str, Route], steps: dict[str, Callable]) -> inspect.Signature:
    """The combined method's signature: each parameter as its (first) step declares it."""
    return borrowed_signature(routing, {name: (steps[route[0][0]], route[0][1]) for name, route in routing.items()})


def split(given: dict[str, Any], routing: dict[str, Route], renamed: Iterable[str]) -> dict[str, dict[str, Any]]:
    """The arguments of each step. A renamed argument wins over a shared one of the same step
    parameter unless it is empty (``model_freeform_tags or freeform_tags``, as ADS has it)."""
    renamed = set(renamed)
    calls: dict[str, dict[str, Any]] = {}
    for name in sorted(given, key=lambda n: n in renamed):  # shared ones first
        for step, parameter in routing[name]:
            arguments = calls.setdefault(step, {})
            if name not in renamed or given[name] or parameter not in arguments:
                arguments[parameter] = given[name]
    return calls
