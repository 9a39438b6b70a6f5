"""A job killed with SIGKILL leaves no output that looks complete, and rerunning finishes the study.

Each test starts the small study of conftest.py, waits until the log of the job
to kill shows that its computation has started, sends SIGKILL, and checks that
every file left under results/ equals the uninterrupted run's. It then runs the
commands that the troubleshooting page gives users, and checks that the
finished study equals the uninterrupted run (CPU, same seeds).

Two cases differ for Snakemake:
- only the job dies (out of memory, killed by hand): Snakemake sees the failure,
  removes what the job wrote and exits; the same command then resumes;
- Snakemake dies with it (kill -9 of the process group, power loss, a scheduler
  time limit): its lock and its "incomplete" marks stay in .snakemake/, so the
  same command stops with a LockException. ``--unlock`` and then the same command
  with ``--rerun-incomplete`` resume. The second flag matters when a job died
  after renaming one of its outputs into place and before finishing the others;
  without it Snakemake refuses to start (IncompleteFilesException).
"""

import os
import shutil
import signal
import stat
import subprocess
import time
from pathlib import Path

import pytest

from initlab.atomic import atomic_path, write_text_atomic

WAIT_SECONDS = 600
CELL = "tanh/standard/seed42"


def child_processes(parent: int) -> list[int]:
    """Return the ids of every process descended from ``parent``, read from /proc."""
    parents = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text()
        except OSError:
            continue
        # The command name in brackets may contain spaces, so the fields are read after its closing bracket.
        parents[int(entry.name)] = int(fields.rsplit(")", 1)[1].split()[1])
    found, frontier = [], [parent]
    while frontier:
        current = frontier.pop()
        children = [pid for pid, ppid in parents.items() if ppid == current]
        found += children
        frontier += children
    return found


def job_process(snakemake_pid: int, script_suffix: str) -> int:
    """Return the id of the job started by Snakemake whose script name ends with ``script_suffix`` (e.g. ".train.py")."""
    for pid in child_processes(snakemake_pid):
        try:
            arguments = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if any(argument.decode(errors="replace").endswith(script_suffix) for argument in arguments):
            return pid
    pytest.fail(f"no job running {script_suffix} under snakemake process {snakemake_pid}")


def wait_for_log_line(process: subprocess.Popen, log: Path, text: str) -> None:
    """Wait until ``log`` contains ``text``; fail if snakemake exits first or WAIT_SECONDS pass."""
    deadline = time.monotonic() + WAIT_SECONDS
    while time.monotonic() < deadline:
        if log.exists() and text in log.read_text(encoding="utf-8", errors="replace"):
            return
        if process.poll() is not None:
            pytest.fail(f"snakemake exited with status {process.returncode} before {log} showed {text!r}")
        time.sleep(0.05)
    pytest.fail(f"{log} did not show {text!r} within {WAIT_SECONDS} s")


def start_snakemake(command: list[str], output: Path) -> subprocess.Popen:
    """Start ``command`` in a new session (its own process group), writing its output to ``output``."""
    with open(output, "w", encoding="utf-8") as handle:
        return subprocess.Popen(command, stdout=handle, stderr=subprocess.STDOUT, start_new_session=True)


def assert_leftovers_complete(workdir: Path, reference, collect_results) -> None:
    """Assert that every result file left after the kill equals the uninterrupted run's file of the same name."""
    leftovers = collect_results(workdir)
    assert set(leftovers) < set(reference.results)
    for path, contents in leftovers.items():
        assert contents == reference.results[path], f"{path} differs from the uninterrupted run"


@pytest.mark.slow
def test_killed_training_job_resumes(tmp_path, reference_study, workflow_command, run_workflow, collect_results, assert_same_results, temporary_files):
    command = workflow_command(tmp_path, reference_study.config, cores=1, targets=reference_study.targets)
    process = start_snakemake(command, tmp_path / "interrupted.out")
    log = tmp_path / "logs" / "train" / "synthetic" / f"{CELL}.log"
    try:
        wait_for_log_line(process, log, "training on")
        os.kill(job_process(process.pid, ".train.py"), signal.SIGKILL)
        process.wait(timeout=WAIT_SECONDS)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()

    output = (tmp_path / "interrupted.out").read_text(encoding="utf-8")
    assert process.returncode != 0
    assert "Error in rule train" in output
    assert "job finished" not in log.read_text(encoding="utf-8"), "the training ended before it was killed"
    for name in (f"checkpoints/{CELL}/trained.pt", f"training/{CELL}/history.csv", f"training/{CELL}/test.json"):
        assert not (tmp_path / "results" / "synthetic" / name).exists(), name
    assert_leftovers_complete(tmp_path, reference_study, collect_results)
    assert temporary_files(tmp_path) == []

    run_workflow(tmp_path, reference_study.config, cores=1, targets=reference_study.targets)
    assert_same_results(collect_results(tmp_path), reference_study.results)


@pytest.mark.slow
def test_killed_snakemake_resumes_after_unlock(tmp_path, reference_study, workflow_command, run_workflow, collect_results, assert_same_results):
    config, targets = reference_study.config, reference_study.targets
    command = workflow_command(tmp_path, config, cores=1, targets=targets)
    process = start_snakemake(command, tmp_path / "interrupted.out")
    log = tmp_path / "logs" / "measure_gradients" / "synthetic" / CELL / "after.log"
    try:
        wait_for_log_line(process, log, "measuring bias gradients")
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=WAIT_SECONDS)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()

    assert process.returncode == -signal.SIGKILL
    assert "measured" not in log.read_text(encoding="utf-8"), "the measurement ended before it was killed"
    assert not (tmp_path / "results" / "synthetic" / "gradients" / CELL / "after.npz").exists()
    assert_leftovers_complete(tmp_path, reference_study, collect_results)

    # Snakemake's lock outlives a killed Snakemake, so the same command alone stops at once.
    locked = run_workflow(tmp_path, config, cores=1, targets=targets, check=False)
    assert locked.returncode != 0
    assert "--unlock" in locked.stderr
    run_workflow(tmp_path, config, cores=1, targets=targets, options=["--unlock"])

    # Had the kill landed just after the job renamed its output into place, the
    # complete file would be there, still marked incomplete: the same command then
    # stops, and --rerun-incomplete is what resumes it.
    measured = Path("results/synthetic/gradients") / CELL / "after.npz"
    shutil.copyfile(reference_study.workdir / measured, tmp_path / measured)
    incomplete = run_workflow(tmp_path, config, cores=1, targets=targets, check=False)
    assert incomplete.returncode != 0
    assert "IncompleteFilesException" in incomplete.stderr
    assert str(measured) in incomplete.stderr

    run_workflow(tmp_path, config, cores=1, targets=targets, options=["--rerun-incomplete"])
    assert_same_results(collect_results(tmp_path), reference_study.results)


def test_failed_write_leaves_nothing(tmp_path):
    target = tmp_path / "results" / "history.csv"
    with pytest.raises(RuntimeError):
        with atomic_path(target) as temporary:
            temporary.write_text("epoch,loss\n1,", encoding="utf-8")
            raise RuntimeError("killed halfway")

    assert list((tmp_path / "results").iterdir()) == []


def test_written_file_follows_umask(tmp_path):
    previous = os.umask(0o022)
    try:
        write_text_atomic(tmp_path / "test.json", "{}\n")
    finally:
        os.umask(previous)

    assert stat.S_IMODE((tmp_path / "test.json").stat().st_mode) == 0o644
    assert (tmp_path / "test.json").read_text(encoding="utf-8") == "{}\n"
