"""Rule download_cifar10: fetch the official CIFAR-10 archive on the submit host."""

from pathlib import Path

from initlab.runtime import run_job
from initlab.steps.data import download_cifar10

# The outputs are <download_dir>/cifar-10-batches-py/<file>; torchvision extracts into <download_dir>.
run_job(download_cifar10, snakemake.log[0], snakemake.config["language"], root=str(Path(snakemake.output[0]).parent.parent))
