"""Provenance of a report: the data and why they were chosen, the software, the commit, and the jobs' times."""

import csv
import dataclasses
import datetime
import importlib.metadata
import logging
import math
import platform
import re
import subprocess
from pathlib import Path

from initlab.messages import render_message
from initlab.report import counted, initialisation_phrase

logger = logging.getLogger(__name__)

# The distributions whose versions decide the numbers and the figures.
LIBRARIES = ("torch", "torchvision", "snakemake", "numpy", "matplotlib")
PHASES = ("before", "after")
SEED_COMPONENT = re.compile(r"seed(\d+)")
# The report's own job is still running when its provenance is written, so its benchmark would be stale.
REPORT_RULE = "render_report"
GIT_TIMEOUT_SECONDS = 30


@dataclasses.dataclass(frozen=True)
class GitState:
    """The project's commit, whether the work tree differs from it, or why neither is known.

    ``problem`` is None, "not_checkout", "no_commit" or "git_failed" (then ``detail`` is git's message).
    """

    commit: str | None
    dirty: bool
    problem: str | None
    detail: str = ""


@dataclasses.dataclass(frozen=True)
class BenchmarkJob:
    """One job's time from its Snakemake benchmark file: ``s`` is wall-clock seconds, ``finished`` the file's mtime."""

    rule: str
    job: str
    seconds: float
    finished: float


def library_versions() -> dict[str, str]:
    """Return the Python version and the installed version of each library in LIBRARIES."""
    versions = {"python": platform.python_version()}
    for name in LIBRARIES:
        try:
            versions[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            versions[name] = "not installed"
    return versions


def _git(workflow_dir: str | Path, *arguments: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        ["git", "-C", str(workflow_dir), *arguments],
        capture_output=True,
        text=True,
        timeout=GIT_TIMEOUT_SECONDS,
        check=False,
    )


def git_state(workflow_dir: str | Path) -> GitState:
    """Return the commit checked out in ``workflow_dir`` and whether tracked or new files differ from it.

    ``problem`` is "not_checkout" outside a git work tree or without git,
    "no_commit" in a repository that has no commit yet, and "git_failed" when
    git rejects the folder for another reason, such as a repository owned by
    another user ("dubious ownership").
    """
    try:
        inside = _git(workflow_dir, "rev-parse", "--is-inside-work-tree")
    except (OSError, subprocess.TimeoutExpired) as error:
        logger.warning("git could not be run in %s: %s", workflow_dir, error)
        return GitState(None, False, "not_checkout")
    if inside.returncode != 0 and "not a git repository" not in inside.stderr:
        detail = inside.stderr.strip().splitlines()[0] if inside.stderr.strip() else f"exit status {inside.returncode}"
        logger.warning("git failed in %s: %s", workflow_dir, detail)
        return GitState(None, False, "git_failed", detail)
    if inside.returncode != 0 or inside.stdout.strip() != "true":
        return GitState(None, False, "not_checkout")

    head = _git(workflow_dir, "rev-parse", "--verify", "--quiet", "HEAD")
    status = _git(workflow_dir, "status", "--porcelain")
    dirty = status.returncode == 0 and bool(status.stdout.strip())
    if head.returncode != 0:
        return GitState(None, dirty, "no_commit")
    return GitState(head.stdout.strip(), dirty, None)


def initialisation_names(config: dict) -> list[str]:
    """Return the configured initialisations' names; an entry is a bare name or {name, scheme, gain}."""
    return [entry if isinstance(entry, str) else entry["name"] for entry in config.get("initialisations", [])]


def _belongs_to_run(rule: str, components: list[str], dataset: str, config: dict) -> bool:
    """Return whether a benchmark file's path names this run's dataset and only configured cells.

    Benchmark paths are benchmarks/<rule>/<dataset>/<wildcards...>.tsv, or
    benchmarks/<rule>/<dataset>.tsv for per-dataset rules; download_cifar10
    has no dataset. Files left by earlier runs with other cells are skipped.
    """
    if rule == REPORT_RULE:
        return False
    if rule == "download_cifar10":
        return dataset == "cifar10"
    if not components or components[0] != dataset:
        return False
    allowed = set(config.get("activations", [])) | set(initialisation_names(config)) | set(PHASES)
    seeds = {int(seed) for seed in config.get("seeds", [])}
    for component in components[1:]:
        seed = SEED_COMPONENT.fullmatch(component)
        if seed:
            if int(seed.group(1)) not in seeds:
                return False
        elif component not in allowed:
            return False
    return True


def read_benchmark_seconds(path: Path) -> float:
    """Return the mean of the ``s`` column of a Snakemake benchmark TSV (one row per repeat)."""
    with open(path, newline="", encoding="utf-8") as handle:
        values = [float(row["s"]) for row in csv.DictReader(handle, delimiter="\t") if row.get("s") not in (None, "", "NA")]
    return sum(values) / len(values) if values else math.nan


def read_benchmarks(benchmarks_dir: str | Path, dataset: str, config: dict) -> list[BenchmarkJob]:
    """Read every benchmark file of this run's jobs under ``benchmarks_dir``, sorted by rule and job."""
    root = Path(benchmarks_dir)
    jobs = []
    if not root.is_dir():
        logger.warning("benchmark folder %s not found; the report lists no job times", root)
        return jobs
    for path in sorted(root.rglob("*.tsv")):
        relative = path.relative_to(root).with_suffix("")
        rule, components = relative.parts[0], list(relative.parts[1:])
        if not _belongs_to_run(rule, components, dataset, config):
            continue
        try:
            seconds = read_benchmark_seconds(path)
        except (OSError, ValueError, KeyError) as error:
            logger.warning("skipping unreadable benchmark file %s: %s", path, error)
            continue
        jobs.append(BenchmarkJob(rule, "/".join(components) or rule, seconds, path.stat().st_mtime))
    return jobs


def summarise_times(jobs: list[BenchmarkJob]) -> dict:
    """Return the jobs' total seconds, the elapsed span, and per rule: job count, total and longest seconds.

    The span runs from the earliest job start (file time minus its seconds) to
    the latest job end. It is the run's wall time when one run produced every
    file, and longer when the files come from several runs.
    """
    timed = [job for job in jobs if math.isfinite(job.seconds)]
    rules: dict[str, dict] = {}
    for job in timed:
        entry = rules.setdefault(job.rule, {"rule": job.rule, "jobs": 0, "seconds": 0.0, "longest": 0.0})
        entry["jobs"] += 1
        entry["seconds"] += job.seconds
        entry["longest"] = max(entry["longest"], job.seconds)
    span = max(job.finished for job in timed) - min(job.finished - job.seconds for job in timed) if timed else math.nan
    return {
        "total_seconds": sum(job.seconds for job in timed),
        "elapsed_seconds": span,
        "rules": sorted(rules.values(), key=lambda entry: -entry["seconds"]),
        "jobs": timed,
    }


def devices_used(accuracy: dict) -> list[str]:
    """Return the distinct devices that the trainings ran on, as recorded in the accuracy cells."""
    devices = []
    for cell in accuracy.get("cells", []):
        device = cell.get("device")
        if device and device not in devices:
            devices.append(device)
    return devices


def dataset_reason_text(dataset_reason: dict, language: str) -> str:
    """Render the dataset choice's message in ``language``."""
    return render_message(dataset_reason["key"], language, **dataset_reason.get("params", {}))


def run_warnings(description: dict, dataset_reason: dict, accuracy: dict, language: str, translations: dict) -> list[str]:
    """Return the warnings that belong at the top of the report: synthetic, fallback or unverified data, diverged trainings.

    ``translations`` is the report language's i18n file: its report.warnings
    sentences and the display names of activations and schemes. A
    ``verified`` of None means the dataset has no official checksums, which
    is no reason for a warning.
    """
    text = translations["report"]["warnings"]
    warnings = []
    if description.get("name") == "synthetic":
        warnings.append(text["synthetic"])
    if dataset_reason.get("key") == "dataset_fallback_digits":
        warnings.append(dataset_reason_text(dataset_reason, language))
    if description.get("verified") is False:
        total = int(description.get("train_images", 0)) + int(description.get("validation_images", 0))
        warning = render_message(
            "data_not_verified",
            language,
            folder=description.get("source", "?"),
            train=total,
            test=description.get("test_images", "?"),
        )
        if description.get("official_checksums"):
            warning += " " + text["official_checksums"]
        warnings.append(warning)
    for aggregate in accuracy.get("aggregate", []):
        if aggregate.get("diverged"):
            warnings.append(
                text["diverged"].format(
                    activation=translations["activations"].get(aggregate["activation"], aggregate["activation"]),
                    initialisation=initialisation_phrase(translations, aggregate["initialisation"]),
                    **divergence_counts(aggregate, translations, language),
                )
            )
    return warnings


def divergence_counts(aggregate: dict, translations: dict, language: str) -> dict:
    """Return the numbers and counted phrases of an aggregate's divergences, for report.warnings.diverged and diverged_status.

    ``diverged`` and ``seeds`` are bare numbers. ``diverged_seeds`` and
    ``all_seeds`` add the noun in the plural form of their count, because
    English puts it after the total ("1 of 3 seeds") and French after the
    first number ("1 germe sur 3").
    """
    diverged = int(aggregate["diverged"])
    seeds = int(aggregate.get("seeds", diverged))
    epochs = [str(epoch) for epoch in aggregate.get("diverged_epochs", [])]
    numbers = ", ".join(epochs) or "?"
    if len(epochs) > 1:
        numbers = translations["answers"]["list_join"].format(head=", ".join(epochs[:-1]), last=epochs[-1])
    return {
        "diverged": diverged,
        "seeds": seeds,
        "diverged_seeds": counted(translations, "seed", diverged, language),
        "all_seeds": counted(translations, "seed", seeds, language),
        "epochs": counted(translations, "epoch_numbers", len(epochs), language, numbers=numbers),
    }


def generation_time() -> str:
    """Return the current UTC time as ISO 8601, to the second."""
    return datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0).isoformat()
