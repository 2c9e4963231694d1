"""Run the CLI with ``python -m apiward``."""

from apiward.cli.app import main

main()
