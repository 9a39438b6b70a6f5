"""Bad CIFAR-10 input gives an error that names the file and the fix, and no prepared array file.

The copies are small files in CIFAR-10's own pickle layout (tests/cifar_files.py).
They are not the official files, so their checksums never match: a test that
needs a readable copy sets ``verify_checksums: false``, as a user with a
re-packed copy would.

Read-only folders: the tests run as root in CI containers, and root ignores
permission bits, so chmod alone proves nothing there. As root the command runs in
a private mount namespace (``unshare --mount``) in which the folder is
bind-mounted read-only onto itself, so writes fail with EROFS as on a read-only
share, and the mount disappears with the process. As another user, the folder's
write bits are removed for the test. Each helper first checks that a write into
the folder really fails, and skips the test when it cannot make it fail.
"""

import contextlib
import hashlib
import json
import os
import pickle
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from cifar_files import md5_of_files, write_cifar10_copy
from initlab.data import cifar10
from initlab.errors import DataError
from initlab.steps.data import prepare_dataset

DATASET_TARGET = "results/cifar10/data/dataset.json"
SPLIT = {"train_fraction": 0.8, "seed": 42}
# 5 training batches of 40 images: 160 for training, 40 for validation.
IMAGES_PER_BATCH = 40
TEST_IMAGES = 30


@contextlib.contextmanager
def read_only_command_prefix(folder: Path):
    """Yield a command prefix under which ``folder`` cannot be written, even by root."""
    folder = Path(folder).resolve()
    if os.geteuid() == 0:
        script = 'mount --bind "$1" "$1" && mount -o remount,bind,ro "$1" "$1" && shift && exec "$@"'
        prefix = ["unshare", "--mount", "--propagation", "private", "sh", "-c", script, "sh", str(folder)]
        yield _checked_prefix(prefix, folder)
        return

    modes = {path: path.stat().st_mode for path in [folder, *folder.rglob("*")]}
    try:
        for path, mode in modes.items():
            path.chmod(mode & ~(stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH))
        yield _checked_prefix([], folder)
    finally:
        for path, mode in modes.items():
            path.chmod(mode)


def _checked_prefix(prefix: list[str], folder: Path) -> list[str]:
    """Return ``prefix`` after checking that creating a file in ``folder`` fails under it; skip the test otherwise."""
    probe = folder / "write-probe"
    result = subprocess.run([*prefix, "sh", "-c", f'touch "{probe}"'], capture_output=True, text=True)
    if result.returncode == 0 or probe.exists():
        probe.unlink(missing_ok=True)
        pytest.skip(f"cannot make {folder} read-only here (status {result.returncode}: {result.stderr.strip()})")
    return prefix


def source_files(root: Path) -> list[str]:
    """Return the paths of the CIFAR-10 files under ``root``, as the prepare rule receives them."""
    return [str(root / cifar10.FOLDER / name) for name in cifar10.FILE_NAMES]


def prepare(root: Path, output: Path, verify: bool) -> None:
    """Run the prepare step on the copy in ``root``, writing into ``output``."""
    prepare_dataset(
        dataset="cifar10",
        source_files=source_files(root),
        verify_checksums=verify,
        synthetic={},
        split=SPLIT,
        images_path=str(output / "prepared.npz"),
        description_path=str(output / "dataset.json"),
    )


def truncate(path: Path) -> None:
    """Keep the first half of the file, as an interrupted copy would."""
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])


def corrupt(path: Path) -> None:
    """Overwrite bytes near the start of the pickle, where its structure is, with 0xFF."""
    data = bytearray(path.read_bytes())
    data[2:34] = b"\xff" * 32
    path.write_bytes(bytes(data))


def reshape_to_grey(path: Path) -> None:
    """Rewrite a batch with 1024 values per image (one channel) instead of 3072, keeping the pickle valid."""
    with open(path, "rb") as handle:
        entry = pickle.load(handle, encoding="latin1")
    entry["data"] = entry["data"][:, :1024].copy()
    with open(path, "wb") as handle:
        pickle.dump(entry, handle, protocol=2)


def assert_nothing_prepared(output: Path) -> None:
    """Assert that no prepared file, description or temporary file was written into ``output``."""
    written = sorted(path.name for path in output.iterdir()) if output.exists() else []
    assert written == []


# Files are checked in CIFAR-10's order, so the damaged file is data_batch_1: with verification
# on, every file of these copies differs from the official one, and the first is the one named.
DAMAGED_FILE = "data_batch_1"
# (case id, damage done to DAMAGED_FILE, verify_checksums, message key, words the English message must contain)
BAD_COPIES = [
    ("truncated, verified", truncate, True, "cifar10_checksum_mismatch", "The file is truncated, corrupt, or not from the official release"),
    ("corrupt, verified", corrupt, True, "cifar10_checksum_mismatch", "set verify_checksums: false to use this copy anyway"),
    ("truncated, not verified", truncate, False, "cifar10_unreadable", "pickle data was truncated"),
    ("corrupt, not verified", corrupt, False, "cifar10_unreadable", "is not a readable Python pickle"),
    ("one channel, not verified", reshape_to_grey, False, "cifar10_bad_format", "shape (40, 1024)"),
]


@pytest.mark.parametrize(("case", "damage", "verify", "key", "words"), BAD_COPIES, ids=[case[0] for case in BAD_COPIES])
def test_bad_file_named_with_fix(case, damage, verify, key, words, tmp_path):
    folder = write_cifar10_copy(tmp_path / "copy", IMAGES_PER_BATCH, TEST_IMAGES, seed=3)
    damage(folder / DAMAGED_FILE)
    output = tmp_path / "results"

    with pytest.raises(DataError) as raised:
        prepare(tmp_path / "copy", output, verify)

    assert raised.value.key == key
    english, french = raised.value.render("en"), raised.value.render("fr")
    assert str(folder / DAMAGED_FILE) in english
    assert str(folder / DAMAGED_FILE) in french
    assert words in english
    assert "Replace it with the file from the official archive" in english
    assert english != french
    assert_nothing_prepared(output)


def test_checksum_error_names_both_checksums(tmp_path):
    folder = write_cifar10_copy(tmp_path / "copy", IMAGES_PER_BATCH, TEST_IMAGES, seed=3)
    truncate(folder / DAMAGED_FILE)
    found = hashlib.md5((folder / DAMAGED_FILE).read_bytes()).hexdigest()
    with pytest.raises(DataError) as raised:
        prepare(tmp_path / "copy", tmp_path / "results", verify=True)

    english = raised.value.render("en")
    assert f"has MD5 {found}, but the official file has c99cafc152244af753f735de768cd75f" in english
    assert "truncated, corrupt, or not from the official release" in english
    assert "verify_checksums: false" in raised.value.render("fr")


def test_bad_meta_file_named(tmp_path):
    folder = write_cifar10_copy(tmp_path / "copy", IMAGES_PER_BATCH, TEST_IMAGES, seed=3)
    (folder / "batches.meta").write_bytes(b"not a pickle")
    with pytest.raises(DataError) as raised:
        prepare(tmp_path / "copy", tmp_path / "results", verify=False)
    assert raised.value.key == "cifar10_unreadable"
    assert str(folder / "batches.meta") in raised.value.render("en")
    assert_nothing_prepared(tmp_path / "results")


def test_labels_of_wrong_type_named(tmp_path):
    folder = write_cifar10_copy(tmp_path / "copy", IMAGES_PER_BATCH, TEST_IMAGES, seed=3)
    with open(folder / "test_batch", "rb") as handle:
        entry = pickle.load(handle, encoding="latin1")
    entry["labels"] = [str(label) for label in entry["labels"]]
    with open(folder / "test_batch", "wb") as handle:
        pickle.dump(entry, handle, protocol=2)

    with pytest.raises(DataError) as raised:
        prepare(tmp_path / "copy", tmp_path / "results", verify=False)
    assert raised.value.key == "cifar10_bad_format"
    assert str(folder / "test_batch") in raised.value.render("en")


def test_read_only_download_dir_is_explained(tmp_path):
    download_dir = tmp_path / "downloads"
    download_dir.mkdir()
    # The writability check comes before any network access, so no server is contacted.
    code = (
        "import sys\n"
        "from initlab.errors import DataError\n"
        "from initlab.steps.data import download_cifar10\n"
        "try:\n"
        "    download_cifar10(sys.argv[1])\n"
        "except DataError as error:\n"
        "    print(error.render('en'))\n"
        "    print(error.render('fr'))\n"
        "    sys.exit(1)\n"
    )
    with read_only_command_prefix(download_dir) as prefix:
        result = subprocess.run([*prefix, sys.executable, "-c", code, str(download_dir)], capture_output=True, text=True, timeout=120)

    assert result.returncode == 1, result.stderr
    english, french = result.stdout.splitlines()
    assert english.startswith(f"Cannot write the CIFAR-10 download into {download_dir} (")
    assert "Set download_dir to a writable folder, or set data_dir to an existing copy." in english
    assert french.startswith(f"Impossible d'écrire le téléchargement de CIFAR-10 dans {download_dir} (")
    assert list(download_dir.iterdir()) == []


# The real workflow: errors found when the workflow is parsed, and errors of the prepare job.


@pytest.mark.slow
def test_missing_data_dir_stops_before_jobs(tmp_path, run_workflow):
    missing = tmp_path / "no-such-folder"
    result = run_workflow(tmp_path / "work", {"dataset": "cifar10", "data_dir": str(missing)}, check=False)

    assert result.returncode != 0
    assert f"initlab: data_dir {missing} does not exist." in result.stderr
    assert "remove data_dir from the config to download CIFAR-10" in result.stderr
    assert not (tmp_path / "work" / "results").exists()


@pytest.mark.slow
def test_missing_file_stops_before_jobs(tmp_path, run_workflow):
    folder = write_cifar10_copy(tmp_path / "copy", IMAGES_PER_BATCH, TEST_IMAGES, seed=3)
    (folder / "test_batch").unlink()
    result = run_workflow(tmp_path / "work", {"dataset": "cifar10", "data_dir": str(tmp_path / "copy"), "language": "fr"}, check=False)

    assert result.returncode != 0
    assert f"initlab: Le fichier CIFAR-10 {folder / 'test_batch'} est absent." in result.stderr
    assert not (tmp_path / "work" / "results").exists()


@pytest.mark.slow
@pytest.mark.parametrize(
    ("damage", "verify", "language", "expected"),
    [
        (truncate, True, "en", "has MD5"),
        (None, True, "fr", "a la somme MD5"),
        (corrupt, False, "en", "is not a readable Python pickle"),
        (reshape_to_grey, False, "fr", "a une structure invalide"),
    ],
    ids=["truncated-verified", "unofficial-copy-verified", "corrupt-unverified", "one-channel-unverified"],
)
def test_prepare_job_rejects_bad_copy(damage, verify, language, expected, tmp_path, run_workflow):
    folder = write_cifar10_copy(tmp_path / "copy", IMAGES_PER_BATCH, TEST_IMAGES, seed=3)
    # Without damage only the checksums differ, as in a re-packed copy, which verification rejects.
    if damage is not None:
        damage(folder / DAMAGED_FILE)
    workdir = tmp_path / "work"

    result = run_workflow(
        workdir,
        {"dataset": "cifar10", "data_dir": str(tmp_path / "copy"), "verify_checksums": verify, "language": language},
        targets=[DATASET_TARGET],
        check=False,
    )

    assert result.returncode != 0
    assert f"{folder / DAMAGED_FILE} {expected}" in result.stderr
    assert "Error in rule prepare_dataset" in result.stderr
    assert_nothing_prepared(workdir / "results" / "cifar10" / "data")


@pytest.mark.slow
def test_read_only_copy_is_read_unverified(tmp_path, workflow_command):
    folder = write_cifar10_copy(tmp_path / "copy", IMAGES_PER_BATCH, TEST_IMAGES, seed=3)
    checksums = md5_of_files(folder)
    workdir = tmp_path / "work"
    workdir.mkdir()
    command = workflow_command(workdir, {"dataset": "cifar10", "data_dir": str(tmp_path / "copy"), "verify_checksums": False}, targets=[DATASET_TARGET])

    with read_only_command_prefix(tmp_path / "copy") as prefix:
        result = subprocess.run([*prefix, *command], capture_output=True, text=True, timeout=600)

    assert result.returncode == 0, result.stderr[-4000:]
    description = json.loads((workdir / DATASET_TARGET).read_text(encoding="utf-8"))
    assert description["verified"] is False
    assert description["official_checksums"] is False
    assert description["train_images"] == 4 * IMAGES_PER_BATCH
    assert description["validation_images"] == IMAGES_PER_BATCH
    assert description["test_images"] == TEST_IMAGES
    assert description["images_per_file"]["data_batch_5"] == IMAGES_PER_BATCH
    assert md5_of_files(folder) == checksums
    assert (workdir / "results" / "cifar10" / "data" / "prepared.npz").is_file()
