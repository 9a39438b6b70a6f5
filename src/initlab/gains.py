"""Arguments of ``torch.nn.init.calculate_gain`` for each activation that has a recommended gain.

Kept free of torch imports because config validation, which runs every time the
workflow is parsed, needs to know which activations have one. PyTorch 2.x defines
no recommended gain for ELU or GELU, so those two are absent and need a numeric gain.
"""

GAIN_ARGUMENTS: dict[str, tuple[str, float | None]] = {
    "tanh": ("tanh", None),
    "relu": ("relu", None),
    "leaky_relu": ("leaky_relu", 0.01),
    "selu": ("selu", None),
    "sigmoid": ("sigmoid", None),
}
