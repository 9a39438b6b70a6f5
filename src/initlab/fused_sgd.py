"""One training step of plain SGD (no momentum, no weight decay), taken during the backward pass.

``torch.optim.SGD`` needs every weight gradient written to ``.grad``, then read
again with the weight and written back by ``step()``. Here each Linear layer's
backward first computes the gradient for the layer below with the old weight, then
forms the weight gradient and subtracts lr times it from the weight in place, so no
``.grad`` is ever stored. The update equals ``torch.optim.SGD``'s up to float
rounding, because the products and the bias gradient may sum in another order.

The products go through :mod:`initlab.matmul`. Where oneDNN computes them (float32
on x86-64 CPUs), a Tanh module right after a Linear layer runs inside the layer's
product, which saved PyTorch's separate tanh and bias passes: about 3 to 5 % of a
training step on the CPU of docs/benchmarks.md.
"""

import torch
from torch import nn
from torch.nn.utils import parametrize

from initlab import matmul
from initlab.model import ACTIVATIONS

# Modules besides Linear and Flatten that the step runs as they are: the study's activations, which have no parameters.
ELEMENTWISE_MODULES = tuple(ACTIVATIONS.values())


class _LinearWithSgdStep(torch.autograd.Function):
    """nn.Linear, optionally with tanh fused into its product. Its backward returns the input's gradient and updates the weight and bias in place."""

    @staticmethod
    def forward(ctx, inputs: torch.Tensor, weight: torch.Tensor, bias: torch.Tensor, learning_rate: float, fused_tanh: bool) -> torch.Tensor:
        outputs = matmul.linear_tanh(inputs, weight, bias) if fused_tanh else matmul.linear(inputs, weight, bias)
        ctx.save_for_backward(inputs, weight, bias, outputs if fused_tanh else None)
        ctx.learning_rate = learning_rate
        ctx.fused_tanh = fused_tanh
        return outputs

    @staticmethod
    def backward(ctx, grad_output: torch.Tensor):
        inputs, weight, bias, outputs = ctx.saved_tensors
        if ctx.fused_tanh:
            # The derivative kernel that autograd runs for nn.Tanh: grad * (1 - tanh^2).
            grad_output = torch.ops.aten.tanh_backward(grad_output, outputs)
        grad_output = grad_output.contiguous()
        # g @ W, with the old weight.
        grad_inputs = matmul.linear(grad_output, weight.t()) if ctx.needs_input_grad[0] else None
        # Like torch.optim.SGD, leave parameters that do not require grad unchanged.
        with torch.no_grad():
            if ctx.needs_input_grad[1]:
                # g^T @ a; oneDNN ran this 6 to 11 % faster on contiguous transposed copies than on transposed views.
                weight_gradient = matmul.linear(grad_output.t().contiguous(), inputs.t().contiguous())
                weight.add_(weight_gradient, alpha=-ctx.learning_rate)
            if ctx.needs_input_grad[2]:
                bias.add_(grad_output.sum(dim=0), alpha=-ctx.learning_rate)
        return grad_inputs, None, None, None, None


def _has_hooks(module: nn.Module) -> bool:
    return bool(module._forward_hooks or module._forward_pre_hooks or module._backward_hooks or module._backward_pre_hooks)


def _fuses_tanh(module: nn.Module | None, inputs: torch.Tensor) -> bool:
    """Return whether ``module``, the module after a Linear layer, is a Tanh that can run inside the layer's oneDNN product."""
    return type(module) is nn.Tanh and not _has_hooks(module) and matmul.uses_onednn(inputs)


def _check_plain_linear(layer: nn.Linear) -> None:
    """Raise ValueError when ``layer`` has something that the fused step would skip."""
    if layer.bias is None:
        raise ValueError("a Linear layer without bias cannot take the fused SGD step")
    if parametrize.is_parametrized(layer):
        raise ValueError("a Linear layer with parametrizations (such as weight_norm) cannot take the fused SGD step")
    if _has_hooks(layer):
        raise ValueError("hooks on nn.Linear layers do not run when SGD is fused into the backward pass")


def forward_with_sgd_step(network: nn.Sequential, inputs: torch.Tensor, learning_rate: float) -> torch.Tensor:
    """Return the logits of ``network`` for (batch, features) ``inputs``, so that backward() on a loss of them takes one SGD step.

    Only parameters that require grad are updated, and their ``.grad`` stays None.
    Flatten modules are skipped because the inputs are flat already. A Linear
    layer's own forward does not run, so ValueError is raised for a Linear layer
    without bias, with parametrizations, or with forward or backward hooks, and for
    any module other than Linear layers, Flatten and the study's activations.
    Activation modules run as themselves, hooks included, except a Tanh without
    hooks on the oneDNN path, which runs inside the preceding Linear layer's product.
    """
    if inputs.dim() != 2:
        raise ValueError(f"inputs must be a (batch, features) matrix, not of shape {tuple(inputs.shape)}")

    modules = list(network)
    hidden = inputs
    index = 0
    while index < len(modules):
        module = modules[index]
        if isinstance(module, nn.Linear):
            _check_plain_linear(module)
            following = modules[index + 1] if index + 1 < len(modules) else None
            fused_tanh = _fuses_tanh(following, hidden)
            hidden = _LinearWithSgdStep.apply(hidden, module.weight, module.bias, learning_rate, fused_tanh)
            index += 2 if fused_tanh else 1
            continue
        if isinstance(module, ELEMENTWISE_MODULES):
            hidden = module(hidden)
        elif not isinstance(module, nn.Flatten):
            raise ValueError(f"{type(module).__name__} cannot take the fused SGD step: only Linear layers, Flatten and the study's activations can")
        index += 1
    return hidden
