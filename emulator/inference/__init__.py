"""The Dockyard inference server: runs an artifact's ``score.py`` behind ``POST /predict`` and ``GET /health``.

This package is self-contained on purpose: it is copied as-is into deployment images, where only
flask, gunicorn and the artifact's own requirements are installed. Import nothing from the rest of
Dockyard here, and use relative imports only.

It also owns the score.py contract (``scoring``: import, load_model, predict; ``codec``: request
body to ``data``, result to body). Those two modules are standard library only, so ``verify()``'s
fresh process imports and runs them too (as ``emulator.inference``): one code path for both.
"""
