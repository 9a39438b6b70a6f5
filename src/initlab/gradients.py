"""Bias-gradient measurement: the lab's per-batch gradients, many batches per forward/backward pass.

The lab runs batches of 10 images, takes the mean cross-entropy, back-propagates,
and records each hidden Linear layer's bias gradient. That gradient is the sum,
over the batch, of the loss's gradient with respect to the layer's output. Here a
chunk of k batches goes through the network at once with the loss

    L = sum over samples i of CE_i / size(batch of i),

so the gradient at each layer output, summed over the samples of one batch,
equals that batch's bias gradient in the lab's loop. The pass runs by hand, without
an autograd graph. Its activation kernels and derivatives are those that autograd
runs. Its matrix products are PyTorch's own, except for float32 on x86-64 CPUs,
where oneDNN computes them and the tanh that follows them (:mod:`initlab.matmul`).
It computes only the gradients at the layer outputs (no weight gradient) and
copies results to the host once per chunk.

On the same batches, each layer's post-activation values are accumulated (mean
and standard deviation over the pass), and each batch's weight gradient
G = sum_i delta_i a_i^T is summarised by the sum and the sum of squares of its
entries, from the Gram matrices of delta and a, without forming G.
"""

import dataclasses
import logging
import time

import numpy as np
import torch
from torch import nn
from torch.nn import functional

from initlab import matmul
from initlab.activation_kernels import ActivationKernels, kernels_for
from initlab.devices import describe_device, synchronise
from initlab.measurement import GradientMeasurement
from initlab.model import CLASSES, linear_layers
from initlab.runtime import Progress

logger = logging.getLogger(__name__)

# Memory for one chunk's values; the chunk size follows from it.
CPU_CHUNK_BYTES = 128 * 2**20
GPU_FREE_MEMORY_FRACTION = 0.25
MAX_CHUNK_BATCHES = 4096


def choose_chunk_batches(device: torch.device, batch_size: int, in_features: int, width: int, layers: int, dtype: torch.dtype) -> int:
    """Return how many lab batches go through the network at once on ``device``.

    Per sample a chunk contains the input as uint8 and as ``dtype``, each hidden layer's
    pre-activation and activation, two deltas (or a delta and a scratch buffer), the
    logits and a one-byte zero mask per unit. Tanh, sigmoid and ReLU keep no
    pre-activation, so for them the estimate is high by one value per unit and layer.
    """
    values_per_sample = in_features + (2 * layers + 2) * width + CLASSES
    bytes_per_sample = values_per_sample * torch.finfo(dtype).bits // 8 + in_features + width
    if device.type == "cuda":
        free_bytes, total_bytes = torch.cuda.mem_get_info(device)
        # With deterministic algorithms the matrix shapes that cuBLAS sees, and so its kernels,
        # must not depend on what other processes hold, so the budget follows the total memory.
        # NOTE: not yet run on a GPU; on a GPU shared with other processes this can run out of memory.
        deterministic = torch.are_deterministic_algorithms_enabled()
        budget = GPU_FREE_MEMORY_FRACTION * (total_bytes if deterministic else free_bytes)
    else:
        budget = CPU_CHUNK_BYTES
    return int(max(1, min(MAX_CHUNK_BATCHES, budget // (bytes_per_sample * batch_size))))


def batch_boundaries(sample_count: int, batch_size: int) -> np.ndarray:
    """Return the start index of each batch plus the end, like a DataLoader without drop_last."""
    return np.append(np.arange(0, sample_count, batch_size), sample_count)


class _Workspace:
    """Buffers for one chunk of at most ``rows`` samples that the pass writes with ``out=``, allocated once per measurement.

    Reusing them keeps the pass free of per-chunk allocations for the images, the
    per-batch results and the scratch values. The products and activations are
    allocated by the kernels that compute them (oneDNN has no ``out=`` form).
    """

    def __init__(self, layers: list[nn.Linear], chunk_batches: int, batch_size: int, device: torch.device, dtype: torch.dtype) -> None:
        rows = chunk_batches * batch_size
        measured = len(layers) - 1
        width = layers[0].out_features
        self.raw_images = torch.empty(rows, layers[0].in_features, dtype=torch.uint8, device=device)
        self.inputs = torch.empty(rows, layers[0].in_features, dtype=dtype, device=device)
        self.squares = torch.empty(rows, width, dtype=dtype, device=device)
        self.zero_mask = torch.empty(rows, width, dtype=torch.bool, device=device)
        self.bias = torch.empty(measured, chunk_batches, width, dtype=dtype, device=device)
        self.weight_sum = torch.empty(measured, chunk_batches, dtype=dtype, device=device)
        self.weight_squares = torch.empty(measured, chunk_batches, dtype=dtype, device=device)
        # Gram matrices of each batch's deltas and layer inputs. Writing them into reused buffers made those products 20 % faster.
        self.gram_delta = torch.empty(chunk_batches, batch_size, batch_size, dtype=dtype, device=device)
        self.gram_input = torch.empty(chunk_batches, batch_size, batch_size, dtype=dtype, device=device)
        # Per layer: sum and sum of squares of the activations (float64), and their count of exact zeros.
        self.activation_moments = torch.zeros(measured, 2, dtype=torch.float64, device=device)
        self.activation_zeros = torch.zeros(measured, dtype=torch.int64, device=device)


@dataclasses.dataclass
class _ForwardValues:
    """The forward pass's values that the backward pass reads: scaled inputs, each hidden layer's pre-activation and activation, and logits.

    A pre-activation is None where the activation's derivative needs only its
    output, because the activation then overwrites it (or oneDNN never writes it).
    """

    inputs: torch.Tensor
    pre_activations: list[torch.Tensor | None]
    activations: list[torch.Tensor]
    logits: torch.Tensor


@dataclasses.dataclass
class _Weights:
    """Each Linear layer's weight for the forward products and its transpose for the backward ones, packed once per measurement."""

    forward: list[torch.Tensor]
    backward: list[torch.Tensor]
    biases: list[torch.Tensor]

    @classmethod
    def pack(cls, layers: list[nn.Linear], rows: int) -> "_Weights":
        return cls(
            forward=[matmul.pack_weight(layer.weight, rows) for layer in layers],
            backward=[matmul.pack_weight(layer.weight.t(), rows) for layer in layers],
            biases=[layer.bias for layer in layers],
        )


def _hidden_layer(weight: torch.Tensor, bias: torch.Tensor, kernels: ActivationKernels, inputs: torch.Tensor) -> tuple[torch.Tensor | None, torch.Tensor]:
    """Return the (pre-activation or None, activation) of one hidden layer, with initlab.matmul's product and the module's kernel."""
    if kernels.is_tanh and matmul.uses_onednn(inputs):
        return None, matmul.linear_tanh(inputs, weight, bias)
    pre_activation = matmul.linear(inputs, weight, bias)
    if kernels.needs_pre_activation:
        return pre_activation, kernels.forward(pre_activation, torch.empty_like(pre_activation))
    return None, kernels.forward(pre_activation, pre_activation)


def _forward(weights: _Weights, kernels, workspace: _Workspace, images, sample_indices) -> _ForwardValues:
    """Run the chunk's images through the network and count each hidden layer's exact zeros.

    Only the last hidden layer's activation moments are accumulated here. The backward
    pass takes the others from the per-sample sums and Gram matrices that it forms anyway.
    """
    rows = len(sample_indices)
    raw = torch.index_select(images.flatten(1), 0, sample_indices, out=workspace.raw_images[:rows])
    inputs = workspace.inputs[:rows].copy_(raw).div_(255.0)
    pre_activations, activations = [], []
    hidden = inputs
    for index, (weight, bias) in enumerate(zip(weights.forward[:-1], weights.biases[:-1])):
        pre_activation, hidden = _hidden_layer(weight, bias, kernels[index], hidden)
        pre_activations.append(pre_activation)
        activations.append(hidden)
        workspace.activation_zeros[index] += _count_zeros(hidden, kernels[index], workspace.zero_mask[:rows])

    # Per-sample sums in the network's dtype, then float64 across samples.
    last = len(activations) - 1
    workspace.activation_moments[last, 0] += hidden.sum(dim=1).double().sum()
    squares = torch.mul(hidden, hidden, out=workspace.squares[:rows])
    workspace.activation_moments[last, 1] += squares.sum(dim=1).double().sum()

    logits = matmul.linear(hidden, weights.forward[-1], weights.biases[-1])
    return _ForwardValues(inputs, pre_activations, activations, logits)


def _count_zeros(values: torch.Tensor, kernels: ActivationKernels, mask: torch.Tensor) -> torch.Tensor:
    """Return the number of exact zeros in ``values`` as a 0-d int64 tensor on their device.

    count_nonzero branches on every value: on the CPU it took 2.0 ms for a chunk of
    1,050 x 1,000 ReLU outputs, half of them zero, against 0.12 ms for tanh outputs.
    Comparing into ``mask`` and summing it took 0.42 ms for either.
    """
    if kernels.zero_for_negative_inputs:
        return torch.eq(values, 0, out=mask).sum(dtype=torch.int64)
    return values.numel() - torch.count_nonzero(values)


def _logits_gradient(logits: torch.Tensor, labels: torch.Tensor, batch_size: int) -> torch.Tensor:
    """Return the gradient of sum_i CE_i / batch_size with respect to the logits, through autograd's own kernels."""
    logits = logits.detach().requires_grad_(True)
    with torch.enable_grad():
        loss = functional.cross_entropy(logits, labels, reduction="sum") / batch_size
        (gradient,) = torch.autograd.grad(loss, logits)
    return gradient


def _leading_view(buffer: torch.Tensor, shape: tuple[int, ...]) -> torch.Tensor:
    """Return the first elements of ``buffer`` as a contiguous tensor of ``shape`` (a trailing partial batch needs fewer)."""
    return buffer.view(-1)[: int(np.prod(shape))].view(shape)


def _backward_chunk(weights: _Weights, kernels, workspace: _Workspace, values: _ForwardValues, delta: torch.Tensor, batch_count: int, batch_size: int) -> None:
    """Back-propagate ``delta`` (the logits' gradient) to every hidden layer's output and summarise each batch.

    Layer l's delta is (delta of l+1 @ W_{l+1}) times the activation's derivative,
    with the derivative kernel that autograd runs. No weight gradient is formed.
    """
    for index in reversed(range(len(kernels))):
        upstream = matmul.linear(delta, weights.backward[index + 1])
        delta = kernels[index].backward(upstream, values.pre_activations[index], values.activations[index], upstream)
        layer_input = values.inputs if index == 0 else values.activations[index - 1]

        per_batch_delta = delta.view(batch_count, batch_size, -1)
        per_batch_input = layer_input.view(batch_count, batch_size, -1)
        torch.sum(per_batch_delta, dim=1, out=workspace.bias[index, :batch_count])
        # The weight gradient G = sum_i delta_i a_i^T of each batch is summarised without forming it:
        # sum(G) = sum_i (sum of delta_i)(sum of a_i), and sum(G**2) = sum of Gram(delta) * Gram(a) entries.
        input_sums = per_batch_input.sum(dim=2)
        workspace.weight_sum[index, :batch_count] = (per_batch_delta.sum(dim=2) * input_sums).sum(dim=1)
        gram_shape = (batch_count, batch_size, batch_size)
        gram_delta = torch.bmm(per_batch_delta, per_batch_delta.transpose(1, 2), out=_leading_view(workspace.gram_delta, gram_shape))
        gram_input = torch.bmm(per_batch_input, per_batch_input.transpose(1, 2), out=_leading_view(workspace.gram_input, gram_shape))
        workspace.weight_squares[index, :batch_count] = (gram_delta * gram_input).sum(dim=(1, 2))
        if index > 0:
            # The input is layer index-1's activation: its per-sample sums, and its per-sample sums of
            # squares on the Gram matrix's diagonal, in the network's dtype, then float64 across samples.
            workspace.activation_moments[index - 1, 0] += input_sums.double().sum()
            workspace.activation_moments[index - 1, 1] += gram_input.diagonal(dim1=1, dim2=2).double().sum()


def measure_bias_gradients(
    network: nn.Sequential,
    images: torch.Tensor,
    labels: torch.Tensor,
    order: torch.Tensor,
    batch_size: int = 10,
    chunk_batches: int | None = None,
    dtype: torch.dtype = torch.float32,
) -> GradientMeasurement:
    """Measure the bias gradient of every hidden Linear layer for each batch of ``batch_size`` samples.

    ``images`` (uint8, channel-first) and ``labels`` sit on the network's device;
    ``order`` lists the sample indices in the order the batches take them, as the
    lab's shuffled loader would. Pixels are scaled to [0, 1] as ToTensor does.
    The network is only read, never changed. Every hidden layer must have the same
    width, as build_network makes them; ValueError is raised otherwise.
    """
    device = next(network.parameters()).device
    layers = linear_layers(network)
    measured = len(layers) - 1
    width = layers[0].out_features
    hidden_widths = [layer.out_features for layer in layers[:measured]]
    if any(hidden_width != width for hidden_width in hidden_widths):
        raise ValueError(f"every hidden Linear layer must have the same width, not {hidden_widths}")
    boundaries = batch_boundaries(len(order), batch_size)
    full_batches = len(order) // batch_size
    if chunk_batches is None:
        chunk_batches = choose_chunk_batches(device, batch_size, layers[0].in_features, width, measured, dtype)
    # The workspace needs no more rows than the full batches fill (a trailing partial batch needs fewer).
    chunk_batches = max(1, min(chunk_batches, full_batches))

    # A trailing partial batch, if any, runs as a chunk of its own.
    chunks = [(start, min(start + chunk_batches, full_batches)) for start in range(0, full_batches, chunk_batches)]
    if full_batches * batch_size < len(order):
        chunks.append((full_batches, full_batches + 1))

    batch_count = len(boundaries) - 1
    bias = np.empty((measured, batch_count, width), dtype=np.float32 if dtype == torch.float32 else np.float64)
    weight_sum = np.empty((measured, batch_count))
    weight_squares = np.empty((measured, batch_count))

    logger.info(
        "measuring bias gradients of %d layers: %d batches of %d samples in %d chunks on %s, %s, products by %s",
        measured, batch_count, batch_size, len(chunks), describe_device(device), dtype, matmul.describe_products(device, dtype),
    )
    kernels = [kernels_for(module) for module in network if not isinstance(module, (nn.Linear, nn.Flatten))]
    workspace = _Workspace(layers, chunk_batches, batch_size, device, dtype)
    weights = _Weights.pack(layers, chunk_batches * batch_size)
    order = order.to(device)
    progress = Progress("gradient chunk", len(chunks), "samples")
    synchronise(device)
    started = time.perf_counter()
    with torch.no_grad():
        for index, (first, last) in enumerate(chunks, start=1):
            sample_indices = order[boundaries[first] : boundaries[last]]
            size = int(boundaries[first + 1] - boundaries[first])
            values = _forward(weights, kernels, workspace, images, sample_indices)
            delta = _logits_gradient(values.logits, labels[sample_indices], size)
            _backward_chunk(weights, kernels, workspace, values, delta, last - first, size)
            del values, delta

            # One copy to the host per chunk.
            bias[:, first:last] = workspace.bias[:, : last - first].cpu().numpy()
            weight_sum[:, first:last] = workspace.weight_sum[:, : last - first].cpu().double().numpy()
            weight_squares[:, first:last] = workspace.weight_squares[:, : last - first].cpu().double().numpy()
            progress.update(index, len(sample_indices))
    activation_sum, activation_squares = np.ascontiguousarray(workspace.activation_moments.cpu().numpy().T)
    activation_zeros = workspace.activation_zeros.cpu().numpy()
    synchronise(device)
    elapsed = time.perf_counter() - started
    rate = len(order) / elapsed if elapsed > 0 else float("inf")
    logger.info("measured %d samples in %.1f s: %.0f samples/s on %s", len(order), elapsed, rate, describe_device(device))

    return GradientMeasurement(
        bias_gradients=bias,
        batch_sizes=np.diff(boundaries),
        activation_sum=activation_sum,
        activation_sum_squares=activation_squares,
        activation_zeros=activation_zeros,
        activation_count=np.full(measured, len(order) * width, dtype=np.int64),
        weight_gradient_sum=weight_sum,
        weight_gradient_sum_squares=weight_squares,
        weight_counts=np.array([layer.weight.numel() for layer in layers[:measured]], dtype=np.int64),
        samples_per_second=rate,
    )
