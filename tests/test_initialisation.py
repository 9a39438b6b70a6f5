import math

import pytest
import torch
from torch import nn

from initlab.initialisation import UnknownGainError, initialise_network, initialise_weight, recommended_gain, resolve_gain
from initlab.model import build_network, linear_layers
from initlab.schemes import LAB_SCHEMES, SCHEMES

FAN = 1000

# Theoretical variance of one weight for a square FAN x FAN layer with the scheme's default gain.
THEORETICAL_VARIANCE = {
    "standard": 1.0 / (3 * FAN),
    "xavier_uniform": 2.0 / (FAN + FAN),
    "xavier_normal": 2.0 / (FAN + FAN),
    "kaiming_uniform": 2.0 / FAN,
    "kaiming_normal": 2.0 / FAN,
    "lecun_normal": 1.0 / FAN,
    "orthogonal": 1.0 / FAN,
}


def draw(scheme: str, gain=None, shape=(FAN, FAN), seed: int = 0) -> torch.Tensor:
    weight = torch.empty(shape)
    initialise_weight(weight, scheme, gain, torch.Generator().manual_seed(seed))
    return weight


@pytest.mark.parametrize("scheme", SCHEMES)
def test_weight_variance_matches_theory(scheme):
    variance = draw(scheme).var().item()
    assert variance == pytest.approx(THEORETICAL_VARIANCE[scheme], rel=0.05)


@pytest.mark.parametrize("scheme", SCHEMES)
def test_gain_scales_standard_deviation(scheme):
    # A configured gain replaces the scheme's default gain: sqrt(2) for Kaiming, 1 otherwise.
    default_gain = math.sqrt(2) if scheme.startswith("kaiming") else 1.0
    base = draw(scheme).std().item()
    scaled = draw(scheme, gain=2.5).std().item()
    assert scaled / base == pytest.approx(2.5 / default_gain, rel=0.02)


def test_standard_bound_is_one_over_sqrt_fan_in():
    weight = draw("standard", shape=(1000, 3072))
    bound = 1 / math.sqrt(3072)
    assert weight.abs().max().item() <= bound
    assert weight.abs().max().item() > 0.99 * bound


def test_standard_matches_pytorch_linear_default():
    torch.manual_seed(0)
    layer = nn.Linear(3072, 1000)
    bound = 1 / math.sqrt(3072)
    assert layer.weight.abs().max().item() <= bound
    assert layer.weight.abs().max().item() > 0.99 * bound
    assert layer.weight.var().item() == pytest.approx(draw("standard", shape=(1000, 3072)).var().item(), rel=0.02)


def test_xavier_uniform_bound():
    weight = draw("xavier_uniform", shape=(1000, 3072))
    bound = math.sqrt(6 / (3072 + 1000))
    assert weight.abs().max().item() <= bound
    assert weight.abs().max().item() > 0.99 * bound


def test_kaiming_uniform_uses_gain_sqrt_two():
    weight = draw("kaiming_uniform", shape=(1000, 3072))
    bound = math.sqrt(2) * math.sqrt(3 / 3072)
    assert weight.abs().max().item() <= bound
    assert weight.abs().max().item() > 0.99 * bound


def test_kaiming_uniform_equals_torch_defaults():
    ours = draw("kaiming_uniform", shape=(50, 40), seed=3)
    reference = torch.empty(50, 40)
    nn.init.kaiming_uniform_(reference, a=0, mode="fan_in", nonlinearity="leaky_relu", generator=torch.Generator().manual_seed(3))
    assert torch.equal(ours, reference)


def test_xavier_uniform_equals_torch_defaults():
    ours = draw("xavier_uniform", shape=(50, 40), seed=3)
    reference = torch.empty(50, 40)
    nn.init.xavier_uniform_(reference, gain=1.0, generator=torch.Generator().manual_seed(3))
    assert torch.equal(ours, reference)


def test_recommended_gains():
    assert recommended_gain("tanh") == pytest.approx(5 / 3)
    assert recommended_gain("relu") == pytest.approx(math.sqrt(2))
    assert resolve_gain("recommended", "tanh") == pytest.approx(5 / 3)
    assert resolve_gain(None, "tanh") is None
    assert resolve_gain(2, "relu") == 2.0


def test_no_recommended_gain_for_gelu():
    with pytest.raises(UnknownGainError):
        recommended_gain("gelu")


@pytest.mark.parametrize("scheme", LAB_SCHEMES)
def test_every_bias_is_zero(scheme):
    network = build_network(12, "relu", hidden_layers=3, width=8)
    initialise_network(network, scheme, None, torch.Generator().manual_seed(0))
    for layer in linear_layers(network):
        assert torch.count_nonzero(layer.bias) == 0


def test_lab_network_layers():
    network = build_network(3072, "tanh")
    shapes = [(layer.in_features, layer.out_features) for layer in linear_layers(network)]
    assert shapes == [(3072, 1000), (1000, 1000), (1000, 1000), (1000, 1000), (1000, 1000), (1000, 10)]
    assert sum(isinstance(module, nn.Tanh) for module in network) == 5
    assert isinstance(network[0], nn.Flatten)
    assert isinstance(network[-1], nn.Linear)
