"""The same config and seeds give bitwise-identical results on the CPU, with one core or two.

The comparison covers every array of the gradient and prepared .npz files and
of the checkpoints (SHA-256 of their bytes), and every number of the JSON and
CSV files (histories, test results, statistics, summaries). Only the fields
that measure time or name the machine are left out (conftest.MACHINE_FIELDS:
seconds, samples_per_second, device).

PyTorch's CPU kernels can split some sums by thread, so a job with two threads
may differ from one with one thread in the last bits. Training and measurement
jobs therefore take their thread count from the config (``cpu_threads``), never
from ``--cores``; with ``--cores 2`` independent jobs run side by side, each
writing through its own temporary file (initlab.atomic).
"""

import multiprocessing
import os
import re
from pathlib import Path

import pytest

from initlab.atomic import atomic_path


@pytest.mark.slow
def test_second_run_is_bitwise_identical(tmp_path, reference_study, run_workflow, collect_results, assert_same_results):
    run_workflow(tmp_path, reference_study.config, cores=1, targets=reference_study.targets)
    second = collect_results(tmp_path)

    gradient_files = [path for path in second if path.endswith(".npz") and "/gradients/" in path]
    assert len(gradient_files) == 2
    assert any(path.endswith("history.csv") for path in second)
    assert any(path.endswith("test.json") for path in second)
    assert_same_results(second, reference_study.results)


@pytest.mark.slow
def test_two_cores_match_one_core(tmp_path, reference_study, run_workflow, collect_results, assert_same_results, temporary_files):
    result = run_workflow(tmp_path, reference_study.config, cores=2, targets=reference_study.targets)

    # Snakemake logs "Execute 2 jobs..." when it starts two jobs at once.
    assert re.search(r"Execute [2-9] jobs", result.stderr), "no two jobs ran at the same time"
    train_log = (tmp_path / "logs" / "train" / "synthetic" / "tanh" / "standard" / "seed42.log").read_text(encoding="utf-8")
    assert f"cpu ({len(os.sched_getaffinity(0))} threads)" in train_log
    assert temporary_files(tmp_path) == []
    assert_same_results(collect_results(tmp_path), reference_study.results)


def _write_through_atomic_path(arguments) -> str:
    """Write ``text`` to ``target`` through atomic_path after the start barrier; return the temporary name used."""
    target, text, barrier = arguments
    with atomic_path(target) as temporary:
        barrier.wait()
        temporary.write_text(text * 10_000, encoding="utf-8")
        name = temporary.name
    return name


def test_parallel_writers_never_share_a_temporary_file(tmp_path):
    target = tmp_path / "results" / "statistics.json"
    writers = 4
    with multiprocessing.Manager() as manager:
        barrier = manager.Barrier(writers)
        with multiprocessing.get_context("spawn").Pool(writers) as pool:
            names = pool.map(_write_through_atomic_path, [(target, str(index), barrier) for index in range(writers)])

    assert len(set(names)) == writers
    assert all(name.startswith(".statistics.json.tmp-") for name in names)
    contents = target.read_text(encoding="utf-8")
    assert contents in {str(index) * 10_000 for index in range(writers)}
    assert sorted(path.name for path in Path(tmp_path / "results").iterdir()) == ["statistics.json"]
