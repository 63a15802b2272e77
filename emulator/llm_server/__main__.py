"""``python -m dockyard_llm [--model DIR] [--port N]`` (plus ``PARAMS``): load the model and serve."""
import sys

from .options import parse
from .server import serve

if __name__ == "__main__":
    try:
        serve(parse(sys.argv[1:]))
    except FileNotFoundError as exc:
        print(f"dockyard-llm: {exc}", file=sys.stderr)
        sys.exit(2)
    except KeyboardInterrupt:
        pass
