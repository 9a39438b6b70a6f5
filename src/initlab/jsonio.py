"""JSON files of the workflow: written atomically, with NaN and infinity stored as null."""

import json
import math
from pathlib import Path

from initlab.atomic import write_text_atomic


def _finite_or_none(value):
    """Replace NaN and infinities with None, recursively, so the file is strict JSON."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {key: _finite_or_none(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_finite_or_none(item) for item in value]
    return value


def write_json(path: str | Path, value) -> None:
    """Write ``value`` as indented strict JSON to ``path`` through a temporary file."""
    write_text_atomic(path, json.dumps(_finite_or_none(value), indent=1, allow_nan=False) + "\n")


def read_json(path: str | Path):
    """Read the JSON file at ``path``."""
    with open(path, encoding="utf-8") as handle:
        return json.load(handle)
