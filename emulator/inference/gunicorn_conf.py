"""gunicorn settings from the environment, as OCI/ADS containers take them.

``WEB_CONCURRENCY`` workers (ADS's knob), ``DOCKYARD_THREADS`` threads each, listening on the socket
the process runtime bound on 127.0.0.1 (``DOCKYARD_BIND_FD``), or bound to ``DOCKYARD_BIND_HOST:PORT``
(0.0.0.0 only inside a container, whose port Docker publishes on the host's 127.0.0.1).
"""
import ast
import os
from pathlib import Path

# The predict log holds payloads and tracebacks: the server creates its files for its owner alone
# (this module runs in the gunicorn master, whose umask the workers inherit).
os.umask(0o077)

# The process runtime hands gunicorn a socket it bound itself (DOCKYARD_BIND_FD): the port is the
# deployment's from the moment it is chosen.
if os.environ.get("DOCKYARD_BIND_FD"):
    bind = f"fd://{os.environ['DOCKYARD_BIND_FD']}"
else:
    bind = f"{os.environ.get('DOCKYARD_BIND_HOST', '127.0.0.1')}:{os.environ.get('PORT', '8080')}"
workers = int(os.environ.get("WEB_CONCURRENCY", "1"))
threads = int(os.environ.get("DOCKYARD_THREADS", "4"))
worker_class = "gthread" if threads > 1 else "sync"
timeout = int(os.environ.get("DOCKYARD_TIMEOUT", "120"))
graceful_timeout = 5
# The app (score.py's imports and load_model()) is built once in the master, before the port is bound
# and the workers fork: workers start with the model loaded, and /health answers only once it is.
# DOCKYARD_PRELOAD=0 makes each worker import and load it after the fork instead (the benchmark's peer).
# Frameworks whose runtime state (thread pools, OpenMP teams, sessions) a fork does not carry over: a
# score.py that imports one is not imported in the master at all (a TensorFlow model's workers hung on
# their first predict), so each worker imports and loads it after the fork, as before preloading.
FORK_UNSAFE_FRAMEWORKS = frozenset({"tensorflow", "keras", "tf_keras", "torch", "jax", "pyspark", "xgboost", "lightgbm",
                                    "onnxruntime", "transformers", "catboost"})


def _imported_top_level_names(score: Path) -> set[str]:
    try:
        tree = ast.parse(score.read_bytes())
    except (OSError, SyntaxError, ValueError):  # the load itself reports it, in the worker
        return set()
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names.add(node.module.split(".")[0])
    return names


def artifact_is_fork_safe(model_dir: Path) -> bool:
    """No score.py of the artifact (a model group's members each have one) imports a fork-unsafe framework."""
    scores = [model_dir / "score.py", *model_dir.glob("*/score.py"), *model_dir.glob("*/*/score.py")]
    return not any(_imported_top_level_names(score) & FORK_UNSAFE_FRAMEWORKS for score in scores if score.is_file())


preload_app = (os.environ.get("DOCKYARD_PRELOAD", "1") != "0"
               and artifact_is_fork_safe(Path(os.environ.get("DOCKYARD_MODEL_DIR") or "/opt/ds/model/deployed_model")))
accesslog = "-" if os.environ.get("DOCKYARD_ACCESS_LOG") else None
errorlog = "-"
loglevel = os.environ.get("DOCKYARD_LOG_LEVEL", "info")
# gunicorn >= 25 opens a control socket at one fixed path per user; several deployments on one host
# would fight over it, and nothing here uses it. (Older gunicorns ignore the unknown setting.)
control_socket_disable = True


def post_fork(server, worker):  # noqa: ANN001 - gunicorn's hook signature
    """In each new worker, before it serves: load_model() of an artifact that asked for a model per worker
    (without preload, ``wsgi()`` builds the whole app here, in the worker)."""
    worker.app.wsgi().after_fork()  # server.InferenceApp
