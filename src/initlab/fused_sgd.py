"""One training step of plain SGD (no momentum, no weight decay), taken during the backward pass.

``torch.optim.SGD`` needs every weight gradient written to ``.grad``, then read
again with the weight and written back by ``step()``. Here each Linear layer's
backward first computes the gradient for the layer below with the old weight, then
forms the weight gradient and subtracts lr times it from the weight in place, so no
``.grad`` is ever stored. The update equals ``torch.optim.SGD``'s up to float
rounding, because the products and the bias gradient sum in another order on
feature-major activations.

Activations run feature-major, as (features, batch) matrices, and the products go
through :mod:`initlab.matmul` (oneDNN for float32 on x86-64 CPUs). With batches of
128 on the 2-core AVX-512 CPU of docs/benchmarks.md, oneDNN computed the
3072->1000 layer's W @ a^T 7 % faster than nn.Linear's a @ W^T (445 against 415
GFLOP/s, ``make bench``), and in this layout the weight gradient's operands are
both contiguous.
"""

import torch
from torch import nn
from torch.nn.utils import parametrize

from initlab import matmul
from initlab.model import ACTIVATIONS

# Modules that act on each value alone, so that the feature-major layout cannot change their result.
ELEMENTWISE_MODULES = tuple(ACTIVATIONS.values())


class _LinearWithSgdStep(torch.autograd.Function):
    """nn.Linear on feature-major activations. Its backward returns the input's gradient and updates the weight and bias in place."""

    @staticmethod
    def forward(ctx, inputs: torch.Tensor, weight: torch.Tensor, bias: torch.Tensor, learning_rate: float) -> torch.Tensor:
        ctx.save_for_backward(inputs, weight, bias)
        ctx.learning_rate = learning_rate
        # W @ a, as linear(x, w) computes x @ w^T.
        return matmul.linear(weight, inputs.t()).add_(bias.unsqueeze(1))

    @staticmethod
    def backward(ctx, grad_output: torch.Tensor):
        inputs, weight, bias = ctx.saved_tensors
        grad_output = grad_output.contiguous()
        # (W^T g)^T = g^T W: with g^T as the product's input, oneDNN reads W's transpose without copying it.
        grad_inputs = matmul.linear(grad_output.t(), weight.t()).t() if ctx.needs_input_grad[0] else None
        # Like torch.optim.SGD, leave parameters that do not require grad unchanged.
        with torch.no_grad():
            if ctx.needs_input_grad[1]:
                weight_gradient = matmul.linear(grad_output, inputs)
                weight.add_(weight_gradient, alpha=-ctx.learning_rate)
            if ctx.needs_input_grad[2]:
                bias.add_(grad_output.sum(dim=1), alpha=-ctx.learning_rate)
        return grad_inputs, None, None, None


def _check_plain_linear(layer: nn.Linear) -> None:
    """Raise ValueError when ``layer`` has something that the fused step would skip."""
    if layer.bias is None:
        raise ValueError("a Linear layer without bias cannot take the fused SGD step")
    if parametrize.is_parametrized(layer):
        raise ValueError("a Linear layer with parametrizations (such as weight_norm) cannot take the fused SGD step")
    if layer._forward_hooks or layer._forward_pre_hooks or layer._backward_hooks or layer._backward_pre_hooks:
        raise ValueError("hooks on nn.Linear layers do not run when SGD is fused into the backward pass")


def forward_with_sgd_step(network: nn.Sequential, inputs: torch.Tensor, learning_rate: float) -> torch.Tensor:
    """Return the logits of ``network`` for (batch, features) ``inputs``, so that backward() on a loss of them takes one SGD step.

    Only parameters that require grad are updated, and their ``.grad`` stays None.
    Flatten modules are skipped because the inputs are flat already. A Linear
    layer's own forward does not run, so ValueError is raised for a Linear layer
    without bias, with parametrizations, or with forward or backward hooks, and for
    any module other than Linear layers, Flatten and elementwise activations.
    Hooks on the activation modules run, but see (features, batch) tensors.
    """
    if inputs.dim() != 2:
        raise ValueError(f"inputs must be a (batch, features) matrix, not of shape {tuple(inputs.shape)}")

    hidden = inputs.t()
    for module in network:
        if isinstance(module, nn.Linear):
            _check_plain_linear(module)
            hidden = _LinearWithSgdStep.apply(hidden, module.weight, module.bias, learning_rate)
        elif isinstance(module, ELEMENTWISE_MODULES):
            hidden = module(hidden)
        elif not isinstance(module, nn.Flatten):
            raise ValueError(f"{type(module).__name__} is not elementwise, so it cannot run on feature-major activations")
    return hidden.t()
