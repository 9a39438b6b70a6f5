"""Weight initialisation schemes, each with its formula and source; every bias is set to zero.

A scheme's gain is ``None`` (the scheme as PyTorch or the lab defines it), a number,
or ``"recommended"`` (``torch.nn.init.calculate_gain`` for the network's activation).
"""

import math

import torch
from torch import nn

from initlab.gains import GAIN_ARGUMENTS
from initlab.model import linear_layers
from initlab.schemes import SCHEMES


class UnknownGainError(ValueError):
    """Raised when ``gain: recommended`` is asked for an activation that PyTorch gives no gain."""


def recommended_gain(activation: str) -> float:
    """Return ``torch.nn.init.calculate_gain`` for ``activation``, such as 5/3 for tanh and sqrt(2) for ReLU."""
    if activation not in GAIN_ARGUMENTS:
        raise UnknownGainError(activation)
    nonlinearity, parameter = GAIN_ARGUMENTS[activation]
    return nn.init.calculate_gain(nonlinearity, parameter)


def resolve_gain(gain: float | str | None, activation: str) -> float | None:
    """Turn a configured gain into a number, or ``None`` for the scheme's own default."""
    if gain == "recommended":
        return recommended_gain(activation)
    return None if gain is None else float(gain)


def initialise_weight(weight: torch.Tensor, scheme: str, gain: float | None, generator: torch.Generator) -> None:
    """Fill one Linear layer's ``weight`` (shape fan_out x fan_in) in place by ``scheme``.

    Formulas, with g the gain:
    - standard: U(-g/sqrt(fan_in), g/sqrt(fan_in)), g=1 by default. With g=1 this is
      the bound of PyTorch's own ``nn.Linear`` default and the "commonly used
      heuristic" of Glorot and Bengio (2010), their equation 1.
    - xavier_uniform / xavier_normal: ``torch.nn.init.xavier_*_``, bound
      g*sqrt(6/(fan_in+fan_out)) or std g*sqrt(2/(fan_in+fan_out)), g=1 by default
      (Glorot and Bengio, 2010).
    - kaiming_uniform / kaiming_normal: ``torch.nn.init.kaiming_*_`` with PyTorch's
      defaults (a=0, mode fan_in, nonlinearity leaky_relu, so g=sqrt(2)), bound
      g*sqrt(3/fan_in) or std g/sqrt(fan_in) (He et al., 2015). A configured gain
      replaces sqrt(2).
    - lecun_normal: N(0, g^2/fan_in), g=1 by default (LeCun et al., 1998, "Efficient BackProp").
    - orthogonal: ``torch.nn.init.orthogonal_`` scaled by g, g=1 by default (Saxe et al., 2014).
    """
    fan_out, fan_in = weight.shape
    with torch.no_grad():
        if scheme == "standard":
            bound = (1.0 if gain is None else gain) / math.sqrt(fan_in)
            nn.init.uniform_(weight, -bound, bound, generator=generator)
        elif scheme == "xavier_uniform":
            nn.init.xavier_uniform_(weight, gain=1.0 if gain is None else gain, generator=generator)
        elif scheme == "xavier_normal":
            nn.init.xavier_normal_(weight, gain=1.0 if gain is None else gain, generator=generator)
        elif scheme == "kaiming_uniform" and gain is None:
            nn.init.kaiming_uniform_(weight, generator=generator)
        elif scheme == "kaiming_uniform":
            bound = gain * math.sqrt(3.0 / fan_in)
            nn.init.uniform_(weight, -bound, bound, generator=generator)
        elif scheme == "kaiming_normal" and gain is None:
            nn.init.kaiming_normal_(weight, generator=generator)
        elif scheme == "kaiming_normal":
            nn.init.normal_(weight, 0.0, gain / math.sqrt(fan_in), generator=generator)
        elif scheme == "lecun_normal":
            nn.init.normal_(weight, 0.0, (1.0 if gain is None else gain) / math.sqrt(fan_in), generator=generator)
        elif scheme == "orthogonal":
            nn.init.orthogonal_(weight, gain=1.0 if gain is None else gain, generator=generator)
        else:
            raise ValueError(f"unknown initialisation scheme {scheme!r}; expected one of {list(SCHEMES)}")


def initialise_network(network: nn.Sequential, scheme: str, gain: float | None, generator: torch.Generator) -> None:
    """Initialise every Linear weight of ``network`` by ``scheme`` and set every bias to zero."""
    for layer in linear_layers(network):
        initialise_weight(layer.weight, scheme, gain, generator)
        with torch.no_grad():
            layer.bias.zero_()
