"""Steps of the data rules: download CIFAR-10, prepare a dataset's array file."""

import logging
import math
from pathlib import Path

from initlab.data import cifar10
from initlab.data.digits import load_digits_arrays
from initlab.data.prepared import save_prepared, split_training_set
from initlab.data.synthetic import make_synthetic_arrays
from initlab.errors import DataError
from initlab.jsonio import write_json

logger = logging.getLogger(__name__)


def download_cifar10(root: str) -> None:
    """Download the official CIFAR-10 archive into ``root`` and extract it."""
    logger.info("downloading %s into %s", cifar10.URL, root)
    cifar10.download(Path(root))


def load_source_arrays(dataset: str, source: str | None, verify_checksums: bool, synthetic: dict) -> tuple[tuple, dict]:
    """Return the four arrays of ``dataset`` and a description of where they came from."""
    if dataset == "cifar10":
        return cifar10.load_copy(Path(source), verify=verify_checksums)
    # "verified" is None where no official checksums exist to verify against.
    if dataset == "digits":
        return load_digits_arrays(), {"source": "sklearn.datasets.load_digits", "verified": None}
    arrays = make_synthetic_arrays(synthetic["train_images"], synthetic["test_images"], synthetic["seed"])
    return arrays, {"source": f"uniform random pixels and labels, seed {synthetic['seed']}", "verified": None}


def prepare_dataset(
    dataset: str,
    source_files: list[str],
    verify_checksums: bool,
    synthetic: dict,
    split: dict,
    images_path: str,
    description_path: str,
) -> None:
    """Read the raw dataset, make the lab's split, and write the array file and its description.

    Nothing is written unless the data pass every check. ``source_files`` are the
    CIFAR-10 files (empty for the other datasets).
    """
    source = str(Path(source_files[0]).parent.parent) if source_files else None
    (images, labels, test_images, test_labels), description = load_source_arrays(dataset, source, verify_checksums, synthetic)

    prepared = split_training_set(dataset, images, labels, test_images, test_labels, split["train_fraction"], split["seed"])
    if len(prepared.train_indices) == 0 or len(prepared.validation_indices) == 0:
        raise DataError(
            "split_empty",
            count=len(images),
            fraction=split["train_fraction"],
            train=len(prepared.train_indices),
            validation=len(prepared.validation_indices),
        )

    checksum = save_prepared(prepared, images_path)
    description |= {
        "name": dataset,
        "sha256": checksum,
        "image_shape": list(prepared.images.shape[1:]),
        "in_features": prepared.in_features,
        "images": len(prepared.images),
        "train_images": len(prepared.train_indices),
        "validation_images": len(prepared.validation_indices),
        "test_images": len(prepared.test_images),
        "split": split,
    }
    write_json(description_path, description)
    logger.info(
        "prepared %s: %d train, %d validation, %d test images of shape %s, SHA-256 %s",
        dataset, len(prepared.train_indices), len(prepared.validation_indices), len(prepared.test_images),
        prepared.images.shape[1:], checksum,
    )
