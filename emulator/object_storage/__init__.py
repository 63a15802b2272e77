"""The Object Storage calls large-artifact workflows make (namespace, buckets, objects, multipart
uploads) at ``/n/{namespace}/b/{bucket}/...``, pre-authenticated reads at ``/p/...``, and the
service conda packs' bucket every emulator serves."""
from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    from emulator.object_storage import conda_packs
    from emulator.object_storage.routes import bp
    from emulator.state import state_of

    app.register_blueprint(bp)
    state_of(app).seed(conda_packs.seed)
