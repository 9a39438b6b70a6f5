"""Run the real workflow from a test: the repository's Snakefile on a scratch working directory.

``build_workflow_command`` gives the command a user types:
``snakemake -s Snakefile -d WORKDIR --configfile config.yaml --cores N --resources gpu=1
--config key=value ...``. Overrides go through ``--config`` as JSON, so they take
Snakemake's own parsing path, nested keys included.
"""

import json
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

REPOSITORY = Path(__file__).resolve().parent.parent
SNAKEMAKE = Path(sys.executable).with_name("snakemake")
CONFIG_FILE = REPOSITORY / "config.yaml"
RUN_TIMEOUT_SECONDS = 900


def build_workflow_command(workdir, config=None, cores=1, targets=(), options=()) -> list[str]:
    """Return the snakemake command line that runs the workflow in ``workdir`` with ``config`` overrides."""
    command = [
        str(SNAKEMAKE),
        "--snakefile", str(REPOSITORY / "Snakefile"),
        "--directory", str(workdir),
        "--configfile", str(CONFIG_FILE),
        "--cores", str(cores),
        "--resources", "gpu=1",
        *options,
    ]
    if config:
        command += ["--config", *(f"{key}={json.dumps(value)}" for key, value in config.items())]
    if targets:
        command += ["--", *targets]
    return command


def run_workflow_command(workdir, config=None, cores=1, targets=(), options=(), check=True, timeout=RUN_TIMEOUT_SECONDS) -> subprocess.CompletedProcess:
    """Run snakemake in ``workdir`` and return the finished process; with ``check``, fail the test on a non-zero status."""
    Path(workdir).mkdir(parents=True, exist_ok=True)
    command = build_workflow_command(workdir, config, cores, targets, options)
    result = subprocess.run(command, capture_output=True, text=True, timeout=timeout)
    if check and result.returncode != 0:
        pytest.fail(f"snakemake exited with status {result.returncode}:\n{' '.join(command)}\n{result.stdout[-3000:]}\n{result.stderr[-6000:]}")
    return result


def write_config(workdir: Path, overrides: dict) -> Path:
    """Write the repository's config.yaml with ``overrides`` applied (top-level keys replaced) into ``workdir``.

    For runs that read ``config.yaml`` from their working directory, as a run
    through a profile does.
    """
    config = yaml.safe_load(CONFIG_FILE.read_text(encoding="utf-8"))
    config.update(overrides)
    path = Path(workdir) / "config.yaml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(config, sort_keys=False), encoding="utf-8")
    return path
