"""Bias-gradient measurement: the lab's per-batch gradients, many batches per forward/backward pass.

The lab runs batches of 10 images, takes the mean cross-entropy, back-propagates,
and records each hidden Linear layer's bias gradient. That gradient is the sum,
over the batch, of the loss's gradient with respect to the layer's output. Here a
chunk of k batches goes through the network at once with the loss

    L = sum over samples i of CE_i / size(batch of i),

so the gradient at each layer output, summed over the samples of one batch,
equals that batch's bias gradient in the lab's loop. Only the gradients at the
layer outputs are computed (the weights do not require grad), and results are
copied to the host once per chunk.

On the same batches, each layer's post-activation values are accumulated (mean
and standard deviation over the pass), and each batch's weight gradient
G = sum_i delta_i a_i^T is summarised by the sum and the sum of squares of its
entries, from the Gram matrices of delta and a, without forming G.
"""

import logging
import time

import numpy as np
import torch
from torch import nn
from torch.nn import functional

from initlab.devices import describe_device, synchronise
from initlab.measurement import GradientMeasurement
from initlab.model import linear_layers
from initlab.runtime import Progress

logger = logging.getLogger(__name__)

# Memory for one chunk's activations and gradients; the chunk size follows from it.
# On a 2-core AMD EPYC VM, chunks of about 1,000 samples ran fastest (tanh, samples/s
# by batches of 10 per chunk: 25: 6,400; 50: 6,800; 92: 7,250; 200: 6,800; 400: 7,000).
CPU_CHUNK_BYTES = 96 * 2**20
GPU_FREE_MEMORY_FRACTION = 0.25
MAX_CHUNK_BATCHES = 4096


def choose_chunk_batches(device: torch.device, batch_size: int, in_features: int, width: int, layers: int, dtype: torch.dtype) -> int:
    """Return how many lab batches go through the network at once on ``device``.

    Per sample a chunk holds the input, and per layer the output, the activation
    and their gradients: about in_features + 4 x width x layers values.
    """
    bytes_per_sample = (in_features + 4 * width * (layers + 1)) * torch.finfo(dtype).bits // 8
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


def _forward_to_outputs(network: nn.Sequential, inputs: torch.Tensor, measured: int):
    """Run ``network`` and return (logits, measured layer outputs, their inputs, their activations).

    The first layer's output is made a leaf that requires grad, so back-propagation
    stops there and computes no weight gradient.
    """
    outputs, layer_inputs, activations = [], [], []
    hidden = inputs
    linear_index = 0
    for module in network:
        if isinstance(module, nn.Linear):
            if linear_index < measured:
                layer_inputs.append(hidden)
            if linear_index == 0:
                with torch.no_grad():
                    hidden = module(hidden)
                hidden.requires_grad_(True)
            else:
                hidden = module(hidden)
            if linear_index < measured:
                outputs.append(hidden)
            linear_index += 1
        else:
            hidden = module(hidden)
            if isinstance(module, nn.Flatten):
                continue
            if len(activations) < measured:
                activations.append(hidden)
    return hidden, outputs, layer_inputs, activations


def _measure_chunk(network, inputs, labels, sample_weights, batch_count, batch_size, measured):
    """Return per-batch bias gradients and summaries for one chunk of equal-size batches."""
    logits, outputs, layer_inputs, activations = _forward_to_outputs(network, inputs, measured)
    loss = (functional.cross_entropy(logits, labels, reduction="none") * sample_weights).sum()
    deltas = torch.autograd.grad(loss, outputs)

    bias, weight_sum, weight_squares = [], [], []
    for delta, layer_input in zip(deltas, layer_inputs):
        delta = delta.view(batch_count, batch_size, -1)
        layer_input = layer_input.detach().view(batch_count, batch_size, -1)
        bias.append(delta.sum(dim=1))
        weight_sum.append(delta.sum(dim=2).mul(layer_input.sum(dim=2)).sum(dim=1))
        gram_delta = torch.bmm(delta, delta.transpose(1, 2))
        gram_input = torch.bmm(layer_input, layer_input.transpose(1, 2))
        weight_squares.append((gram_delta * gram_input).sum(dim=(1, 2)))

    # Per-sample sums in the network's dtype, then float64 across samples. Converting the
    # whole activation to float64 first made the gradient pass 3 to 5 % slower (2-core CPU).
    activation_stats = []
    for activation in activations:
        activation = activation.detach()
        total = activation.sum(dim=1).double().sum()
        squares = activation.square().sum(dim=1).double().sum()
        activation_stats.append((total, squares, (activation == 0).sum()))
    return torch.stack(bias), torch.stack(weight_sum), torch.stack(weight_squares), activation_stats


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
    The network's parameters are restored to requiring grad afterwards.
    """
    device = next(network.parameters()).device
    layers = linear_layers(network)
    measured = len(layers) - 1
    width = layers[0].out_features
    boundaries = batch_boundaries(len(order), batch_size)
    full_batches = len(order) // batch_size
    if chunk_batches is None:
        chunk_batches = choose_chunk_batches(device, batch_size, layers[0].in_features, width, measured, dtype)

    # A trailing partial batch, if any, runs as a chunk of its own.
    chunks = [(start, min(start + chunk_batches, full_batches)) for start in range(0, full_batches, chunk_batches)]
    if full_batches * batch_size < len(order):
        chunks.append((full_batches, full_batches + 1))

    batch_count = len(boundaries) - 1
    bias = np.empty((measured, batch_count, width), dtype=np.float32 if dtype == torch.float32 else np.float64)
    weight_sum = np.empty((measured, batch_count))
    weight_squares = np.empty((measured, batch_count))
    activation_sum = np.zeros(measured)
    activation_squares = np.zeros(measured)
    activation_zeros = np.zeros(measured, dtype=np.int64)

    logger.info(
        "measuring bias gradients of %d layers: %d batches of %d samples in %d chunks on %s, %s",
        measured, batch_count, batch_size, len(chunks), describe_device(device), dtype,
    )
    requires_grad = [parameter.requires_grad for parameter in network.parameters()]
    for parameter in network.parameters():
        parameter.requires_grad_(False)
    order = order.to(device)
    progress = Progress("gradient chunk", len(chunks), "samples")
    synchronise(device)
    started = time.perf_counter()
    try:
        for index, (first, last) in enumerate(chunks, start=1):
            sample_indices = order[boundaries[first] : boundaries[last]]
            size = int(boundaries[first + 1] - boundaries[first])
            inputs = images[sample_indices].to(dtype).div_(255.0).flatten(1)
            weights = torch.full((len(sample_indices),), 1.0 / size, dtype=dtype, device=device)
            chunk = _measure_chunk(network, inputs, labels[sample_indices], weights, last - first, size, measured)
            chunk_bias, chunk_weight_sum, chunk_weight_squares, activation_stats = chunk

            bias[:, first:last] = chunk_bias.cpu().numpy()
            weight_sum[:, first:last] = chunk_weight_sum.cpu().double().numpy()
            weight_squares[:, first:last] = chunk_weight_squares.cpu().double().numpy()
            for layer, (total, squares, zeros) in enumerate(activation_stats):
                activation_sum[layer] += float(total)
                activation_squares[layer] += float(squares)
                activation_zeros[layer] += int(zeros)
            progress.update(index, len(sample_indices))
    finally:
        for parameter, flag in zip(network.parameters(), requires_grad):
            parameter.requires_grad_(flag)
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
