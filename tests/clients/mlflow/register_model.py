"""Run by tests/clients/test_oci_mlflow.py with the oci-mlflow venv's Python (``make mlflow-client``):
train a small scikit-learn classifier, log it to the local MLflow tracking store that
``MLFLOW_TRACKING_URI`` names and register it, as an MLflow user does before ``mlflow deployments create``.

    python register_model.py MODEL_NAME
"""
import sys

import mlflow
from sklearn.datasets import load_iris
from sklearn.linear_model import LogisticRegression

# The deployment's environment is the artifact's requirements.txt: mlflow-skinny, not all of mlflow, is
# what score.py's mlflow.pyfunc needs (this venv's versions, so the model loads as it was saved); MLflow 3
# saves scikit-learn models with skops.
REQUIREMENTS = ["mlflow-skinny", "scikit-learn", "skops", "pandas", "numpy", "cloudpickle"]


def main() -> None:
    from importlib.metadata import version

    x, y = load_iris(return_X_y=True)
    model = LogisticRegression(max_iter=500).fit(x, y)
    with mlflow.start_run():
        mlflow.sklearn.log_model(model, name="model", registered_model_name=sys.argv[1],
                                 pip_requirements=[f"{name}=={version(name)}" for name in REQUIREMENTS])


if __name__ == "__main__":
    main()
