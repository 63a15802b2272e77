"""ADS's ModelDeployment shortcuts against the emulator: access_log and predict_log (the logs of one
category), created_by, and list_df (list() as ADS's DataFrame)."""
from __future__ import annotations

from toolkit import ModelDeployment, ModelDeploymentCondaRuntime, ModelDeploymentInfrastructure

ROWS = [[0.0, 0.0], [1.0, 1.0]]


def test_log_shortcuts_created_by_and_list_df(emulator, sklearn_model_id):
    deployment = ModelDeployment().with_display_name("shortcuts") \
        .with_infrastructure(ModelDeploymentInfrastructure()) \
        .with_runtime(ModelDeploymentCondaRuntime().with_model_uri(sklearn_model_id)).deploy(runtime="process")
    try:
        assert deployment.predict(data=ROWS) == {"prediction": [0, 1]}
        access, predict = deployment.access_log, deployment.predict_log
        assert access and {entry.type for entry in access} == {"access"}
        assert predict and {entry.type for entry in predict} == {"predict"}
        assert any("/predict" in entry.message for entry in access)

        assert deployment.created_by and deployment.created_by == deployment.record.created_by

        frame = ModelDeployment.list_df(status="ACTIVE")
        assert list(frame.columns) == ["deployment_id", "deployment_url", "current_state"]  # ADS's
        row = frame[frame["deployment_id"] == deployment.id].iloc[0]
        assert (row["deployment_url"], row["current_state"]) == (deployment.url, "ACTIVE")
        assert deployment.id not in set(ModelDeployment.list_df(status="INACTIVE")["deployment_id"])
    finally:
        deployment.delete()
