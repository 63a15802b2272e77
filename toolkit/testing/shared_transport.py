"""How ``mock_datascience()`` shares plain ``requests`` with moto's ``mock_aws()`` (or any other
``responses`` mock), in either nesting order.

Both patch the same function, ``requests.adapters.HTTPAdapter.send``, with a ``responses.RequestsMock``;
the one started last sees every request first. Out of the box each hands what it does not match to
the *real* send (``responses._real_send``), so the other mock never sees it: inside ``mock_aws()`` a
predict call to the emulator's URL went to the network, and inside ``mock_datascience()`` a plain
request to an S3 presigned URL did. (boto3 itself never meets ``requests``: moto answers it from
botocore's ``before-send`` event, and the ``oci`` SDK sends through its vendored copy of ``requests``,
which only the mock's other ``RequestsMock`` patches; those two paths never crossed.)

So the mocks are chained, whichever starts first:

- started inside another mock, ``mock_datascience()`` passes what it does not match to that mock's
  send (:func:`send_below`), not to the network;
- started outside moto (moto imported but not active), it points moto's pass-through at itself for
  as long as it runs (:class:`MotoPassThrough`, through moto's public
  ``override_responses_real_send``), so a ``mock_aws()`` opened inside hands it the non-AWS calls.

Each library then treats its own unmatched requests as it documents: moto answers unknown AWS URLs
with its "not implemented" 400 and passes the rest on; Dockyard passes on what is not an OCI host.
"""
from __future__ import annotations

import sys
from typing import Any, Callable

MOTO_MODELS = "moto.core.models"  # loaded by ``from moto import mock_aws``; holds moto's RequestsMock


def send_below() -> Callable[..., Any]:
    """What plain ``requests`` reaches now: the real send, or the send of a mock started earlier."""
    from requests.adapters import HTTPAdapter

    return HTTPAdapter.send


class MotoPassThrough:
    """While started, moto's unmatched plain requests go to ``mock`` instead of the network.

    Only when moto is loaded and not active: an active moto is already below ``mock`` (``mock``
    passes on to it), and pointing it back at ``mock`` would loop."""

    def __init__(self, mock: Any) -> None:
        self.mock = mock
        self._moto: Any = None
        self._saved: Any = None

    def start(self) -> None:
        moto = sys.modules.get(MOTO_MODELS)
        if moto is None or _moto_active(moto):
            return
        self._moto, self._saved = moto, moto.responses_mock._real_send
        moto.override_responses_real_send(self.mock)

    def stop(self) -> None:
        if self._moto is not None:
            self._moto.responses_mock._real_send = self._saved
            self._moto = None


def _moto_active(moto: Any) -> bool:
    """Whether a ``mock_aws()`` is open now (moto counts nested ones on its mock class)."""
    return getattr(moto.MockAWS, "_nested_count", 0) > 0
