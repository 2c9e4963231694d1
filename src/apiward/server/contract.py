"""Write the dashboard API's OpenAPI document, as shipped in ``openapi.json``.

    python -m apiward.server.contract > src/apiward/server/openapi.json

Apart from ``dogfood``, which reads the shipped document, so that the app (which uses
``dogfood``) and this writer (which uses the app) import in one direction only.
"""

from __future__ import annotations

import json
import sys

from sqlalchemy import create_engine

from apiward.server.app import create_app


def main() -> None:
    """Print the dashboard API's OpenAPI document."""
    document = create_app(create_engine("sqlite://"), guarded=False).openapi()
    sys.stdout.write(json.dumps(document, indent=1, sort_keys=True) + "\n")


if __name__ == "__main__":
    main()
