"""The console at ``/console``: server-rendered pages over the catalog and the deployments, the
OCI Console's Models page for a laptop. Projects, models (metadata, schemas, introspection
results, artifact files), version sets, deployments (state, logs, a test-predict form) and work
requests.

It reads through the services' logic modules, the functions the REST routes call, and acts only
through the deployment service, so it shows and does nothing the API would not; who may use it
is :mod:`emulator.console.access`. No JavaScript is needed: one small script refreshes the
deployment page's state and log tail where JavaScript runs.
"""
from __future__ import annotations

from flask import Flask

from emulator.console.access import console_url
from emulator.state import state_of

__all__ = ["console_url", "init_app"]


def init_app(app: Flask) -> None:
    from emulator.console import access, catalog_pages, deployment_pages, model_group_pages, work_request_pages  # noqa: F401
    from emulator.console.blueprint import bp

    access.setup(app, state_of(app).config)
    app.register_blueprint(bp)
