"""The prepared dataset: one uncompressed .npz that every later job loads in one read."""

import dataclasses
import hashlib
from pathlib import Path

import numpy as np

from initlab.atomic import atomic_path
from initlab.data.split import lab_split


@dataclasses.dataclass(frozen=True)
class PreparedDataset:
    """Images as uint8 arrays (N, channels, height, width) with int64 labels and the lab's split.

    The channel-first layout is ToTensor's, so flattening an image gives the lab's input order.

    ``images``/``labels`` hold the whole training set (50,000 for CIFAR-10);
    ``train_indices`` and ``validation_indices`` index into them.
    """

    name: str
    images: np.ndarray
    labels: np.ndarray
    train_indices: np.ndarray
    validation_indices: np.ndarray
    test_images: np.ndarray
    test_labels: np.ndarray

    @property
    def in_features(self) -> int:
        """Number of input values per image (3072 for CIFAR-10)."""
        return int(np.prod(self.images.shape[1:]))


def split_training_set(
    name: str,
    images: np.ndarray,
    labels: np.ndarray,
    test_images: np.ndarray,
    test_labels: np.ndarray,
    train_fraction: float,
    split_seed: int,
) -> PreparedDataset:
    """Assemble a PreparedDataset, making the lab's split of ``images``."""
    train_indices, validation_indices = lab_split(len(images), train_fraction, split_seed)
    return PreparedDataset(
        name=name,
        images=np.ascontiguousarray(images, dtype=np.uint8),
        labels=np.asarray(labels, dtype=np.int64),
        train_indices=train_indices.astype(np.int64),
        validation_indices=validation_indices.astype(np.int64),
        test_images=np.ascontiguousarray(test_images, dtype=np.uint8),
        test_labels=np.asarray(test_labels, dtype=np.int64),
    )


def save_prepared(dataset: PreparedDataset, path: str | Path) -> str:
    """Write ``dataset`` to ``path`` atomically and return the file's SHA-256."""
    with atomic_path(path) as temporary:
        with open(temporary, "wb") as handle:
            np.savez(
                handle,
                name=np.array(dataset.name),
                images=dataset.images,
                labels=dataset.labels,
                train_indices=dataset.train_indices,
                validation_indices=dataset.validation_indices,
                test_images=dataset.test_images,
                test_labels=dataset.test_labels,
            )
        digest = sha256_of(temporary)
    return digest


def load_prepared(path: str | Path) -> PreparedDataset:
    """Read a file written by :func:`save_prepared`."""
    with np.load(path, allow_pickle=False) as arrays:
        return PreparedDataset(
            name=str(arrays["name"]),
            images=arrays["images"],
            labels=arrays["labels"],
            train_indices=arrays["train_indices"],
            validation_indices=arrays["validation_indices"],
            test_images=arrays["test_images"],
            test_labels=arrays["test_labels"],
        )


def sha256_of(path: str | Path, chunk_bytes: int = 1 << 20) -> str:
    """Return the hexadecimal SHA-256 of the file at ``path``."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(chunk_bytes):
            digest.update(chunk)
    return digest.hexdigest()


