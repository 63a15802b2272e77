"""gunicorn settings from the environment, as OCI/ADS containers take them.

``WEB_CONCURRENCY`` workers (ADS's knob), ``DOCKYARD_THREADS`` threads each, bound to
``DOCKYARD_BIND_HOST:PORT`` (127.0.0.1 for the process runtime; 0.0.0.0 only inside a container,
whose port Docker publishes on the host's 127.0.0.1).
"""
import os

# The predict log holds payloads and tracebacks: the server creates its files for its owner alone
# (this module runs in the gunicorn master, whose umask the workers inherit).
os.umask(0o077)

bind = f"{os.environ.get('DOCKYARD_BIND_HOST', '127.0.0.1')}:{os.environ.get('PORT', '8080')}"
workers = int(os.environ.get("WEB_CONCURRENCY", "1"))
threads = int(os.environ.get("DOCKYARD_THREADS", "4"))
worker_class = "gthread" if threads > 1 else "sync"
timeout = int(os.environ.get("DOCKYARD_TIMEOUT", "120"))
graceful_timeout = 5
# The app (score.py's imports and load_model()) is built once in the master, before the port is bound
# and the workers fork: workers start with the model loaded, and /health answers only once it is.
# DOCKYARD_PRELOAD=0 makes each worker import and load it after the fork instead (the benchmark's peer).
preload_app = os.environ.get("DOCKYARD_PRELOAD", "1") != "0"
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
