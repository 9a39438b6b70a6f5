"""Each activation's forward pass and derivative as the ATen kernels that autograd itself runs.

The gradient pass runs the network by hand into preallocated buffers, with no
autograd graph. Calling the kernels that autograd calls for each module keeps its
values bitwise equal to a backward pass through the module, in float32 and
float64; tests/test_activation_kernels.py checks that for every activation in
:data:`initlab.model.ACTIVATIONS`.
"""

import dataclasses
from collections.abc import Callable

import torch
from torch import nn

aten = torch.ops.aten

# SELU's alpha and scale: nn.SELU's output and gradient equal ELU's kernels with these constants, bit for bit.
SELU_ALPHA = 1.6732632423543772848170429916717
SELU_SCALE = 1.0507009873554804934193349852946


@dataclasses.dataclass(frozen=True)
class ActivationKernels:
    """An activation's forward kernel and derivative kernel, both writing into a given buffer.

    ``forward(pre_activation, out)`` writes the activation. ``backward(grad_output,
    pre_activation, activation, out)`` writes the gradient with respect to the
    pre-activation, and reads ``pre_activation`` only when ``needs_pre_activation``
    is true. Otherwise the forward kernel may overwrite the pre-activation with the
    activation (``out`` the input itself). ``out`` may also be ``grad_output``.
    ``zero_for_negative_inputs`` marks ReLU, whose output is exactly zero wherever its
    input is not positive, which is often a large share of the values. ``is_tanh``
    marks tanh, which oneDNN can compute inside the preceding matrix product
    (:func:`initlab.matmul.linear_tanh`).
    """

    forward: Callable[[torch.Tensor, torch.Tensor], torch.Tensor]
    backward: Callable[[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor], torch.Tensor]
    needs_pre_activation: bool
    zero_for_negative_inputs: bool = False
    is_tanh: bool = False


def _elu_kernels(alpha: float, scale: float) -> ActivationKernels:
    return ActivationKernels(
        forward=lambda pre, out: aten.elu.out(pre, alpha, scale, 1.0, out=out),
        backward=lambda grad, pre, act, out: aten.elu_backward.grad_input(grad, alpha, scale, 1.0, False, pre, grad_input=out),
        needs_pre_activation=True,
    )


def kernels_for(module: nn.Module) -> ActivationKernels:
    """Return the kernels of activation ``module``, or raise ValueError for a module with no entry here."""
    if type(module) is nn.Tanh:
        return ActivationKernels(
            forward=lambda pre, out: aten.tanh.out(pre, out=out),
            backward=lambda grad, pre, act, out: aten.tanh_backward.grad_input(grad, act, grad_input=out),
            needs_pre_activation=False,
            is_tanh=True,
        )
    if type(module) is nn.Sigmoid:
        return ActivationKernels(
            forward=lambda pre, out: aten.sigmoid.out(pre, out=out),
            backward=lambda grad, pre, act, out: aten.sigmoid_backward.grad_input(grad, act, grad_input=out),
            needs_pre_activation=False,
        )
    if type(module) is nn.ReLU:
        return ActivationKernels(
            forward=lambda pre, out: aten.relu.out(pre, out=out),
            backward=lambda grad, pre, act, out: aten.threshold_backward.grad_input(grad, act, 0, grad_input=out),
            needs_pre_activation=False,
            zero_for_negative_inputs=True,
        )
    if type(module) is nn.LeakyReLU:
        slope = module.negative_slope
        return ActivationKernels(
            forward=lambda pre, out: aten.leaky_relu.out(pre, slope, out=out),
            backward=lambda grad, pre, act, out: aten.leaky_relu_backward.grad_input(grad, pre, slope, False, grad_input=out),
            needs_pre_activation=True,
        )
    if type(module) is nn.GELU:
        approximate = module.approximate
        return ActivationKernels(
            forward=lambda pre, out: aten.gelu.out(pre, approximate=approximate, out=out),
            backward=lambda grad, pre, act, out: aten.gelu_backward.grad_input(grad, pre, approximate=approximate, grad_input=out),
            needs_pre_activation=True,
        )
    if type(module) is nn.ELU:
        return _elu_kernels(module.alpha, 1.0)
    if type(module) is nn.SELU:
        return _elu_kernels(SELU_ALPHA, SELU_SCALE)
    raise ValueError(f"no forward and derivative kernels for activation module {type(module).__name__}")
