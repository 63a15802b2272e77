"""What the emulator, the inference server and the toolkit must agree on, each defined once.

One module per contract (see README.md beside this file); every side imports it from here, never
keeps a copy. Light on purpose: the standard library, PyYAML and the ``oci`` SDK's models only,
nothing of the emulator's services or of the toolkit (the emulator never imports the toolkit;
the toolkit may import these). The score.py contract is not here but in ``emulator.inference``
(``scoring`` and ``codec``), because that package is copied into deployment images alone; the REST
shapes are the ``oci`` SDK's models.
"""
