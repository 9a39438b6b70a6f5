"""Seeded random images in CIFAR-10's shape, for benchmarks and tests when CIFAR-10 is absent."""

import numpy as np

from initlab.data.cifar10 import IMAGE_SHAPE
from initlab.labels import CLASSES


def make_synthetic_arrays(
    train_images: int, test_images: int, seed: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Return (images, labels, test_images, test_labels): uniform uint8 pixels, uniform labels."""
    rng = np.random.default_rng(seed)
    images = rng.integers(0, 256, size=(train_images, *IMAGE_SHAPE), dtype=np.uint8)
    labels = rng.integers(0, CLASSES, size=train_images, dtype=np.int64)
    test = rng.integers(0, 256, size=(test_images, *IMAGE_SHAPE), dtype=np.uint8)
    test_labels = rng.integers(0, CLASSES, size=test_images, dtype=np.int64)
    return images, labels, test, test_labels
