"""Fixtures shared by the tests that run the real workflow and compare what it wrote.

``run_workflow`` and ``workflow_command`` build the command a user types:
``snakemake -s Snakefile -d WORKDIR --configfile config.yaml --cores N --resources gpu=1
--config key=value ...``. Overrides go through ``--config`` as JSON, so they take
Snakemake's own parsing path, nested keys included.

``reference_study`` is one uninterrupted run of ``SMALL_STUDY`` on the CPU, shared by
the determinism, concurrency, interruption and disk tests, which compare their own
runs with it through the ``collect_results`` and ``assert_same_results`` fixtures.
``diverging_study`` runs the whole workflow, reports included, with a training that
diverges and without keeping gradient arrays; the divergence and disk tests read it.
"""

import csv
import dataclasses
import hashlib
import io
import json
from pathlib import Path

import numpy as np
import pytest
import torch

from workflow_runner import build_workflow_command, run_workflow_command

# Fields that measure time or name the machine (thread count included); every other
# field must be equal between two runs of the same config.
MACHINE_FIELDS = frozenset({"seconds", "samples_per_second", "device"})

# One cell of the grid on seeded random images, with the lab's network. Training
# (2 epochs of 4,000 images) and each gradient measurement run for a few seconds,
# long enough for a test to kill them midway. A run takes under a minute on two
# cores, most of it spent starting each job's Python.
SMALL_STUDY = {
    "dataset": "synthetic",
    "synthetic": {"train_images": 5000, "test_images": 200},
    "activations": ["tanh"],
    "initialisations": ["standard"],
    "training": {"epochs": 2},
}
# Everything but the figures and the report: checkpoints, histories, test results,
# gradient arrays, statistics and the summary tables.
SMALL_STUDY_TARGETS = ("results/synthetic/summary/accuracy.json", "results/synthetic/summary/gradient_statistics.json")


@pytest.fixture(scope="session")
def workflow_command():
    """Return :func:`build_workflow_command`, for tests that start snakemake themselves."""
    return build_workflow_command


@pytest.fixture(scope="session")
def run_workflow():
    """Return :func:`run_workflow_command`: run(workdir, config, cores, targets, options, check, timeout)."""
    return run_workflow_command


def _without_machine_fields(value):
    """Return ``value`` with every MACHINE_FIELDS key removed, recursively."""
    if isinstance(value, dict):
        return {key: _without_machine_fields(item) for key, item in value.items() if key not in MACHINE_FIELDS}
    if isinstance(value, list):
        return [_without_machine_fields(item) for item in value]
    return value


def _array_digest(array: np.ndarray) -> str:
    """Return dtype, shape and the SHA-256 of the array's bytes, which differ for any bit that differs."""
    return f"{array.dtype} {array.shape} {hashlib.sha256(np.ascontiguousarray(array).tobytes()).hexdigest()}"


def comparable_contents(path: Path):
    """Return what must be equal between two runs in the result file ``path``, or None for files not compared.

    Arrays (.npz, checkpoint tensors) become SHA-256 digests of their bytes; JSON
    and CSV files become their values without MACHINE_FIELDS. Figures and the
    HTML reports are not compared.
    """
    if path.suffix == ".npz":
        with np.load(path, allow_pickle=False) as arrays:
            return {name: _array_digest(arrays[name]) for name in arrays.files if name not in MACHINE_FIELDS}
    if path.suffix == ".pt":
        saved = torch.load(path, map_location="cpu", weights_only=True)
        tensors = {name: _array_digest(tensor.numpy()) for name, tensor in saved["state_dict"].items()}
        return {"description": saved["description"], "state_dict": tensors}
    if path.suffix == ".json":
        return _without_machine_fields(json.loads(path.read_text(encoding="utf-8")))
    if path.suffix == ".csv":
        rows = csv.DictReader(io.StringIO(path.read_text(encoding="utf-8")))
        return [_without_machine_fields(row) for row in rows]
    return None


def collect_study_results(workdir) -> dict[str, object]:
    """Return {path relative to workdir: comparable contents} for every compared file under ``workdir/results``."""
    results = {}
    for path in sorted((Path(workdir) / "results").rglob("*")):
        if path.is_file():
            contents = comparable_contents(path)
            if contents is not None:
                results[str(path.relative_to(workdir))] = contents
    return results


def assert_same_study_results(actual: dict, expected: dict) -> None:
    """Assert that two ``collect_study_results`` outputs list the same files with equal contents, naming the first file that differs."""
    assert sorted(actual) == sorted(expected)
    for path, contents in expected.items():
        assert actual[path] == contents, f"{path} differs"


@dataclasses.dataclass
class StudyRun:
    """A finished workflow run: its working directory, config overrides, targets and collected results."""

    workdir: Path
    config: dict
    targets: tuple
    results: dict


@pytest.fixture(scope="session")
def reference_study(tmp_path_factory) -> StudyRun:
    """Run SMALL_STUDY once, uninterrupted, with --cores 1, and collect its results."""
    workdir = tmp_path_factory.mktemp("reference_study")
    run_workflow_command(workdir, SMALL_STUDY, cores=1, targets=SMALL_STUDY_TARGETS)
    return StudyRun(workdir, SMALL_STUDY, SMALL_STUDY_TARGETS, collect_study_results(workdir))


# The whole workflow, reports included, on the digits (fast, no download) at a learning
# rate of 10: relu with kaiming_uniform reaches a NaN loss in epoch 1, relu with
# standard does not. The gradient arrays are not kept.
DIVERGING_STUDY = {
    "dataset": "digits",
    "activations": ["relu"],
    "initialisations": ["standard", "kaiming_uniform"],
    "training": {"epochs": 1, "learning_rate": 10},
    "gradients": {"keep_arrays": False},
}


@pytest.fixture(scope="session")
def diverging_study(tmp_path_factory) -> StudyRun:
    """Run DIVERGING_STUDY to its reports with --cores 2, as a user would, and collect its results."""
    workdir = tmp_path_factory.mktemp("diverging_study")
    run_workflow_command(workdir, DIVERGING_STUDY, cores=2)
    return StudyRun(workdir, DIVERGING_STUDY, (), collect_study_results(workdir))


@pytest.fixture(scope="session")
def collect_results():
    """Return :func:`collect_study_results`: {path: comparable contents} of a working directory's results."""
    return collect_study_results


@pytest.fixture(scope="session")
def assert_same_results():
    """Return :func:`assert_same_study_results`."""
    return assert_same_study_results


@pytest.fixture(scope="session")
def temporary_files():
    """Return :func:`find_temporary_files`."""
    return find_temporary_files


def find_temporary_files(workdir) -> list[Path]:
    """Return the temporary files that initlab.atomic leaves behind only when a writer died (".<name>.tmp-...")."""
    return sorted((Path(workdir) / "results").rglob(".*.tmp-*"))
