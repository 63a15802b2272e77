"""``python -m emulator``: serve the emulator in the foreground (the daemon runs exactly this)."""
from __future__ import annotations

import argparse
import logging
from pathlib import Path

from emulator.config import EmulatorConfig
from emulator.settings import RUNTIMES
from emulator.server import serve


def parse_config(argv: list[str] | None = None) -> EmulatorConfig:
    defaults = EmulatorConfig()
    parser = argparse.ArgumentParser(prog="python -m emulator", description=__doc__)
    parser.add_argument("--home", type=Path, default=defaults.home)
    parser.add_argument("--host", default=defaults.host)
    parser.add_argument("--port", type=int, default=defaults.port)
    parser.add_argument("--region", default=defaults.region)
    parser.add_argument("--max-artifact-bytes", type=int, default=defaults.max_artifact_bytes)
    parser.add_argument("--max-payload-bytes", type=int, default=defaults.max_payload_bytes)
    parser.add_argument("--auth-mode", default=defaults.auth_mode)
    parser.add_argument("--runtime", choices=RUNTIMES, default=defaults.runtime)
    parser.add_argument("--base-image", default=defaults.base_image,
                        help="base image of deployment images (default: $DOCKYARD_BASE_IMAGE, else chosen per deploy)")
    parser.add_argument("--java-base-image", default=defaults.java_base_image,
                        help="base image (with a JRE) of environments that run a JVM, i.e. pyspark "
                             "(default: $DOCKYARD_JAVA_BASE_IMAGE, else dockyard/python-jre:3.11-local)")
    parser.add_argument("--max-unzipped-bytes", type=int, default=None)
    parser.add_argument("--max-zip-ratio", type=float, default=None)
    parser.add_argument("--endpoint-port", default=None,
                        help="Port of the deployments' endpoint (modelDeploymentUrl); 0 picks a free one, "
                             "'off' serves deployments on the API's port only.")
    parser.add_argument("--gateway-workers", default=str(defaults.gateway_workers),
                        help="Processes serving the deployments' endpoint (a number or 'auto'); 1 serves it from "
                             "the emulator's own event loop.")
    parser.add_argument("--autoscaling-time-scale", type=float, default=defaults.autoscaling_time_scale)
    parser.add_argument("--retention-time-scale", type=float, default=defaults.retention_time_scale)
    parser.add_argument("--console-write", action="store_true",
                        help="With --auth-mode enforce, let the console's token holder act (test predict, "
                             "activate, deactivate); without it the console is read-only.")
    args = parser.parse_args(argv)
    return EmulatorConfig(home=args.home, host=args.host, port=args.port, region=args.region,
                          max_artifact_bytes=args.max_artifact_bytes, max_payload_bytes=args.max_payload_bytes,
                          auth_mode=args.auth_mode, runtime=args.runtime, base_image=args.base_image,
                          max_unzipped_bytes=args.max_unzipped_bytes, max_zip_ratio=args.max_zip_ratio,
                          console_write=args.console_write, endpoint_port=_endpoint_port(args.endpoint_port, defaults),
                          autoscaling_time_scale=args.autoscaling_time_scale,
                          retention_time_scale=args.retention_time_scale, gateway_workers=args.gateway_workers,
                          java_base_image=args.java_base_image)


def _endpoint_port(value: str | None, defaults: EmulatorConfig) -> int | None:
    if value is None:
        return defaults.endpoint_port
    return None if value.lower() in ("off", "none") else int(value)


def main(argv: list[str] | None = None) -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    serve(parse_config(argv))


if __name__ == "__main__":
    main()
