"""Checkpoints: a network's weights with everything needed to rebuild it."""

from pathlib import Path

import torch
from torch import nn

from initlab.atomic import atomic_path
from initlab.model import build_network


def save_checkpoint(path: str | Path, network: nn.Sequential, description: dict) -> None:
    """Save the CPU weights of ``network`` and ``description`` to ``path`` atomically.

    ``description`` must contain ``in_features``, ``activation``, ``hidden_layers``
    and ``width``, which :func:`load_checkpoint` needs to rebuild the network.
    """
    state = {name: tensor.detach().cpu() for name, tensor in network.state_dict().items()}
    with atomic_path(path) as temporary:
        torch.save({"description": description, "state_dict": state}, temporary)


def load_checkpoint(path: str | Path, device: torch.device) -> tuple[nn.Sequential, dict]:
    """Rebuild the network saved at ``path`` on ``device``; return it with its description."""
    saved = torch.load(path, map_location="cpu", weights_only=True)
    description = saved["description"]
    network = build_network(
        description["in_features"], description["activation"], description["hidden_layers"], description["width"]
    )
    network.load_state_dict(saved["state_dict"])
    return network.to(device), description
