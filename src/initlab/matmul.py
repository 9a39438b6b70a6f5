"""Matrix products of the gradient pass and of training, through oneDNN for float32 on x86-64 CPUs.

On x86-64 CPUs, PyTorch's own ``mm`` and ``addmm`` call MKL's sgemm. On the AMD EPYC
(Zen 5) of docs/benchmarks.md, MKL ran them at about 220 GFLOP/s, while oneDNN ran
the same products at 450 to 510 GFLOP/s with its AVX-512 kernels (torch 2.14.1,
``make bench``; ONEDNN_VERBOSE=1 names the kernel, brg_matmul:avx512_core). oneDNN ships inside PyTorch's x86-64
builds and is what ``torch.compile`` calls for Linear layers on the CPU
(``torch.ops.mkldnn._linear_pointwise``). The two libraries sum in different
orders, so their products differ at float32 rounding. oneDNN's fused tanh has a
relative error of at most 0.64 float32 epsilons, against 0.5 for ``torch.tanh``
(measured over tanh's whole range; tests/test_matmul.py checks 1).

Every other case runs PyTorch's own products: float64, a GPU, a CPU other than
x86-64, or a PyTorch built without oneDNN. The choice depends only on the
machine, the PyTorch build and the dtype, never on timings, so every run on one
machine takes the same path.
"""

import functools
import platform

import torch
from torch.nn import functional

X86_64_MACHINES = ("x86_64", "amd64")


@functools.cache
def onednn_available() -> bool:
    """Return whether this PyTorch build can run Linear products through oneDNN on this CPU."""
    return (
        platform.machine().lower() in X86_64_MACHINES
        and torch.backends.mkldnn.is_available()
        and hasattr(torch.ops.mkldnn, "_linear_pointwise")
    )


def runs_on_onednn(device: torch.device, dtype: torch.dtype) -> bool:
    """Return whether products of ``dtype`` on ``device`` run through oneDNN: float32 on the CPU, when available."""
    return device.type == "cpu" and dtype == torch.float32 and onednn_available()


def uses_onednn(tensor: torch.Tensor) -> bool:
    """Return whether products with ``tensor`` as an operand run through oneDNN."""
    return runs_on_onednn(tensor.device, tensor.dtype)


def describe_products(device: torch.device, dtype: torch.dtype) -> str:
    """Return which library computes the matrix products for ``dtype`` on ``device``, for logs."""
    return "oneDNN" if runs_on_onednn(device, dtype) else "PyTorch's matmul"


def pack_weight(weight: torch.Tensor, rows: int) -> torch.Tensor:
    """Return a copy of ``weight`` in oneDNN's blocked layout for products with ``rows``-row inputs, or ``weight`` itself where oneDNN does not run.

    A packed weight spares :func:`linear` the reordering of the weight at every call,
    about 6 % of a 1,040 x 1,000 x 1,000 product on the machine of docs/benchmarks.md.
    Its products are bitwise those of the plain weight for inputs of more than one
    row. It is a copy, so it does not follow later changes of ``weight``.
    """
    if uses_onednn(weight):
        return torch.ops.mkldnn._reorder_linear_weight(weight.contiguous(), rows)
    return weight


def linear(inputs: torch.Tensor, weight: torch.Tensor, bias: torch.Tensor | None = None) -> torch.Tensor:
    """Return ``inputs @ weight.T + bias``, as ``nn.functional.linear`` does.

    ``weight`` may be a transposed view, so ``linear(delta, W.t())`` is ``delta @ W``,
    or a weight packed by :func:`pack_weight`.
    """
    if uses_onednn(inputs):
        return torch.ops.mkldnn._linear_pointwise(inputs, weight, bias, "none", [], "")
    return functional.linear(inputs, weight, bias)


def linear_tanh(inputs: torch.Tensor, weight: torch.Tensor, bias: torch.Tensor | None = None) -> torch.Tensor:
    """Return ``tanh(inputs @ weight.T + bias)``; through oneDNN the tanh runs inside the product's kernel."""
    if uses_onednn(inputs):
        return torch.ops.mkldnn._linear_pointwise(inputs, weight, bias, "tanh", [], "")
    return functional.linear(inputs, weight, bias).tanh_()
