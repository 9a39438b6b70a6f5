"""The lab's fully connected network: Flatten, then Linear layers with an activation between them."""

from torch import nn

from initlab.labels import CLASSES

# Activation modules by their config name. Leaky ReLU keeps PyTorch's default slope (0.01).
ACTIVATIONS: dict[str, type[nn.Module]] = {
    "tanh": nn.Tanh,
    "relu": nn.ReLU,
    "leaky_relu": nn.LeakyReLU,
    "elu": nn.ELU,
    "selu": nn.SELU,
    "gelu": nn.GELU,
    "sigmoid": nn.Sigmoid,
}


def build_network(in_features: int, activation: str, hidden_layers: int = 5, width: int = 1000) -> nn.Sequential:
    """Build Flatten, ``hidden_layers`` Linear layers of ``width`` units each followed by the activation, and a classifier.

    The lab's network is ``build_network(3072, "tanh" or "relu")``: 3072->1000, four
    times 1000->1000, then 1000->10, which is six Linear layers.
    """
    if activation not in ACTIVATIONS:
        raise ValueError(f"unknown activation {activation!r}; expected one of {sorted(ACTIVATIONS)}")

    modules: list[nn.Module] = [nn.Flatten()]
    fan_in = in_features
    for _ in range(hidden_layers):
        modules.append(nn.Linear(fan_in, width))
        modules.append(ACTIVATIONS[activation]())
        fan_in = width
    modules.append(nn.Linear(fan_in, CLASSES))
    return nn.Sequential(*modules)


def linear_layers(network: nn.Sequential) -> list[nn.Linear]:
    """Return the network's Linear layers from input to output."""
    return [module for module in network if isinstance(module, nn.Linear)]
