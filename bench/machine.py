"""The machine under the benchmark: its float32 matrix-product speed, its description, and how busy other processes keep it."""

import logging
import os
import platform
import resource
import time
from collections.abc import Callable

import torch

from initlab import matmul
from initlab.devices import describe_device, synchronise

logger = logging.getLogger("bench.machine")

CLOCK_TICKS_PER_SECOND = os.sysconf("SC_CLK_TCK")
# Above this share of the CPUs used by other processes, the benchmark waits before
# a measurement and marks a figure measured anyway as unreliable.
OTHER_LOAD_LIMIT = 0.15


def describe_machine(device: torch.device) -> str:
    """Return the CPU model and count, the device and the torch version on one line."""
    model = platform.processor() or "unknown CPU"
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as handle:
            model = next(line.split(":", 1)[1].strip() for line in handle if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    return f"{model}, {os.cpu_count()} CPUs; device {describe_device(device)}; torch {torch.__version__}"


def _measure_gflops(device: torch.device, product: Callable[[], torch.Tensor], flops: int, repeats: int) -> float:
    """Return the GFLOP/s of ``repeats`` calls of ``product``, which does ``flops`` FLOPs, after one warm-up call."""
    product()
    synchronise(device)
    started = time.perf_counter()
    for _ in range(repeats):
        product()
    synchronise(device)
    return flops * repeats / (time.perf_counter() - started) / 1e9


def measure_matmul(device: torch.device, shape: tuple[int, int, int], library: str = "torch", repeats: int = 10) -> float:
    """Return the float32 GFLOP/s of ``repeats`` products of (m x k) by (k x n) on ``device``, after one warm-up product.

    ``library`` "torch" runs ``torch.matmul``, which is MKL's sgemm on x86-64 CPUs.
    "onednn" runs oneDNN's product with the right operand stored as an (n x k)
    weight, as nn.Linear stores it. It needs :func:`initlab.matmul.onednn_available`.
    """
    m, k, n = shape
    left = torch.randn(m, k, device=device)
    if library == "onednn":
        weight = torch.randn(n, k, device=device)
        product = lambda: torch.ops.mkldnn._linear_pointwise(left, weight, None, "none", [], "")  # noqa: E731
    elif library == "torch":
        right = torch.randn(k, n, device=device)
        product = lambda: torch.matmul(left, right)  # noqa: E731
    else:
        raise ValueError(f"library must be 'torch' or 'onednn', not {library!r}")
    return _measure_gflops(device, product, 2 * m * k * n, repeats)


def measure_linear_forward(device: torch.device, batch: int, in_features: int, out_features: int, feature_major: bool, repeats: int = 20) -> float:
    """Return the float32 GFLOP/s of a Linear layer's forward product on a batch through initlab.matmul, as ``repeats`` products after one warm-up.

    Row-major is nn.Linear's layout, a @ W^T + b on a (batch, in) matrix, which
    initlab's training step uses. Feature-major is W @ a^T + b.
    """
    inputs = torch.rand(batch, in_features, device=device)
    weight = torch.randn(out_features, in_features, device=device)
    bias = torch.randn(out_features, device=device)
    if feature_major:
        column_bias = bias.unsqueeze(1)
        product = lambda: matmul.linear(weight, inputs).add_(column_bias)  # noqa: E731
    else:
        product = lambda: matmul.linear(inputs, weight, bias)  # noqa: E731
    return _measure_gflops(device, product, 2 * batch * in_features * out_features, repeats)


def busy_cpu_seconds() -> float:
    """Return the CPU seconds that all processes of the machine have used since boot, steal time included (from /proc/stat)."""
    with open("/proc/stat", encoding="ascii") as handle:
        fields = [int(value) for value in handle.readline().split()[1:]]
    user, nice, system, _idle, _iowait, irq, softirq, steal = fields[:8]
    return (user + nice + system + irq + softirq + steal) / CLOCK_TICKS_PER_SECOND


def own_cpu_seconds() -> float:
    """Return the CPU seconds that this process and its finished child processes have used."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def measure_with_other_load(function, *arguments):
    """Return ``function(*arguments)`` and the share of the machine's CPUs that other processes used meanwhile."""
    busy, own, started = busy_cpu_seconds(), own_cpu_seconds(), time.perf_counter()
    value = function(*arguments)
    elapsed = time.perf_counter() - started
    others = (busy_cpu_seconds() - busy) - (own_cpu_seconds() - own)
    return value, max(0.0, others) / (elapsed * os.cpu_count())


def wait_for_idle(max_seconds: float, threshold: float = OTHER_LOAD_LIMIT, window_seconds: float = 2.0, log_interval_seconds: float = 30.0) -> None:
    """Wait until other processes use less than ``threshold`` of the CPUs over ``window_seconds``, for at most ``max_seconds``.

    While it waits, it logs the other processes' share and the remaining wait at
    most once per ``log_interval_seconds``. The last window may end up to
    ``window_seconds`` after ``max_seconds``.
    """
    started = time.monotonic()
    deadline = started + max_seconds
    next_log = started
    busy_windows = 0
    while True:
        _, load = measure_with_other_load(time.sleep, window_seconds)
        now = time.monotonic()
        if load < threshold:
            if busy_windows > 0:
                logger.info("the machine became idle after %.0f s of waiting; other processes use %.0f %% of the CPUs", now - started, 100 * load)
            return
        if now >= deadline:
            logger.warning(
                "other processes still use %.0f %% of the CPUs after %.0f s of waiting; measuring anyway",
                100 * load, now - started,
            )
            return
        busy_windows += 1
        if now >= next_log:
            logger.info(
                "other processes use %.0f %% of the CPUs, more than %.0f %%; waiting up to %.0f s more for the machine to become idle",
                100 * load, 100 * threshold, deadline - now,
            )
            next_log = now + log_interval_seconds
