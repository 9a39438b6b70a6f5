"""initlab.matmul: oneDNN's products against PyTorch's, and the choice between them."""

import platform

import pytest
import torch
from torch.nn import functional

from initlab import matmul

# float32 machine epsilon, 2**-23: one unit in the last place of values in [1, 2).
FLOAT32_EPSILON = 2.0**-23

needs_onednn = pytest.mark.skipif(not matmul.onednn_available(), reason="this PyTorch build has no oneDNN products on this CPU")


def make_operands(rows: int, in_features: int, out_features: int, dtype: torch.dtype = torch.float32):
    generator = torch.Generator().manual_seed(0)
    inputs = torch.rand(rows, in_features, generator=generator, dtype=dtype) - 0.5
    weight = torch.randn(out_features, in_features, generator=generator, dtype=dtype) / in_features**0.5
    bias = torch.randn(out_features, generator=generator, dtype=dtype)
    return inputs, weight, bias


def test_onednn_used_on_x86_64():
    # A PyTorch upgrade that drops the operator would silently halve the speed of the pass on this machine.
    if platform.machine().lower() not in matmul.X86_64_MACHINES:
        pytest.skip(f"oneDNN products are for x86-64 CPUs, not {platform.machine()}")
    assert matmul.onednn_available()


@needs_onednn
@pytest.mark.parametrize("with_bias", [True, False])
def test_linear_matches_functional_linear(with_bias):
    inputs, weight, bias = make_operands(37, 300, 50)
    bias = bias if with_bias else None

    found = matmul.linear(inputs, weight, bias)
    expected = functional.linear(inputs.double(), weight.double(), None if bias is None else bias.double())

    assert found.dtype == torch.float32
    assert found.shape == (37, 50)
    # Each float32 sum of 300 products is within 300 eps of the sum of their absolute values, whatever its order.
    scale = inputs.double().abs() @ weight.double().abs().T + (0 if bias is None else bias.double().abs())
    assert ((found.double() - expected).abs() <= 300 * FLOAT32_EPSILON * scale).all()


@needs_onednn
def test_linear_accepts_transposed_weight():
    inputs, weight, _ = make_operands(20, 40, 30)
    delta = torch.randn(20, 30, generator=torch.Generator().manual_seed(1))

    found = matmul.linear(delta, weight.t())

    torch.testing.assert_close(found, delta @ weight, rtol=1e-5, atol=1e-5)


@needs_onednn
def test_packed_weight_gives_same_products():
    inputs, weight, bias = make_operands(64, 100, 30)
    packed = matmul.pack_weight(weight, rows=64)

    for rows in (64, 25, 2):
        assert torch.equal(matmul.linear(inputs[:rows], packed, bias), matmul.linear(inputs[:rows], weight, bias)), f"{rows} rows"


@needs_onednn
def test_linear_tanh_within_one_ulp():
    # Values across tanh's whole range: tiny, linear part, bend and saturation, both signs.
    values = torch.cat([torch.linspace(-12.0, 12.0, 200_001), torch.logspace(-30, 1, 20_001), -torch.logspace(-30, 1, 20_001)])
    identity = torch.eye(1)

    found = matmul.linear_tanh(values.view(-1, 1), identity).view(-1)
    exact = torch.tanh(values.double())

    relative_error = (found.double() - exact).abs() / exact.abs()
    assert relative_error.max() <= FLOAT32_EPSILON
    assert torch.equal(found.abs() <= 1, torch.ones_like(found, dtype=torch.bool))


@needs_onednn
def test_linear_tanh_keeps_nan_and_infinity():
    values = torch.tensor([[float("nan")], [float("inf")], [-float("inf")], [0.0]])

    found = matmul.linear_tanh(values, torch.eye(1)).view(-1)

    assert torch.isnan(found[0])
    assert found[1:].tolist() == [1.0, -1.0, 0.0]


def test_float64_uses_pytorch_products():
    inputs, weight, bias = make_operands(10, 20, 5, torch.float64)

    assert not matmul.uses_onednn(inputs)
    assert matmul.pack_weight(weight, rows=10) is weight
    assert torch.equal(matmul.linear(inputs, weight, bias), functional.linear(inputs, weight, bias))
    assert torch.equal(matmul.linear_tanh(inputs, weight, bias), torch.tanh(functional.linear(inputs, weight, bias)))
    assert matmul.describe_products(torch.device("cpu"), torch.float64) == "PyTorch's matmul"
    assert not matmul.runs_on_onednn(torch.device("cpu"), torch.float64)


def test_without_onednn_float32_uses_pytorch_products(monkeypatch):
    monkeypatch.setattr(matmul, "onednn_available", lambda: False)
    inputs, weight, bias = make_operands(10, 20, 5)

    assert not matmul.uses_onednn(inputs)
    assert matmul.pack_weight(weight, rows=10) is weight
    assert torch.equal(matmul.linear(inputs, weight, bias), functional.linear(inputs, weight, bias))
    assert torch.equal(matmul.linear(inputs, weight.t().t()), inputs @ weight.T)
    assert matmul.describe_products(torch.device("cpu"), torch.float32) == "PyTorch's matmul"
    assert not matmul.runs_on_onednn(torch.device("cpu"), torch.float32)
