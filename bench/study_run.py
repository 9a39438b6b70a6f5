"""Time the whole study: one `snakemake` run in a scratch folder, read back through its logs and benchmark files."""

import dataclasses
import logging
import os
import re
import resource
import subprocess
import sys
import time
from pathlib import Path

import yaml

logger = logging.getLogger("bench.study")

REPOSITORY = Path(__file__).resolve().parent.parent
SNAKEMAKE = Path(sys.executable).with_name("snakemake")
# Written by initlab.runtime.run_job as each job's last log line.
JOB_FINISHED = re.compile(r"job finished in ([0-9.]+) s")


@dataclasses.dataclass
class StudyTiming:
    """Wall-clock time of one study run and where it went.

    ``compute_seconds`` is the union over jobs of the time spent inside each job's
    step function (after Python, torch and Snakemake's script preamble started), so
    jobs that ran side by side count once. ``job_process_seconds`` is the same
    union over the jobs' whole processes, as Snakemake's benchmark files time
    them, start-up included. ``rule_compute_seconds`` sums compute times per rule. ``peak_job_rss_mib`` is the largest ``max_rss`` of Snakemake's
    benchmark files, which sample every 0.5 s for a job's first 30 s and every
    30 s after that. ``peak_process_rss_mib`` is the kernel's peak resident set
    of the largest single process of the run, Snakemake's own process included.
    """

    wall_seconds: float
    compute_seconds: float
    job_process_seconds: float
    jobs: int
    rule_compute_seconds: dict[str, float]
    peak_job_rss_mib: float
    peak_job: str
    peak_process_rss_mib: float
    workdir: Path

    @property
    def outside_compute_share(self) -> float:
        """Share of the wall-clock time that no job spent in its own compute: Snakemake and process start-up."""
        return 1.0 - self.compute_seconds / self.wall_seconds

    @property
    def start_up_share(self) -> float:
        """Share of the wall-clock time that job processes spent before and after their compute."""
        return (self.job_process_seconds - self.compute_seconds) / self.wall_seconds

    @property
    def snakemake_share(self) -> float:
        """Share of the wall-clock time when no job process ran: Snakemake's start, scheduling and end."""
        return 1.0 - self.job_process_seconds / self.wall_seconds


def write_overrides(workdir: Path, train_images: int, test_images: int, epochs: int | None) -> Path:
    """Write the config values that differ from the repository's config.yaml; Snakemake merges them on top."""
    overrides: dict = {
        "dataset": "synthetic",
        "synthetic": {"train_images": train_images, "test_images": test_images, "seed": 0},
    }
    if epochs is not None:
        overrides["training"] = {"epochs": epochs}
    path = workdir / "benchmark_overrides.yaml"
    path.write_text(yaml.safe_dump(overrides, sort_keys=False), encoding="utf-8")
    return path


def run_study(workdir: Path, cores: int, train_images: int, test_images: int, epochs: int | None) -> StudyTiming:
    """Run the default study on synthetic CIFAR-shaped images in ``workdir`` and measure it.

    Raises RuntimeError with the end of Snakemake's output when the run fails, and
    ValueError when ``workdir`` already holds results, which Snakemake would reuse.
    """
    if (workdir / "results").exists():
        raise ValueError(f"study folder {workdir} already contains results, which snakemake would not recompute; give an empty or new folder")
    workdir.mkdir(parents=True, exist_ok=True)
    overrides = write_overrides(workdir, train_images, test_images, epochs)
    command = [
        str(SNAKEMAKE),
        "--snakefile", str(REPOSITORY / "Snakefile"),
        "--directory", str(workdir),
        "--configfile", str(REPOSITORY / "config.yaml"), str(overrides),
        "--cores", str(cores),
        "--resources", "gpu=1",
    ]
    output_path = workdir / "snakemake_output.txt"
    logger.info("running the study: %s (output in %s)", " ".join(command), output_path)
    started = time.perf_counter()
    with open(output_path, "w", encoding="utf-8") as output:
        status = subprocess.run(command, stdout=output, stderr=subprocess.STDOUT, env=os.environ | {"PYTHONUNBUFFERED": "1"}).returncode
    wall_seconds = time.perf_counter() - started
    if status != 0:
        tail = output_path.read_text(encoding="utf-8")[-4000:]
        raise RuntimeError(f"snakemake failed with status {status}; its output is in {output_path}:\n{tail}")

    # ru_maxrss is in KiB on Linux: the largest peak of any finished descendant process.
    peak_process_rss_mib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    intervals, rule_compute_seconds = read_compute_intervals(workdir / "logs")
    process_intervals, peak_job_rss_mib, peak_job = read_benchmark_files(workdir / "benchmarks")
    return StudyTiming(
        wall_seconds=wall_seconds,
        compute_seconds=union_length(intervals),
        job_process_seconds=union_length(process_intervals),
        jobs=len(intervals),
        rule_compute_seconds=rule_compute_seconds,
        peak_job_rss_mib=peak_job_rss_mib,
        peak_job=peak_job,
        peak_process_rss_mib=peak_process_rss_mib,
        workdir=workdir,
    )


def read_compute_intervals(logs: Path) -> tuple[list[tuple[float, float]], dict[str, float]]:
    """Return each job's compute interval (start, end) in epoch seconds, and the compute seconds per rule.

    A job's interval ends at its log file's modification time, when run_job wrote
    "job finished in X s", and starts X seconds earlier.
    """
    intervals = []
    per_rule: dict[str, float] = {}
    for log in sorted(logs.rglob("*.log")):
        matches = JOB_FINISHED.findall(log.read_text(encoding="utf-8", errors="replace"))
        if not matches:
            raise RuntimeError(f"log {log} has no 'job finished in ... s' line; was it written by initlab.runtime.run_job?")
        seconds = float(matches[-1])
        end = log.stat().st_mtime
        intervals.append((end - seconds, end))
        rule = log.relative_to(logs).parts[0]
        per_rule[rule] = per_rule.get(rule, 0.0) + seconds
    return intervals, per_rule


def union_length(intervals: list[tuple[float, float]]) -> float:
    """Return the total length covered by ``intervals``, counting overlaps once."""
    total = 0.0
    current_start, current_end = None, None
    for start, end in sorted(intervals):
        if current_end is None or start > current_end:
            if current_end is not None:
                total += current_end - current_start
            current_start, current_end = start, end
        else:
            current_end = max(current_end, end)
    if current_end is not None:
        total += current_end - current_start
    return total


def read_benchmark_files(benchmarks: Path) -> tuple[list[tuple[float, float]], float, str]:
    """Return each job process's interval (start, end) in epoch seconds, the largest max_rss (MiB), and the file it came from.

    Snakemake writes a job's benchmark file when the job ends, so its modification
    time is the end and the ``s`` column (wall-clock seconds) gives the start.
    """
    intervals = []
    peak, where = 0.0, ""
    for path in sorted(benchmarks.rglob("*.tsv")):
        header, *rows = path.read_text(encoding="utf-8").splitlines()
        columns = header.split("\t")
        end = path.stat().st_mtime
        for row in rows:
            values = dict(zip(columns, row.split("\t")))
            intervals.append((end - float(values["s"]), end))
            if values["max_rss"] != "NA" and float(values["max_rss"]) > peak:
                peak, where = float(values["max_rss"]), str(path.relative_to(benchmarks))
    return intervals, peak, where
