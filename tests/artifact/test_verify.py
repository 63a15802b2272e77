"""verify(): score.py runs in a fresh process on the deployment's request body; failures show the user's traceback."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from toolkit.artifact.errors import VerificationError
from emulator.inference.codec import request_data
from toolkit.artifact.payload import to_request
from toolkit.artifact.verify import verify


def _edit(artifact, old, new):
    path = artifact / "score.py"
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new))


def test_verify_returns_the_prediction(fixture_artifact):
    assert verify(fixture_artifact("valid"), [[2.0, 1.0], [0.0, 0.5]]) == {"prediction": [3.0, 1.0]}


def test_a_failing_predict_shows_the_users_own_traceback(fixture_artifact):
    artifact = fixture_artifact("valid")
    _edit(artifact, "    rows = _rows(data)\n", "    rows = _rows(data)\n    check_rows(rows)\n")
    (artifact / "score.py").write_text((artifact / "score.py").read_text() + (
        "\n\ndef check_rows(rows):\n    raise ValueError(f'expected 2 features, got {len(rows[0])}')\n"))
    with pytest.raises(VerificationError) as caught:
        verify(artifact, [[1.0, 2.0, 3.0]])
    error = caught.value
    assert error.stage == "predict"
    assert "ValueError: expected 2 features, got 3" in error.traceback
    assert 'score.py", line' in error.traceback and "in check_rows" in error.traceback
    assert "<string>" not in error.traceback and "_runner" not in error.traceback and "frozen" not in error.traceback
    assert error.traceback in str(error) and error.hint


def test_an_import_error_in_score_py_is_reported_at_import(fixture_artifact):
    artifact = fixture_artifact("valid")
    _edit(artifact, "import pickle\n", "import pickle\nimport dockyard_module_nobody_installed\n")
    with pytest.raises(VerificationError) as caught:
        verify(artifact, [[1.0, 2.0]])
    assert caught.value.stage == "import"
    assert "ModuleNotFoundError: No module named 'dockyard_module_nobody_installed'" in caught.value.traceback


def test_score_py_that_relies_on_the_callers_session_fails(fixture_artifact, tmp_path, monkeypatch):
    helpers = tmp_path / "notebook_helpers"
    helpers.mkdir()
    (helpers / "my_features.py").write_text("def scale(rows):\n    return rows\n")
    monkeypatch.syspath_prepend(str(helpers))  # what a notebook's sys.path.append does
    import my_features  # noqa: F401  (importable here, in the caller)

    artifact = fixture_artifact("valid")
    _edit(artifact, "import pickle\n", "import pickle\nimport my_features\n")
    with pytest.raises(VerificationError, match="No module named 'my_features'"):
        verify(artifact, [[1.0, 2.0]])
    sys.modules.pop("my_features", None)


def test_a_result_that_is_not_json_is_refused(fixture_artifact):
    artifact = fixture_artifact("valid")
    _edit(artifact, "    return {'prediction': [", "    return {'prediction': {0.0} or [")
    with pytest.raises(VerificationError) as caught:
        verify(artifact, [[1.0, 2.0]])
    assert caught.value.stage == "serialize"
    assert "not JSON-serializable" in caught.value.message and ".tolist()" in caught.value.hint


@pytest.mark.parametrize("data, content_type", [
    ([[1, 2]], "application/json"),
    ({"a": [1, 2]}, "application/json"),
    (b"\x00raw", "application/octet-stream"),
])
def test_payload_content_types(data, content_type):
    body, ctype = to_request(data)
    assert ctype == content_type
    received = request_data(body, ctype)
    assert received == data if isinstance(data, bytes) else received == {"data": data, "data_type": str(type(data))}


def test_numpy_payload_is_base64_np_save_and_round_trips():
    import base64
    import io

    array = np.arange(6, dtype=np.float32).reshape(2, 3)
    body, _ = to_request(array)
    document = request_data(body, "application/json")
    assert document["data_type"] == "<class 'numpy.ndarray'>"
    restored = np.load(io.BytesIO(base64.b64decode(document["data"])), allow_pickle=False)
    assert restored.dtype == np.float32 and (restored == array).all()


def test_dataframe_payload_uses_to_json():
    import pandas as pd

    frame = pd.DataFrame({"x": [1.5, 2.5]})
    document = request_data(*to_request(frame))
    assert document == {"data": frame.to_json(), "data_type": str(type(frame))}


WARM_PROBE = """
import json, sys
from emulator.runtimes.public import server_for
from toolkit.artifact.verify import warm_up
warm_up(sys.argv[1])
server = server_for(sys.executable, purpose="verify")
print(json.dumps(list(server.preload)))
server.close()
"""


def test_warm_up_preloads_the_frameworks_the_artifact_lists(tmp_path):
    """prepare() warms the verify fork server with the artifact's frameworks, so verify() finds them imported."""
    (tmp_path / "requirements.txt").write_text("scikit-learn>=1.0\nnumpy\n")
    repo = Path(__file__).resolve().parents[2]
    done = subprocess.run([sys.executable, "-c", WARM_PROBE, str(tmp_path)], cwd=repo, capture_output=True,
                          text=True, check=True, timeout=120)
    preload = json.loads(done.stdout.strip().splitlines()[-1])
    assert "sklearn" in preload and "sklearn.linear_model" in preload
