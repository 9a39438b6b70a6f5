"""Every random stream of the study, derived from the run's seed in this one place.

Each purpose (initialisation, training order, gradient order) gets its own
generator, so changing the number of epochs never changes the initial weights,
and two activations with the same initialisation and seed start from the same
weight draws.
"""

import numpy as np
import torch

# Stable ids: changing one changes every result for that purpose.
PURPOSES = {"initialisation": 1, "training_order": 2, "gradient_order": 3, "digits_split": 4, "synthetic": 5}


def derive_seed(seed: int, purpose: str) -> int:
    """Return a 63-bit seed for ``purpose``, derived from the run's ``seed`` by NumPy's SeedSequence."""
    state = np.random.SeedSequence([int(seed), PURPOSES[purpose]]).generate_state(2, dtype=np.uint32)
    return int((int(state[0]) << 31) ^ int(state[1]))


def make_generator(seed: int, purpose: str, device: torch.device | str = "cpu") -> torch.Generator:
    """Return a torch generator on ``device`` seeded for ``purpose``."""
    generator = torch.Generator(device=device)
    generator.manual_seed(derive_seed(seed, purpose))
    return generator


def make_cpu_permutation(count: int, seed: int, purpose: str, round_index: int = 0) -> torch.Tensor:
    """Return a permutation of ``range(count)`` for one epoch or pass, the same on every device.

    Permutations are drawn on the CPU so that a GPU run visits the samples in the
    same order as a CPU run with the same seed.
    """
    generator = torch.Generator()
    generator.manual_seed(derive_seed(seed, purpose) + round_index)
    return torch.randperm(count, generator=generator)
