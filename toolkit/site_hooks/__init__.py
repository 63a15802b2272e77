"""Start-up hooks Dockyard puts on ``PYTHONPATH`` for child processes (see ``sitecustomize.py``)."""
