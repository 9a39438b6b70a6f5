"""A real small run of the whole workflow, shared by the tests that need its reports.

The run is the lab's grid (tanh and ReLU x the three initialisations, one
seed) on the digits, with narrow layers and one epoch, so every answer has
its cells. It took 227 s on a two-core machine without GPU, most of it in
job start-up. It runs at most once per pytest session: the first caller
runs it and later callers get the same folder.
"""

from __future__ import annotations

from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]
ARTEFACTS = REPO_ROOT / "tests" / "artefacts"
CORES = 2

SMALL_CONFIG = {
    "dataset": "digits",
    "seeds": [0],
    "network": {"hidden_layers": 5, "width": 64},
    "training": {"epochs": 1},
}

_study: Path | None = None


def run_small_study(tmp_path_factory: pytest.TempPathFactory, run_workflow) -> Path:
    """Return the folder of the small run, running it first if this session has not yet.

    ``run_workflow`` is the conftest fixture that runs snakemake as a user types it.
    """
    global _study
    if _study is None:
        workdir = tmp_path_factory.mktemp("small_study")
        run_workflow(workdir, SMALL_CONFIG, cores=CORES)
        _study = workdir
    return _study
