"""Which dataset a run uses: a local copy, a download, or the digits when offline."""

import pytest

from cifar_files import write_cifar10_copy
from initlab.data.choice import resolve_dataset
from initlab.errors import DataError


def offline() -> bool:
    return False


def online() -> bool:
    return True


def unreachable_probe() -> bool:
    raise AssertionError("the network must not be probed")


def test_offline_auto_falls_back_to_digits(tmp_path):
    choice = resolve_dataset("auto", None, str(tmp_path / "downloads"), tmp_path / "prepared.npz", probe_network=offline)
    assert choice.name == "digits"
    assert choice.reason == "dataset_fallback_digits"


def test_offline_cifar10_is_an_error_with_the_fix(tmp_path):
    with pytest.raises(DataError) as raised:
        resolve_dataset("cifar10", None, str(tmp_path / "downloads"), tmp_path / "prepared.npz", probe_network=offline)
    assert raised.value.key == "cifar10_unavailable"
    assert "data_dir" in raised.value.render("en")
    assert "data_dir" in raised.value.render("fr")


def test_online_auto_downloads_cifar10(tmp_path):
    choice = resolve_dataset("auto", None, str(tmp_path / "downloads"), tmp_path / "prepared.npz", probe_network=online)
    assert choice.name == "cifar10"
    assert choice.download is True
    assert choice.source == tmp_path / "downloads"


def test_data_dir_copy_is_used_without_probe(tmp_path):
    write_cifar10_copy(tmp_path / "course")
    choice = resolve_dataset("auto", str(tmp_path / "course"), str(tmp_path / "downloads"), tmp_path / "prepared.npz", probe_network=unreachable_probe)
    assert choice.name == "cifar10"
    assert choice.source == tmp_path / "course"
    assert choice.download is False


def test_data_dir_may_name_the_batches_folder(tmp_path):
    folder = write_cifar10_copy(tmp_path / "course")
    choice = resolve_dataset("cifar10", str(folder), str(tmp_path / "downloads"), tmp_path / "prepared.npz", probe_network=unreachable_probe)
    assert choice.source == tmp_path / "course"


def test_earlier_download_is_reused_without_probe(tmp_path):
    write_cifar10_copy(tmp_path / "downloads")
    choice = resolve_dataset("auto", None, str(tmp_path / "downloads"), tmp_path / "prepared.npz", probe_network=unreachable_probe)
    assert choice.name == "cifar10"
    assert choice.download is False


@pytest.mark.parametrize("dataset", ["digits", "synthetic"])
def test_explicit_dataset_needs_no_probe(tmp_path, dataset):
    choice = resolve_dataset(dataset, None, str(tmp_path), tmp_path / "prepared.npz", probe_network=unreachable_probe)
    assert choice.name == dataset


def test_data_dir_that_is_a_file_is_named(tmp_path):
    archive = tmp_path / "cifar-10-python.tar.gz"
    archive.write_bytes(b"not extracted")
    with pytest.raises(DataError) as raised:
        resolve_dataset("auto", str(archive), str(tmp_path / "downloads"), tmp_path / "prepared.npz", probe_network=unreachable_probe)
    assert raised.value.key == "data_dir_not_folder"
    assert "extracted" in raised.value.render("en")
