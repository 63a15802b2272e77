"""The operations of the installed ``oci`` SDK's ``DataScienceClient`` that Dockyard emulates, read from
the SDK itself (each method's ``resource_path`` and ``method``), not from a hand-written list: a newer SDK
with a new model, project or work-request operation shows up in the coverage test by itself."""
from __future__ import annotations

import inspect
import re
from dataclasses import dataclass

from oci.data_science import DataScienceClient

IN_SCOPE = re.compile(r"model|project|work_request")
_PATH = re.compile(r'resource_path = "([^"]+)"')
_METHOD = re.compile(r'method = "([A-Z]+)"')
_RESPONSE = re.compile(r"data of type (list of )?:class:`~oci\.data_science\.models\.(\w+)`")
_PARAMETER = re.compile(r"\{(\w+)\}")


@dataclass(frozen=True)
class Operation:
    name: str
    method: str
    resource_path: str  # with {parameters}, relative to /20190101
    response_type: str | None  # the SDK model the answer deserialises into
    is_list: bool

    def path(self, value: str = "ocid1.test.oc1..aaaaaaaacoverage") -> str:
        """A concrete request path under the API's base path, every parameter filled with ``value``."""
        return "/20190101" + _PARAMETER.sub(value, self.resource_path)


def sdk_operations() -> list[Operation]:
    """Every public DataScienceClient method whose name mentions model, project or work_request."""
    found = []
    for name, function in inspect.getmembers(DataScienceClient, inspect.isfunction):
        if name.startswith("_") or not IN_SCOPE.search(name):
            continue
        source = inspect.getsource(function)
        path, method = _PATH.search(source), _METHOD.search(source)
        if path is None or method is None:
            continue
        response = _RESPONSE.search(source)
        found.append(Operation(name, method.group(1), path.group(1), response and response.group(2),
                               bool(response and response.group(1))))
    return found
