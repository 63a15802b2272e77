"""The OCI model deployment service: the ``/20190101/modelDeployments`` API, the predict gateway at
``/<deployment-ocid>/predict``, and deployment logs through Logging Search (``POST /20190909/search``)."""
from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Register the routes and the service; ACTIVE deployments come back when the server starts."""
    import shutil

    from emulator.model_deployment import api, files, gateway_flask, logs, shape_and_state_routes  # noqa: F401 - attaches its routes to api.bp
    from emulator.model_deployment.service import KIND, DeploymentService, attach
    from emulator.state import state_of

    state = state_of(app)
    service = DeploymentService(state)
    # A deleted deployment stays readable (DELETED); its files go with its tombstone.
    state.tombstones.kind(KIND, lambda record: shutil.rmtree(files.deployment_dir(state, record["id"]),
                                                             ignore_errors=True))
    attach(app, service)
    app.register_blueprint(api.bp)
    app.register_blueprint(logs.bp)
    app.register_blueprint(gateway_flask.bp)
    state.on_start(lambda _state: service.resume())
    state.on_start(lambda _state: service.prewarm())
    state.on_stop(lambda _state: service.shutdown())
    state.on_reset(lambda _state: service.reset())
    state.on_restore(lambda _state: service.restored())
