"""The PyTorch module of tests/artifact/test_pytorch.py, in a module of its own so that collecting the
suite does not import torch. The test registers this module with cloudpickle by value, as for a
class defined in a notebook."""
from __future__ import annotations

import torch


class IrisNet(torch.nn.Module):
    """A small classifier head; defined here, so cloudpickle must store it by value."""

    def __init__(self) -> None:
        super().__init__()
        self.hidden = torch.nn.Linear(4, 8)
        self.out = torch.nn.Linear(8, 3)

    def forward(self, x):
        return self.out(torch.relu(self.hidden(x)))
