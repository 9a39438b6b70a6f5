"""The lab's 80/20 train/validation split of the training images."""

import math

import numpy as np


def lab_split(count: int, train_fraction: float = 0.8, seed: int = 42) -> tuple[np.ndarray, np.ndarray]:
    """Return (train_indices, validation_indices) exactly as the lab makes them.

    The lab shuffles ``np.arange(count)`` with NumPy's legacy global RNG right after
    ``np.random.seed(seed)`` and keeps the first floor(train_fraction * count)
    indices for training. ``RandomState(seed)`` draws the same sequence without
    touching the global RNG.
    """
    indices = np.arange(count)
    np.random.RandomState(seed).shuffle(indices)
    split = math.floor(train_fraction * count)
    return indices[:split], indices[split:]
