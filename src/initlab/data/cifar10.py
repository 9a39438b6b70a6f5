"""CIFAR-10 through torchvision: find a local copy, download it, verify it and read it into arrays.

File names, checksums and the download address below are those of
``torchvision.datasets.CIFAR10`` (a test checks that they agree). They are
written out here, and torchvision is imported only where it reads or downloads,
because the workflow imports this module every time it is parsed.
"""

import hashlib
import pickle
import socket
import tempfile
from pathlib import Path
from urllib.parse import urlparse

import numpy as np

from initlab.errors import DataError

FOLDER = "cifar-10-batches-py"
URL = "https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz"
ARCHIVE_MD5 = "c58f30108f718f92721af3b95e74349a"
# (file name, MD5 of the official file), training batches first.
OFFICIAL_FILES: list[tuple[str, str]] = [
    ("data_batch_1", "c99cafc152244af753f735de768cd75f"),
    ("data_batch_2", "d4bba439e000b95fd0a9bffe97cbabec"),
    ("data_batch_3", "54ebc095f3ab1f0389bbae665268c751"),
    ("data_batch_4", "634d18415352ddfa80567beed471001a"),
    ("data_batch_5", "482c414d41f54cd18b22e5b47cb7c3cb"),
    ("test_batch", "40351d587109b95175f43aff81a1287e"),
    ("batches.meta", "5ff9c542aee3614f3951f8cda6e48888"),
]
FILE_NAMES = [name for name, _ in OFFICIAL_FILES]
META_FILE = "batches.meta"
# Images are stored channel-first (channels, height, width), the layout of ToTensor,
# so that flattening gives the lab's input order.
IMAGE_SHAPE = (3, 32, 32)
PIXELS_PER_IMAGE = 3 * 32 * 32


def has_copy(root: Path) -> bool:
    """Return whether ``root`` contains a ``cifar-10-batches-py`` folder with at least one CIFAR-10 file."""
    folder = Path(root) / FOLDER
    return folder.is_dir() and any((folder / name).exists() for name in FILE_NAMES)


def server_reachable(timeout_seconds: float = 3.0) -> bool:
    """Return whether a TCP connection to the download server opens within ``timeout_seconds``.

    NOTE: the timeout bounds the connection only; a resolver that hangs can delay
    the result past it.
    """
    address = urlparse(URL)
    try:
        with socket.create_connection((address.hostname, address.port or 443), timeout=timeout_seconds):
            return True
    except OSError:
        return False


def download(root: Path) -> None:
    """Download and extract the official archive into ``root`` with torchvision, checking its MD5."""
    from torchvision.datasets import CIFAR10

    root = Path(root)
    try:
        root.mkdir(parents=True, exist_ok=True)
        # mkdir succeeds on an existing read-only folder, so try a real write before downloading.
        with tempfile.TemporaryFile(dir=root):
            pass
    except OSError as error:
        raise DataError("download_folder_not_writable", folder=root, error=error) from error
    try:
        CIFAR10(root=str(root), train=True, download=True)
    except (OSError, RuntimeError) as error:
        raise DataError("download_failed", url=CIFAR10.url, folder=root, error=error) from error


def md5_of(path: Path, chunk_bytes: int = 1 << 20) -> str:
    """Return the hexadecimal MD5 of the file at ``path``."""
    digest = hashlib.md5(usedforsecurity=False)
    with open(path, "rb") as handle:
        while chunk := handle.read(chunk_bytes):
            digest.update(chunk)
    return digest.hexdigest()


def check_files_present(root: Path) -> None:
    """Raise DataError naming the first CIFAR-10 file that is missing or unreadable."""
    folder = Path(root) / FOLDER
    for name in FILE_NAMES:
        path = folder / name
        if not path.is_file():
            raise DataError("cifar10_file_missing", file=path, folder=folder)
        try:
            with open(path, "rb"):
                pass
        except OSError as error:
            raise DataError("cifar10_file_unreadable", file=path, error=error) from error


def verify_checksums(root: Path) -> dict[str, str]:
    """Compare every file's MD5 with the official one and return {file name: MD5}.

    Raises DataError naming the file, the expected and the found checksum.
    """
    folder = Path(root) / FOLDER
    found_checksums = {}
    for name, expected in OFFICIAL_FILES:
        found = md5_of(folder / name)
        if found != expected:
            raise DataError("cifar10_checksum_mismatch", file=folder / name, expected=expected, found=found)
        found_checksums[name] = found
    return found_checksums


def _unpickle(path: Path):
    """Unpickle a CIFAR-10 file as torchvision does; raise DataError naming the file when that fails.

    A truncated or corrupt pickle can raise almost any exception type (EOFError,
    UnpicklingError, UnicodeDecodeError, KeyError, MemoryError, ...), so every
    Exception is turned into the same "unreadable" error.
    NOTE: unpickling runs code named in the file; read only copies from a source you trust.
    """
    try:
        with open(path, "rb") as handle:
            return pickle.load(handle, encoding="latin1")
    except OSError as error:
        raise DataError("cifar10_file_unreadable", file=path, error=error) from error
    except Exception as error:  # noqa: BLE001 - see the docstring
        raise DataError("cifar10_unreadable", file=path, error=f"{type(error).__name__}: {error}") from error


def check_meta_format(path: Path) -> None:
    """Unpickle batches.meta and check that it lists the ten class names under ``label_names``."""
    entry = _unpickle(path)
    names = entry.get("label_names") if isinstance(entry, dict) else None
    if not isinstance(names, list) or len(names) != 10:
        raise DataError("cifar10_bad_meta", file=path)


def check_batch_format(path: Path) -> int:
    """Unpickle one data batch, check its layout, and return its number of images.

    The layout is CIFAR-10's: a dict with ``data`` (N x 3072 uint8, channel-major)
    and ``labels`` (N integers in 0..9).
    """
    entry = _unpickle(path)
    if not isinstance(entry, dict):
        raise DataError("cifar10_bad_format", file=path, detail=f"type {type(entry).__name__}")
    if "data" not in entry or "labels" not in entry:
        raise DataError("cifar10_bad_format", file=path, detail=f"keys {sorted(map(str, entry))}")

    data = np.asarray(entry["data"])
    labels = np.asarray(entry["labels"])
    if data.ndim != 2 or data.shape[1] != PIXELS_PER_IMAGE or data.dtype != np.uint8:
        raise DataError("cifar10_bad_format", file=path, detail=f"data: shape {data.shape}, dtype {data.dtype}")
    if labels.shape != (data.shape[0],) or (labels.size and not np.issubdtype(labels.dtype, np.integer)):
        raise DataError("cifar10_bad_format", file=path, detail=f"labels: shape {labels.shape}, dtype {labels.dtype}; data: {data.shape[0]} images")
    if labels.size and (labels.min() < 0 or labels.max() > 9):
        raise DataError("cifar10_bad_format", file=path, detail=f"labels: {labels.min()} to {labels.max()}")
    return int(data.shape[0])


def read_arrays(root: Path, verified: bool) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Read (images, labels, test_images, test_labels) with torchvision; images are uint8 (N, 3, 32, 32).

    ``verified`` is whether :func:`verify_checksums` passed, in which case
    torchvision's own checked reader is used.
    """
    from torchvision.datasets import CIFAR10

    class UnverifiedCIFAR10(CIFAR10):
        """torchvision's reader with its MD5 checks turned off, for copies that are not the official files."""

        meta = {**CIFAR10.meta, "md5": None}

        def _check_integrity(self) -> bool:
            return True

    reader = CIFAR10 if verified else UnverifiedCIFAR10
    train = reader(root=str(root), train=True, download=False)
    test = reader(root=str(root), train=False, download=False)
    # torchvision keeps images as (N, height, width, channels); ToTensor would make them channel-first.
    return (
        np.ascontiguousarray(np.asarray(train.data, dtype=np.uint8).transpose(0, 3, 1, 2)),
        np.asarray(train.targets, dtype=np.int64),
        np.ascontiguousarray(np.asarray(test.data, dtype=np.uint8).transpose(0, 3, 1, 2)),
        np.asarray(test.targets, dtype=np.int64),
    )


def load_copy(root: Path, verify: bool) -> tuple[tuple[np.ndarray, ...], dict]:
    """Check and read the copy in ``root``; return the four arrays and a description for provenance.

    With ``verify``, a file whose MD5 differs from the official one is rejected.
    Without it, each batch's format is still checked before reading, so a corrupt
    file is named instead of failing deep inside the reader.
    """
    root = Path(root)
    check_files_present(root)

    checksums = verify_checksums(root) if verify else {name: md5_of(root / FOLDER / name) for name in FILE_NAMES}
    batch_sizes = {name: check_batch_format(root / FOLDER / name) for name in FILE_NAMES if name != META_FILE}
    check_meta_format(root / FOLDER / META_FILE)
    arrays = read_arrays(root, verified=verify)

    official = all(checksums[name] == md5 for name, md5 in OFFICIAL_FILES)
    description = {
        "source": str(root / FOLDER),
        "verified": bool(verify),
        "official_checksums": official,
        "file_md5": checksums,
        "images_per_file": batch_sizes,
    }
    return arrays, description
