"""Two small pieces of ADS's calling conventions: refusing what is not supported, and methods that
work on the class and on an instance.

ADS methods take ``**kwargs``. Dockyard's take the same names as parameters, and whatever ADS
accepts that Dockyard does not support is refused by name with the reason (docs/ads-differences.md: "Where
Dockyard differs from ADS"), so an ADS argument is never silently ignored.
"""
from __future__ import annotations

import functools
from typing import Any, Callable, Iterable

README_TABLE = "docs/ads-differences.md, 'Where Dockyard differs from ADS'"


def refuse(method: str, kwargs: dict[str, Any], *, onnx: Iterable[str] = (), unsupported: Iterable[str] = (),
           allowed: Iterable[str] = ()) -> None:
    """Raise for any keyword left in ``kwargs`` except ``allowed`` ones.

    ``onnx`` names are ONNX-only options (NotImplementedError until ONNX export exists);
    ``unsupported`` names are ADS features Dockyard does not have (NotImplementedError, unless the
    value is falsy, which asks for nothing); anything else is a TypeError, as Python gives it.
    """
    onnx, unsupported, allowed = set(onnx), set(unsupported), set(allowed)
    for key, value in kwargs.items():
        if key in allowed:
            continue
        if key in onnx and value is not None:
            from toolkit.model.serde import onnx_not_supported

            raise onnx_not_supported(f"{method}({key}=...)")
        if key in unsupported or key in onnx:
            if not value:
                continue
            raise NotImplementedError(f"{method}({key}=...): ADS's {key} is not supported by Dockyard; see "
                                      f"{README_TABLE}.")
        raise TypeError(f"{method}() got an unexpected keyword argument {key!r}")


class either:  # noqa: N801 - used as a decorator, like classmethod
    """A method callable on the class (first argument: the class) or on an instance (the instance),
    like ADS's ``GenericModel.delete(model_id=...)`` and ``model.delete()``."""

    def __init__(self, func: Callable[..., Any]) -> None:
        self.func = func
        functools.update_wrapper(self, func)

    def __get__(self, instance: Any, owner: type) -> Callable[..., Any]:
        bound = functools.partial(self.func, owner if instance is None else instance)
        bound.__doc__ = self.func.__doc__  # not __wrapped__: the signature shown is the bound one
        return bound
