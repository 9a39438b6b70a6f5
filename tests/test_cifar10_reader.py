"""CIFAR-10 through torchvision, on small files in CIFAR-10's own layout."""

import hashlib
import http.server
import pickle
import tarfile
import threading
from pathlib import Path

import numpy as np
import pytest
from torchvision.datasets import CIFAR10

from cifar_files import md5_of_files, write_cifar10_copy
from initlab.data import cifar10
from initlab.errors import DataError


def test_reads_images_channel_first(tmp_path):
    folder = write_cifar10_copy(tmp_path, images_per_batch=8, test_images=6)
    (images, labels, test_images, test_labels), description = cifar10.load_copy(tmp_path, verify=False)

    assert images.shape == (40, 3, 32, 32)
    assert images.dtype == np.uint8
    assert test_images.shape == (6, 3, 32, 32)
    assert labels.shape == (40,)
    assert test_labels.shape == (6,)
    with open(folder / "data_batch_2", "rb") as handle:
        entry = pickle.load(handle, encoding="latin1")
    assert np.array_equal(images[8], entry["data"][0].reshape(3, 32, 32))
    assert labels[8] == entry["labels"][0]
    assert description["verified"] is False
    assert description["official_checksums"] is False
    assert description["images_per_file"]["data_batch_1"] == 8


def test_verification_names_file_and_checksums(tmp_path):
    folder = write_cifar10_copy(tmp_path)
    with pytest.raises(DataError) as raised:
        cifar10.load_copy(tmp_path, verify=True)
    message = raised.value.render("en")
    assert str(folder / "data_batch_1") in message
    assert "c99cafc152244af753f735de768cd75f" in message
    assert hashlib.md5((folder / "data_batch_1").read_bytes()).hexdigest() in message
    assert "verify_checksums: false" in message
    assert "verify_checksums: false" in raised.value.render("fr")


def test_has_copy(tmp_path):
    assert not cifar10.has_copy(tmp_path)
    write_cifar10_copy(tmp_path)
    assert cifar10.has_copy(tmp_path)


class _ArchiveHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *arguments):
        pass


def test_download_through_torchvision_from_loopback(tmp_path, monkeypatch):
    """The download code is torchvision's own; here it fetches a small archive from a loopback server."""
    source = tmp_path / "source"
    folder = write_cifar10_copy(source, images_per_batch=4, test_images=4)
    archive = tmp_path / "served" / "cifar-10-python.tar.gz"
    archive.parent.mkdir()
    with tarfile.open(archive, "w:gz") as tar:
        tar.add(folder, arcname=cifar10.FOLDER)
    checksums = md5_of_files(folder)

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), lambda *a, **k: _ArchiveHandler(*a, directory=str(archive.parent), **k))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        monkeypatch.setattr(CIFAR10, "url", f"http://127.0.0.1:{server.server_address[1]}/cifar-10-python.tar.gz")
        monkeypatch.setattr(CIFAR10, "tgz_md5", hashlib.md5(archive.read_bytes()).hexdigest())
        monkeypatch.setattr(CIFAR10, "train_list", [[name, checksums[name]] for name, _ in CIFAR10.train_list])
        monkeypatch.setattr(CIFAR10, "test_list", [["test_batch", checksums["test_batch"]]])
        monkeypatch.setattr(CIFAR10, "meta", {**CIFAR10.meta, "md5": checksums["batches.meta"]})
        cifar10.download(tmp_path / "downloaded")
    finally:
        server.shutdown()

    assert cifar10.has_copy(tmp_path / "downloaded")
    assert md5_of_files(tmp_path / "downloaded" / cifar10.FOLDER) == checksums


def test_download_failure_is_explained(tmp_path, monkeypatch):
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), lambda *a, **k: _ArchiveHandler(*a, directory=str(tmp_path), **k))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        monkeypatch.setattr(CIFAR10, "url", f"http://127.0.0.1:{server.server_address[1]}/missing.tar.gz")
        with pytest.raises(DataError) as raised:
            cifar10.download(tmp_path / "downloaded")
    finally:
        server.shutdown()
    assert raised.value.key == "download_failed"
    assert "missing.tar.gz" in raised.value.render("en")


def test_constants_agree_with_torchvision():
    expected = [*map(tuple, CIFAR10.train_list), *map(tuple, CIFAR10.test_list), (CIFAR10.meta["filename"], CIFAR10.meta["md5"])]
    assert cifar10.OFFICIAL_FILES == expected
    assert cifar10.URL == CIFAR10.url
    assert cifar10.ARCHIVE_MD5 == CIFAR10.tgz_md5
    assert cifar10.FOLDER == CIFAR10.base_folder
