"""`import toolkit` (and the artifact pipeline itself) never imports an ML framework, Docker or Flask."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
HEAVY = ("torch", "xgboost", "lightgbm", "sklearn", "docker", "flask", "tensorflow", "keras", "transformers",
         "tokenizers", "pyspark", "py4j", "onnx", "onnxruntime", "skl2onnx", "onnxmltools")

PROBE = """
import json, sys
import toolkit
toolkit.GenericModel, toolkit.SklearnModel, toolkit.XGBoostModel, toolkit.LightGBMModel, toolkit.PyTorchModel
toolkit.TensorFlowModel, toolkit.HuggingFacePipelineModel, toolkit.SparkPipelineModel, toolkit.EmbeddingONNXModel
import toolkit.model.frameworks.onnx, toolkit.model.flavor
from toolkit.model.flavor import FLAVOR_MODULES, model_class_for
[model_class_for(name) for name in FLAVOR_MODULES]
import fixtures.frameworks
import toolkit.artifact.introspect, toolkit.artifact.verify, toolkit.artifact.payload, toolkit.model.generic
import toolkit.cli.artifact_commands
print(json.dumps(sorted(m for m in sys.modules if m.split('.')[0] in %r)))
""" % (HEAVY,)


def test_importing_toolkit_and_its_model_classes_loads_no_framework():
    done = subprocess.run([sys.executable, "-c", PROBE], cwd=REPO, capture_output=True, text=True, check=True)
    assert json.loads(done.stdout.strip().splitlines()[-1]) == []
