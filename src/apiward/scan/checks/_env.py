"""Tuning a check from the environment (``APIWARD_BURST``, ``APIWARD_PAD_BYTES``)."""

from __future__ import annotations

import os

from apiward.core.errors import ConfigError


def count_from_env(name: str, default: int) -> int:
    """The positive whole number in ``$name``, ``default`` when unset; anything else a ConfigError."""
    text = os.environ.get(name)
    if text is None or not text.strip():
        return default
    value = text.strip()
    if not value.isascii() or not value.isdigit() or len(value) > 12 or int(value) < 1:
        raise ConfigError(
            f"environment variable {name}={text[:40]!r}: expected a whole number >= 1"
        )
    return int(value)
