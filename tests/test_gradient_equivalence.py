"""measure_bias_gradients against the lab's plain loop: one batch of 10 per forward and backward pass.

The reference loop does what the lab does for every batch: forward, mean
cross-entropy over the batch, backward, then read each hidden Linear layer's
``bias.grad`` (and here also ``weight.grad`` and the activations).
"""

import dataclasses

import numpy as np
import pytest
import torch
from torch import nn
from torch.nn import functional

from initlab import matmul
from initlab.gradients import measure_bias_gradients
from initlab.initialisation import initialise_network
from initlab.model import build_network, linear_layers

IMAGE_SHAPE = (3, 4, 4)
HIDDEN_LAYERS = 5
WIDTH = 32
BATCH_SIZE = 10
# float32 unit roundoff, 2**-24.
FLOAT32_ROUNDOFF = 2.0**-24


@dataclasses.dataclass
class LoopResult:
    """Everything the plain per-batch loop reads; per-batch arrays have shape (layers, batches, ...)."""

    bias_gradients: np.ndarray
    weight_gradient_sum: np.ndarray
    weight_gradient_sum_squares: np.ndarray
    activation_sum: np.ndarray
    activation_sum_squares: np.ndarray
    activation_zeros: np.ndarray
    # Per batch, the smallest |pre-activation| of any hidden unit and sample, relative to
    # sum_j |w_ij a_j| + |b_i|, the scale of its rounding error.
    smallest_relative_preactivation: np.ndarray


def make_network(activation: str, dtype: torch.dtype, seed: int = 0) -> nn.Sequential:
    network = build_network(int(np.prod(IMAGE_SHAPE)), activation, HIDDEN_LAYERS, WIDTH)
    generator = torch.Generator().manual_seed(seed)
    initialise_network(network, "kaiming_uniform" if activation == "relu" else "xavier_uniform", None, generator)
    # Non-zero biases, as after training, so that the bias enters the pre-activations.
    with torch.no_grad():
        for layer in linear_layers(network):
            layer.bias.uniform_(-0.1, 0.1, generator=generator)
    return network.to(dtype)


def make_data(samples: int, seed: int = 1) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    generator = torch.Generator().manual_seed(seed)
    images = torch.randint(0, 256, (samples, *IMAGE_SHAPE), dtype=torch.uint8, generator=generator)
    labels = torch.randint(0, 10, (samples,), generator=generator)
    order = torch.randperm(samples, generator=generator)
    return images, labels, order


def run_plain_loop(network: nn.Sequential, images, labels, order, dtype: torch.dtype) -> LoopResult:
    """Run the lab's loop over ``order`` in batches of 10 (the last one may be shorter)."""
    hidden = linear_layers(network)[:-1]
    activations = [module for module in network if not isinstance(module, (nn.Linear, nn.Flatten))]
    captured: dict = {}
    hooks = [layer.register_forward_hook(lambda module, inputs, output, index=i: captured.__setitem__(("linear", index), (inputs[0], output))) for i, layer in enumerate(hidden)]
    hooks += [module.register_forward_hook(lambda module, inputs, output, index=i: captured.__setitem__(("activation", index), output)) for i, module in enumerate(activations)]

    per_batch: dict[str, list] = {"bias": [], "weight_sum": [], "weight_squares": [], "smallest": []}
    activation_sum = np.zeros(len(hidden))
    activation_squares = np.zeros(len(hidden))
    activation_zeros = np.zeros(len(hidden), dtype=np.int64)
    try:
        for start in range(0, len(order), BATCH_SIZE):
            indices = order[start : start + BATCH_SIZE]
            inputs = images[indices].to(dtype).div(255.0)
            loss = functional.cross_entropy(network(inputs), labels[indices])
            loss.backward()

            per_batch["bias"].append([layer.bias.grad.numpy().copy() for layer in hidden])
            per_batch["weight_sum"].append([layer.weight.grad.double().sum().item() for layer in hidden])
            per_batch["weight_squares"].append([layer.weight.grad.double().square().sum().item() for layer in hidden])
            smallest = np.inf
            for index, layer in enumerate(hidden):
                layer_input, output = (tensor.detach().double() for tensor in captured[("linear", index)])
                scale = layer_input.abs() @ layer.weight.detach().double().abs().T + layer.bias.detach().double().abs()
                smallest = min(smallest, float((output.abs() / scale).min()))
                activation = captured[("activation", index)].detach().double()
                activation_sum[index] += float(activation.sum())
                activation_squares[index] += float(activation.square().sum())
                activation_zeros[index] += int((activation == 0).sum())
            per_batch["smallest"].append(smallest)
            network.zero_grad(set_to_none=True)
    finally:
        for hook in hooks:
            hook.remove()

    return LoopResult(
        bias_gradients=np.stack(per_batch["bias"], axis=1),
        weight_gradient_sum=np.array(per_batch["weight_sum"]).T,
        weight_gradient_sum_squares=np.array(per_batch["weight_squares"]).T,
        activation_sum=activation_sum,
        activation_sum_squares=activation_squares,
        activation_zeros=activation_zeros,
        smallest_relative_preactivation=np.array(per_batch["smallest"]),
    )


@pytest.mark.parametrize("activation", ["tanh", "relu", "gelu", "selu"])
@pytest.mark.parametrize("chunk_batches", [1, 3, 4, None])
def test_bias_gradients_equal_loop_float64(activation, chunk_batches):
    # 95 samples: nine batches of 10 and a trailing partial batch of 5.
    images, labels, order = make_data(95)
    network = make_network(activation, torch.float64)
    reference = run_plain_loop(network, images, labels, order, torch.float64)

    measured = measure_bias_gradients(network, images, labels, order, BATCH_SIZE, chunk_batches, dtype=torch.float64)

    assert measured.bias_gradients.shape == (HIDDEN_LAYERS, 10, WIDTH)
    assert measured.batch_sizes.tolist() == [10] * 9 + [5]
    for layer in range(HIDDEN_LAYERS):
        expected = reference.bias_gradients[layer]
        largest = np.abs(expected).max()
        assert largest > 0
        assert np.abs(measured.bias_gradients[layer] - expected).max() <= 1e-10 * largest, f"layer {layer + 1}"


@pytest.mark.parametrize("activation", ["tanh", "relu"])
def test_weight_gradient_summaries_equal_loop_float64(activation):
    images, labels, order = make_data(95)
    network = make_network(activation, torch.float64)
    reference = run_plain_loop(network, images, labels, order, torch.float64)

    measured = measure_bias_gradients(network, images, labels, order, BATCH_SIZE, chunk_batches=4, dtype=torch.float64)

    np.testing.assert_allclose(measured.weight_gradient_sum, reference.weight_gradient_sum, rtol=1e-9, atol=1e-10 * np.abs(reference.weight_gradient_sum).max())
    np.testing.assert_allclose(measured.weight_gradient_sum_squares, reference.weight_gradient_sum_squares, rtol=1e-9)
    layers = linear_layers(network)[:HIDDEN_LAYERS]
    assert measured.weight_counts.tolist() == [layer.weight.numel() for layer in layers]


@pytest.mark.parametrize("activation", ["tanh", "relu", "gelu"])
def test_activation_sums_equal_loop_float64(activation):
    images, labels, order = make_data(95)
    network = make_network(activation, torch.float64)
    reference = run_plain_loop(network, images, labels, order, torch.float64)

    measured = measure_bias_gradients(network, images, labels, order, BATCH_SIZE, chunk_batches=3, dtype=torch.float64)

    np.testing.assert_allclose(measured.activation_sum, reference.activation_sum, rtol=1e-10)
    np.testing.assert_allclose(measured.activation_sum_squares, reference.activation_sum_squares, rtol=1e-10)
    assert measured.activation_zeros.tolist() == reference.activation_zeros.tolist()
    assert measured.activation_count.tolist() == [95 * WIDTH] * HIDDEN_LAYERS
    if activation == "relu":
        assert reference.activation_zeros.min() > 0


@pytest.mark.parametrize("products", ["default", "pytorch"])
@pytest.mark.parametrize("activation", ["tanh", "relu"])
def test_bias_gradients_match_loop_float32(activation, products, monkeypatch):
    # "default" runs oneDNN's products where this machine has them; "pytorch" forces PyTorch's own, as on a GPU.
    if products == "pytorch":
        monkeypatch.setattr(matmul, "onednn_available", lambda: False)
    # 2,005 samples: 200 batches of 10 and one of 5, in chunks of 16 batches.
    images, labels, order = make_data(2005, seed=2)
    network = make_network(activation, torch.float32, seed=3)
    reference = run_plain_loop(network, images, labels, order, torch.float32)

    measured = measure_bias_gradients(network, images, labels, order, BATCH_SIZE, chunk_batches=16)

    expected, found = reference.bias_gradients, measured.bias_gradients
    assert found.dtype == np.float32
    largest = np.abs(expected).max(axis=(1, 2), keepdims=True)
    same_zeros = ((expected == 0) == (found == 0)).all(axis=(0, 2))
    close = (np.abs(found - expected) <= 5e-7 * largest).all(axis=(0, 2))
    differing = np.flatnonzero(~(same_zeros & close))

    # A batch may differ only when a pre-activation lies within rounding of zero, so
    # that the two summation orders can put it on different sides of the ReLU's kink.
    assert len(differing) <= 0.01 * len(close), f"batches {differing.tolist()} differ"
    if activation == "tanh":
        assert len(differing) == 0, f"batches {differing.tolist()} differ"
    for batch in differing:
        smallest = reference.smallest_relative_preactivation[batch]
        assert smallest <= 64 * FLOAT32_ROUNDOFF, f"batch {batch} differs, but its smallest relative pre-activation is {smallest:.2e}"
    if activation == "relu":
        assert (expected == 0).any()


def test_weight_gradient_summaries_match_loop_float32():
    images, labels, order = make_data(405, seed=4)
    network = make_network("tanh", torch.float32, seed=5)
    reference = run_plain_loop(network, images, labels, order, torch.float32)

    measured = measure_bias_gradients(network, images, labels, order, BATCH_SIZE, chunk_batches=8)

    np.testing.assert_allclose(measured.weight_gradient_sum, reference.weight_gradient_sum, rtol=1e-4, atol=1e-5 * np.abs(reference.weight_gradient_sum).max())
    np.testing.assert_allclose(measured.weight_gradient_sum_squares, reference.weight_gradient_sum_squares, rtol=1e-4)


def test_unequal_hidden_widths_raise():
    images, labels, order = make_data(20)
    network = nn.Sequential(nn.Flatten(), nn.Linear(48, 20), nn.Tanh(), nn.Linear(20, 7), nn.Tanh(), nn.Linear(7, 10))

    with pytest.raises(ValueError, match=r"same width, not \[20, 7\]"):
        measure_bias_gradients(network, images, labels, order, BATCH_SIZE)


def test_parameters_require_grad_afterwards():
    images, labels, order = make_data(30)
    network = make_network("tanh", torch.float32)
    network[-1].bias.requires_grad_(False)

    measure_bias_gradients(network, images, labels, order, BATCH_SIZE, chunk_batches=2)

    flags = [parameter.requires_grad for parameter in network.parameters()]
    assert flags == [True] * (len(flags) - 1) + [False]
    assert all(parameter.grad is None for parameter in network.parameters())
