"""One training step of plain SGD (no momentum, no weight decay), taken during the backward pass.

``torch.optim.SGD`` needs every weight gradient written to ``.grad``, then read
again with the weight and written back by ``step()``. Here each Linear layer's
backward first computes the gradient for the layer below with the old weight, then
updates the weight in place with one ``addmm_`` (W <- W - lr * delta^T a), so no
weight gradient is ever stored. The update is the same as ``torch.optim.SGD``'s up
to float rounding, because the scaling by -lr happens inside the matrix product.

Activations run feature-major, as (features, batch) matrices, because with batches
of 128 on a 2-core AVX-512 CPU, PyTorch's CPU matrix product computed W @ a^T 8 %
faster than nn.Linear's a @ W^T (205 against 190 GFLOP/s for the 3072->1000 layer,
`make bench`, docs/benchmarks.md).
"""

import torch
from torch import nn

from initlab.model import ACTIVATIONS

# Modules that act on each value alone, so that the feature-major layout cannot change their result.
ELEMENTWISE_MODULES = tuple(ACTIVATIONS.values())


class _LinearWithSgdStep(torch.autograd.Function):
    """nn.Linear on feature-major activations; its backward returns the input's gradient and updates the weight and bias in place."""

    @staticmethod
    def forward(ctx, inputs: torch.Tensor, weight: torch.Tensor, bias: torch.Tensor, learning_rate: float) -> torch.Tensor:
        ctx.save_for_backward(inputs, weight, bias)
        ctx.learning_rate = learning_rate
        return torch.addmm(bias.unsqueeze(1), weight, inputs)

    @staticmethod
    def backward(ctx, grad_output: torch.Tensor):
        inputs, weight, bias = ctx.saved_tensors
        grad_inputs = weight.t().mm(grad_output) if ctx.needs_input_grad[0] else None
        with torch.no_grad():
            weight.addmm_(grad_output, inputs.t(), alpha=-ctx.learning_rate)
            bias.add_(grad_output.sum(dim=1), alpha=-ctx.learning_rate)
        return grad_inputs, None, None, None


def forward_with_sgd_step(network: nn.Sequential, inputs: torch.Tensor, learning_rate: float) -> torch.Tensor:
    """Return the logits of ``network`` for a (batch, features) ``inputs``; backward() on a loss of them takes one SGD step.

    The parameters must require grad, which is what makes autograd run each layer's
    backward. Their ``.grad`` stays None. Flatten modules are skipped because the
    inputs are flat already. A Linear layer's own forward and hooks do not run, and
    ValueError is raised when one has forward hooks, or when the network contains a
    module other than Linear layers, Flatten and elementwise activations.
    """
    if inputs.dim() != 2:
        raise ValueError(f"inputs must be a (batch, features) matrix, not of shape {tuple(inputs.shape)}")

    hidden = inputs.t()
    for module in network:
        if isinstance(module, nn.Linear):
            if module._forward_hooks or module._forward_pre_hooks:
                raise ValueError("forward hooks on nn.Linear layers do not run when SGD is fused into the backward pass")
            hidden = _LinearWithSgdStep.apply(hidden, module.weight, module.bias, learning_rate)
        elif isinstance(module, ELEMENTWISE_MODULES):
            hidden = module(hidden)
        elif not isinstance(module, nn.Flatten):
            raise ValueError(f"{type(module).__name__} is not elementwise, so it cannot run on feature-major activations")
    return hidden.t()
