"""Run the workflow through profiles/slurm on a one-node SLURM cluster started here.

The cluster (tests/slurm_cluster.py) has one fake GPU, so GPU jobs are
scheduled as on a real GPU node but cannot use CUDA. The full run therefore
sets ``device=cpu``. A shorter run keeps the profile's ``device=cuda`` and
checks that the GPU jobs then fail instead of silently training on the CPU.

On a 2-core, 24 GB machine the full run took 139 to 215 s and the CUDA run
66 to 121 s, mostly job start-up and the executor's status polling.
``RUN_TIMEOUT_SECONDS`` bounds each run.
"""

from __future__ import annotations

import importlib.util
import os
import re
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from cifar_files import write_cifar10_copy
from slurm_cluster import SlurmCluster
from workflow_runner import write_config

pytestmark = pytest.mark.slurm

REPO_ROOT = Path(__file__).resolve().parents[1]
PROFILE = REPO_ROOT / "profiles" / "slurm"
SNAKEFILE = REPO_ROOT / "Snakefile"
DATASET = "cifar10"
GPU_RULES = ("train", "measure_gradients")
# The CUDA run passes account and partition on the command line, as in
# docs/cluster.en.md. The test cluster accepts any account name.
ACCOUNT = "def-initlab"
PARTITION = "debug"
# Some of the rules that the workflow declares local and that the small study
# runs: they must run in the Snakemake process on the login node, never as
# SLURM jobs.
LOGIN_NODE_RULES = ("render_report", "plot_histogram", "plot_training_curves")
RUN_TIMEOUT_SECONDS = 1200

# A small study: two networks, tiny layers, one epoch on a few hundred images.
STUDY_CONFIG = {
    "dataset": DATASET,
    "verify_checksums": False,
    "activations": ["tanh", "relu"],
    "initialisations": ["standard"],
    "seeds": [0],
    "network": {"hidden_layers": 2, "width": 16},
    "training": {"epochs": 1, "batch_size": 32, "learning_rate": 0.01},
    "gradients": {"batch_size": 10, "histogram_bins": 10, "keep_arrays": False},
}


def snakemake_executable() -> str:
    beside_python = Path(sys.executable).with_name("snakemake")
    if beside_python.exists():
        return str(beside_python)
    found = shutil.which("snakemake")
    if found is None:
        pytest.fail("snakemake is not installed in this environment")
    return found


def profile_cpus_per_gpu() -> dict[str, int]:
    """Return {rule: cpus_per_gpu} for the GPU rules, as profiles/slurm sets them."""
    profile = yaml.safe_load((PROFILE / "config.yaml").read_text(encoding="utf-8"))
    return {rule: profile["set-resources"][rule]["cpus_per_gpu"] for rule in GPU_RULES}


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory):
    if importlib.util.find_spec("snakemake_executor_plugin_slurm") is None:
        pytest.fail(
            "snakemake-executor-plugin-slurm is not installed; "
            "install it with: pip install -e '.[slurm]'"
        )
    # sbatch rejects the GPU jobs when the node has fewer CPUs than the
    # profile's cpus_per_gpu. slurmd accepts more CPUs than the machine has.
    cpus_per_gpu = max(profile_cpus_per_gpu().values())
    cpus = max(os.cpu_count() or 1, cpus_per_gpu)
    with SlurmCluster(tmp_path_factory.mktemp("slurm"), cpus=cpus) as running:
        yield running


@pytest.fixture(scope="module")
def cifar_copy(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("cifar")
    write_cifar10_copy(root, images_per_batch=60, test_images=60, seed=0)
    return root


def make_workdir(parent: Path, data_dir: Path, **overrides: object) -> Path:
    """Create a run folder whose config.yaml is the small study with ``overrides``.

    The Snakefile reads ``config.yaml`` from the folder it runs in.
    """
    workdir = parent / "work"
    write_config(workdir, dict(STUDY_CONFIG, data_dir=str(data_dir), **overrides))
    return workdir


def run_workflow(cluster: SlurmCluster, workdir: Path, *extra: str) -> tuple[int, str]:
    """Run the workflow with profiles/slurm in ``workdir``; return (exit status, output).

    Without accounting, sacct fails, so the run sets the executor's status
    command to squeue.
    The executor's first status query comes 2 s after a submission, and each
    query that finds no finished job adds 10 s to the wait before the next.
    A run past RUN_TIMEOUT_SECONDS is stopped and fails the test.
    """
    command = [
        snakemake_executable(),
        "--profile", str(PROFILE),
        "--snakefile", str(SNAKEFILE),
        "--directory", str(workdir),
        "--slurm-status-command", "squeue",
        "--slurm-init-seconds-before-status-checks", "2",
        *extra,
    ]
    process = subprocess.Popen(
        command,
        cwd=workdir,
        env=cluster.env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    try:
        output, _ = process.communicate(timeout=RUN_TIMEOUT_SECONDS)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            output, _ = process.communicate(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            output, _ = process.communicate()
        pytest.fail(
            f"snakemake timed out after {RUN_TIMEOUT_SECONDS} s\n"
            f"{output[-6000:]}\n{slurm_job_logs(workdir)}\n{cluster.daemon_logs()}"
        )
    return process.returncode, output


def slurm_run_id(output: str) -> str:
    """Return the executor's run id, which it uses as the name of every job it submits."""
    match = re.search(r"SLURM run ID: (\S+)", output)
    assert match, f"no 'SLURM run ID' line in the snakemake output:\n{output[-3000:]}"
    return match.group(1)


def jobs_by_rule(cluster: SlurmCluster, run_id: str) -> dict[str, list[dict[str, str]]]:
    """Return the scontrol fields of this run's SLURM jobs, grouped by rule name.

    The executor writes ``rule_<name>`` or ``rule_<name>_wildcards_<values>``
    into each job's comment.
    """
    grouped: dict[str, list[dict[str, str]]] = {}
    for job_id in cluster.job_ids():
        fields = cluster.show_job(job_id)
        if fields.get("JobName") != run_id:
            continue
        comment = fields.get("Comment", "")
        rule = re.sub(r"_wildcards_.*$", "", comment.removeprefix("rule_"))
        grouped.setdefault(rule, []).append(fields)
    return grouped


def job_counts(output: str) -> dict[str, int]:
    """Parse the 'Job stats' table that Snakemake prints before running."""
    table = output.split("Job stats:", 1)[1]
    counts = {}
    for line in table.splitlines()[3:]:
        parts = line.split()
        if len(parts) != 2 or not parts[1].isdigit():
            break
        counts[parts[0]] = int(parts[1])
    return counts


def slurm_job_logs(workdir: Path, tail_lines: int = 30) -> str:
    """Return the end of each SLURM job log left in ``workdir``.

    The executor deletes the logs of successful jobs, so these are the failed ones.
    """
    parts = []
    for log_file in sorted((workdir / "logs" / "slurm").rglob("*.log")):
        lines = log_file.read_text(errors="replace").splitlines()[-tail_lines:]
        parts.append(f"--- {log_file} ---\n" + "\n".join(lines))
    return "\n".join(parts)


def output_summary(cluster: SlurmCluster, workdir: Path) -> list[dict[str, str]]:
    """Return one row per output file of the workflow, as ``snakemake --summary`` lists them.

    Each row has the columns of --summary's header, among them output_file,
    rule, status ("ok", "missing", "removed temp file", ...) and plan.
    """
    result = subprocess.run(
        [snakemake_executable(), "--snakefile", str(SNAKEFILE), "--directory", str(workdir),
         "--cores", "1", "--config", "device=cpu", "--summary"],
        cwd=workdir,
        env=cluster.env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, f"snakemake --summary failed:\n{result.stderr[-3000:]}"
    lines = result.stdout.splitlines()
    header = lines[0].split("\t")
    assert header[0] == "output_file", f"unexpected --summary header: {header}"
    return [dict(zip(header, line.split("\t"))) for line in lines[1:] if line.strip()]


def test_gpu_job_without_cuda_fails(cluster: SlurmCluster, cifar_copy: Path, tmp_path: Path):
    """The profile's device=cuda makes every GPU job on a node without CUDA fail.

    The run passes account and partition as the cluster docs show, and checks
    that every job carries them.
    """
    torch = pytest.importorskip("torch")
    if torch.cuda.is_available():
        pytest.skip("this machine has CUDA, and the fake GPU's CUDA_VISIBLE_DEVICES=0 would expose it")
    workdir = make_workdir(tmp_path, cifar_copy, activations=["relu"])

    returncode, output = run_workflow(
        cluster,
        workdir,
        "--default-resources",
        f"slurm_account={ACCOUNT}",
        f"slurm_partition={PARTITION}",
        "runtime=60",
        "mem_mb=4000",
    )

    assert returncode != 0, f"the run succeeded without CUDA:\n{output[-4000:]}"
    jobs = jobs_by_rule(cluster, slurm_run_id(output))
    for rule, rule_jobs in jobs.items():
        for fields in rule_jobs:
            assert fields["Account"] == ACCOUNT, f"{rule} job {fields['JobId']} has account {fields['Account']!r}"
            assert fields["Partition"] == PARTITION, f"{rule} job {fields['JobId']} has partition {fields['Partition']!r}"

    gpu_jobs = [fields for rule in GPU_RULES for fields in jobs.get(rule, [])]
    assert gpu_jobs, f"no GPU job was submitted; jobs: {sorted(jobs)}\n{output[-4000:]}"
    for fields in gpu_jobs:
        assert fields["JobState"] == "FAILED", f"GPU job {fields['JobId']} ended {fields['JobState']}"
        log_text = Path(fields["StdOut"]).read_text(errors="replace")
        assert "CUDA" in log_text, (
            f"the SLURM log of GPU job {fields['JobId']} does not mention CUDA:\n{log_text[-3000:]}"
        )
    assert not (workdir / "results" / DATASET / "report.en.html").exists()


def test_workflow_runs_on_slurm(cluster: SlurmCluster, cifar_copy: Path, tmp_path: Path):
    """The whole study runs through the profile, with GPU requests on the GPU rules only."""
    workdir = make_workdir(tmp_path, cifar_copy)

    returncode, output = run_workflow(cluster, workdir, "--config", "device=cpu")

    assert returncode == 0, (
        f"snakemake failed with exit status {returncode}\n{output[-6000:]}\n"
        f"{slurm_job_logs(workdir)}"
    )

    for language in ("en", "fr"):
        report = workdir / "results" / DATASET / f"report.{language}.html"
        assert report.is_file(), f"missing report {report}"
        assert "<html" in report.read_text(encoding="utf-8").lower(), f"{report} is not HTML"

    summary = output_summary(cluster, workdir)
    assert summary, "snakemake --summary listed no output files"
    for row in summary:
        path = workdir / row["output_file"]
        assert row["plan"] == "no update", f"{path} would be rebuilt: {row}"
        # Gradient arrays are temp() outputs when gradients.keep_arrays is false.
        if row["status"] == "removed temp file":
            assert row["rule"] == "measure_gradients", f"unexpected temp output {path}"
            continue
        assert row["status"] == "ok", f"{path}: {row['status']}"
        assert path.stat().st_size > 0, f"{path} is empty"

    planned = job_counts(output)
    jobs = jobs_by_rule(cluster, slurm_run_id(output))
    for rule in GPU_RULES:
        assert rule in jobs, f"no SLURM job for {rule}; jobs: {sorted(jobs)}"
    for rule, rule_jobs in jobs.items():
        assert len(rule_jobs) == planned.get(rule), (
            f"{rule}: {len(rule_jobs)} SLURM jobs, Snakemake planned {planned.get(rule)}"
        )

    cpus_per_gpu = profile_cpus_per_gpu()
    for rule, rule_jobs in jobs.items():
        for fields in rule_jobs:
            job = f"{rule} job {fields['JobId']}"
            assert fields["JobState"] == "COMPLETED", f"{job}: {fields['JobState']}"
            per_job = fields.get("TresPerJob") or ""
            per_node = fields.get("TresPerNode") or ""
            if rule in GPU_RULES:
                assert per_job == "gres:gpu:1", f"{job} requested {per_job!r}, expected one GPU"
                assert fields.get("CpusPerTres") == f"gres:gpu:{cpus_per_gpu[rule]}", (
                    f"{job} has CpusPerTres {fields.get('CpusPerTres')!r}"
                )
            else:
                assert "gpu" not in per_job, f"{job} requested a GPU: {per_job!r}"
                assert "gpu" not in per_node, f"{job} requested a GPU: {per_node!r}"

    for rule in LOGIN_NODE_RULES:
        assert planned.get(rule), f"the small study did not plan the local rule {rule}"
        assert rule not in jobs, f"local rule {rule} was submitted to SLURM"
    assert "download_cifar10" not in jobs, "download_cifar10 was submitted to SLURM"
