"""The hand-called activation kernels against autograd through the activation module itself."""

import pytest
import torch
from torch import nn

from initlab.activation_kernels import kernels_for
from initlab.model import ACTIVATIONS


def make_pre_activations(dtype: torch.dtype) -> torch.Tensor:
    generator = torch.Generator().manual_seed(0)
    values = torch.randn(64, 50, generator=generator, dtype=dtype) * 3
    # Exact zeros and tiny values of both signs sit on the kinks of ReLU-like functions.
    values[0, :4] = torch.tensor([0.0, -0.0, 1e-30, -1e-30], dtype=dtype)
    return values


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
@pytest.mark.parametrize("name", sorted(ACTIVATIONS))
def test_kernels_bitwise_equal_autograd(name, dtype):
    module = ACTIVATIONS[name]()
    pre = make_pre_activations(dtype).requires_grad_(True)
    grad_output = torch.randn(pre.shape, generator=torch.Generator().manual_seed(1), dtype=dtype)
    expected_activation = module(pre)
    (expected_gradient,) = torch.autograd.grad(expected_activation, pre, grad_output)

    kernels = kernels_for(module)
    pre = pre.detach()
    activation = kernels.forward(pre, torch.empty_like(pre))
    gradient = kernels.backward(grad_output, pre, activation, torch.empty_like(pre))

    assert torch.equal(activation, expected_activation.detach())
    assert torch.equal(gradient, expected_gradient)


@pytest.mark.parametrize("name", sorted(ACTIVATIONS))
def test_backward_writes_into_grad_output(name):
    kernels = kernels_for(ACTIVATIONS[name]())
    pre = make_pre_activations(torch.float32)
    activation = kernels.forward(pre, torch.empty_like(pre))
    grad_output = torch.randn(pre.shape, generator=torch.Generator().manual_seed(2))
    expected = kernels.backward(grad_output, pre, activation, torch.empty_like(pre))

    in_place = grad_output.clone()
    kernels.backward(in_place, pre, activation, in_place)

    assert torch.equal(in_place, expected)


@pytest.mark.parametrize("name", sorted(ACTIVATIONS))
def test_forward_in_place_when_allowed(name):
    module = ACTIVATIONS[name]()
    kernels = kernels_for(module)
    pre = make_pre_activations(torch.float32)
    expected = module(pre)

    in_place = pre.clone()
    kernels.forward(in_place, in_place)

    assert torch.equal(in_place, expected)
    assert kernels.needs_pre_activation == (name in {"leaky_relu", "elu", "selu", "gelu"})
    assert kernels.zero_for_negative_inputs == (name == "relu")


def test_kernels_follow_module_parameters():
    pre = make_pre_activations(torch.float64)
    for module in (nn.LeakyReLU(0.2), nn.ELU(alpha=0.5), nn.GELU(approximate="tanh")):
        activation = kernels_for(module).forward(pre, torch.empty_like(pre))
        assert torch.equal(activation, module(pre)), type(module).__name__


def test_unknown_module_raises():
    with pytest.raises(ValueError, match="Softplus"):
        kernels_for(nn.Softplus())
