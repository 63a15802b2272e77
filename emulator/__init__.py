"""Dockyard's offline emulator of the OCI Data Science model catalog (and the Object Storage /
Resource Search calls its clients make). Build it with :func:`emulator.app.create_app`."""
