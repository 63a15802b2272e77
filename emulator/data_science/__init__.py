"""The OCI Data Science service (model catalog part): projects, models, artifacts, provenance,
metadata artifacts, model version sets, notebook sessions and work requests, at ``/20190101``."""
from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    from emulator.data_science import models, projects, retention, version_sets
    from emulator.data_science.routes import bp
    from emulator.state import state_of
    from emulator.store import kinds

    app.register_blueprint(bp)
    retention.install(app)  # archives and deletes models on their retention settings' schedule
    for kind in (projects.KIND, models.KIND, version_sets.KIND):  # deleted ones stay readable a while
        state_of(app).tombstones.kind(kind)
    state_of(app).tombstones.kind(kinds.MODEL_ARTIFACT_SIGNATURE)
    from emulator.data_science import model_group_version_histories, model_groups

    for kind in (model_groups.KIND, model_group_version_histories.KIND):
        state_of(app).tombstones.kind(kind)
