"""Device selection and numeric settings, applied once per job at its boundary."""

import logging
import os
import socket

import torch

from initlab.errors import DeviceError

logger = logging.getLogger(__name__)


def select_device(requested: str, deterministic: bool = True) -> torch.device:
    """Return the device for ``requested`` ("auto", "cpu" or "cuda") and apply the numeric settings.

    "cuda" fails with DeviceError when CUDA is not visible, because a silent CPU
    fallback on a cluster would take hours. "auto" falls back to the CPU and logs
    it, except inside a SLURM job that was given a GPU (SLURM_JOB_ID and
    CUDA_VISIBLE_DEVICES set), where it fails like "cuda".
    float32 matrix products keep full precision (no TF32). With ``deterministic``,
    PyTorch's deterministic algorithms are required, which on CUDA also needs
    cuBLAS's fixed workspace (CUBLAS_WORKSPACE_CONFIG=:4096:8), and new tensors
    are not filled with NaN.
    """
    if requested == "auto" and gpu_allocated_by_slurm() and not torch.cuda.is_available():
        requested = "cuda"
    if requested == "cuda" and not torch.cuda.is_available():
        detail = f"torch {torch.__version__}, CUDA build {torch.version.cuda}, CUDA_VISIBLE_DEVICES={os.environ.get('CUDA_VISIBLE_DEVICES', 'unset')}"
        raise DeviceError("cuda_unavailable", host=socket.gethostname(), detail=detail)

    if requested == "cpu" or not torch.cuda.is_available():
        if requested == "auto":
            logger.info("CUDA is not available; running on the CPU")
        device = torch.device("cpu")
    else:
        device = torch.device("cuda")

    torch.set_float32_matmul_precision("highest")
    if deterministic:
        os.environ.setdefault("CUBLAS_WORKSPACE_CONFIG", ":4096:8")
        torch.use_deterministic_algorithms(True)
        # PyTorch then fills every new tensor with NaN, so that a read of uninitialized memory shows.
        # initlab writes every value before reading it, and tests/test_determinism.py compares whole
        # runs bit for bit, so the fill is turned off. It cost 2 to 3 % of a gradient pass (docs/benchmarks.md).
        torch.utils.deterministic.fill_uninitialized_memory = False
    return device


def set_cpu_threads(requested: int | None) -> int:
    """Set PyTorch's intra-op threads to ``requested``, or to the CPUs this process may use; return the count.

    The count comes from the config, never from Snakemake's --cores, so the same
    config gives the same numbers whatever --cores is.
    """
    threads = requested or len(os.sched_getaffinity(0))
    torch.set_num_threads(threads)
    return threads


def gpu_allocated_by_slurm() -> bool:
    """Return whether this process runs in a SLURM job that was given a GPU."""
    job = os.environ.get("SLURM_JOB_ID") or os.environ.get("SLURM_JOBID")
    visible = os.environ.get("CUDA_VISIBLE_DEVICES", "")
    return bool(job) and visible not in ("", "-1", "NoDevFiles")


def describe_device(device: torch.device) -> str:
    """Return a one-line description such as "cuda (NVIDIA H200)" or "cpu (2 threads)"."""
    if device.type == "cuda":
        return f"cuda ({torch.cuda.get_device_name(device)})"
    return f"cpu ({torch.get_num_threads()} threads)"


def synchronise(device: torch.device) -> None:
    """Wait for queued work on ``device`` so that a timer reads the real elapsed time."""
    if device.type == "cuda":
        torch.cuda.synchronize(device)
