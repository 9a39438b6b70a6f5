"""Run the real workflow from a test: the repository's Snakefile on a scratch working directory."""

import os
import subprocess
import sys
from pathlib import Path

import yaml

REPOSITORY = Path(__file__).resolve().parent.parent
SNAKEMAKE = Path(sys.executable).with_name("snakemake")


def write_config(workdir: Path, overrides: dict) -> Path:
    """Write the repository's config.yaml with ``overrides`` applied (top-level keys replaced) into ``workdir``."""
    config = yaml.safe_load((REPOSITORY / "config.yaml").read_text(encoding="utf-8"))
    config.update(overrides)
    path = Path(workdir) / "config.yaml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(config, sort_keys=False), encoding="utf-8")
    return path


def run_snakemake(workdir: Path, *arguments: str, cores: int = 2, timeout: float = 900, check: bool = True) -> subprocess.CompletedProcess:
    """Run snakemake with the repository's Snakefile in ``workdir`` (which holds config.yaml); return the finished process."""
    command = [str(SNAKEMAKE), "--snakefile", str(REPOSITORY / "Snakefile"), "--directory", str(workdir), "--cores", str(cores), "--resources", "gpu=1", *arguments]
    environment = os.environ | {"PYTHONUNBUFFERED": "1"}
    result = subprocess.run(command, capture_output=True, text=True, timeout=timeout, env=environment)
    if check and result.returncode != 0:
        raise AssertionError(f"snakemake failed with status {result.returncode}:\n{result.stdout[-4000:]}\n{result.stderr[-8000:]}")
    return result
