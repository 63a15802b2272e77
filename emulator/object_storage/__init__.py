"""The Object Storage calls large-artifact workflows make (namespace, buckets, objects, multipart
uploads) at ``/n/{namespace}/b/{bucket}/...``."""
from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    from emulator.object_storage.routes import bp

    app.register_blueprint(bp)
