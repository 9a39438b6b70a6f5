"""Small datasets in CIFAR-10's own on-disk layout (cifar-10-batches-py), written by the tests."""

import hashlib
import pickle
from pathlib import Path

import numpy as np

LABEL_NAMES = ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"]
TRAIN_FILES = [f"data_batch_{index}" for index in range(1, 6)]


def _write_batch(path: Path, images: np.ndarray, labels: np.ndarray, name: str) -> None:
    """Pickle one batch as CIFAR-10 does: row-major uint8 data of N x 3072, channel-major pixels."""
    entry = {
        "batch_label": name,
        "labels": labels.tolist(),
        "data": images.reshape(len(images), -1),
        "filenames": [f"image_{index}.png" for index in range(len(images))],
    }
    with open(path, "wb") as handle:
        pickle.dump(entry, handle, protocol=2)


def write_cifar10_copy(root: Path, images_per_batch: int = 20, test_images: int = 20, seed: int = 0) -> Path:
    """Write ``root/cifar-10-batches-py`` with five training batches, a test batch and batches.meta.

    Images are seeded random uint8 arrays of shape (3, 32, 32), labels cycle
    through the ten classes. Returns the cifar-10-batches-py folder.
    """
    folder = Path(root) / "cifar-10-batches-py"
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    for name in TRAIN_FILES:
        images = rng.integers(0, 256, size=(images_per_batch, 3, 32, 32), dtype=np.uint8)
        labels = rng.integers(0, 10, size=images_per_batch)
        _write_batch(folder / name, images, labels, name)
    images = rng.integers(0, 256, size=(test_images, 3, 32, 32), dtype=np.uint8)
    _write_batch(folder / "test_batch", images, rng.integers(0, 10, size=test_images), "test_batch")
    with open(folder / "batches.meta", "wb") as handle:
        pickle.dump({"label_names": LABEL_NAMES, "num_cases_per_batch": images_per_batch, "num_vis": 3072}, handle, protocol=2)
    return folder


def md5_of_files(folder: Path) -> dict[str, str]:
    """Return {file name: MD5} of every file in ``folder``."""
    return {path.name: hashlib.md5(path.read_bytes()).hexdigest() for path in sorted(Path(folder).iterdir())}
