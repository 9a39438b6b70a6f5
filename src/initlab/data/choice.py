"""Dataset choice of a run and its reason, decided once when the workflow is parsed."""

import dataclasses
from pathlib import Path

from initlab.data import cifar10
from initlab.errors import DataError


@dataclasses.dataclass(frozen=True)
class DatasetChoice:
    """The dataset a run uses, where its files come from, and the reason as a message key.

    ``source`` is the folder that contains ``cifar-10-batches-py`` (CIFAR-10 only);
    ``download`` is whether the workflow must fetch it first. ``reason`` is a
    key of ``initlab.messages`` and ``reason_params`` fill it.
    """

    name: str
    reason: str
    reason_params: dict
    source: Path | None = None
    download: bool = False


def resolve_dataset(
    requested: str,
    data_dir: str | None,
    download_dir: str,
    prepared_cifar10: Path,
    probe_network=cifar10.server_reachable,
) -> DatasetChoice:
    """Decide the dataset for ``requested`` ("auto", "cifar10", "digits" or "synthetic").

    CIFAR-10 is looked for in ``data_dir`` (used as is, possibly read-only), then
    in ``download_dir`` (an earlier download). A copy in ``data_dir`` must be complete,
    because the workflow never writes there. With neither, "cifar10" needs the
    download server and "auto" falls back to the digits when the server cannot
    be reached. An existing ``prepared_cifar10`` file keeps "auto" on CIFAR-10
    without probing, so jobs re-parsing the workflow agree with the main process.
    """
    if requested in ("digits", "synthetic"):
        return DatasetChoice(requested, "dataset_requested", {"dataset": requested})

    if data_dir is not None:
        data_path = Path(data_dir)
        if data_path.exists() and not data_path.is_dir():
            raise DataError("data_dir_not_folder", data_dir=data_path)
        if not data_path.is_dir():
            raise DataError("data_dir_missing", data_dir=data_path)
        if data_path.name == cifar10.FOLDER:
            data_path = data_path.parent
        if not cifar10.has_copy(data_path):
            raise DataError("cifar10_not_in_data_dir", data_dir=data_path, folder=cifar10.FOLDER)
        cifar10.check_files_present(data_path)
        return DatasetChoice("cifar10", "cifar10_local_copy", {"folder": data_path / cifar10.FOLDER}, data_path)

    download_path = Path(download_dir)
    if cifar10.has_copy(download_path) or Path(prepared_cifar10).exists():
        return DatasetChoice("cifar10", "cifar10_local_copy", {"folder": download_path / cifar10.FOLDER}, download_path)

    if probe_network():
        return DatasetChoice("cifar10", "cifar10_download", {"url": cifar10.URL, "folder": download_path}, download_path, True)

    if requested == "cifar10":
        raise DataError("cifar10_unavailable", url=cifar10.URL, download_dir=download_path, folder=cifar10.FOLDER)
    return DatasetChoice("digits", "dataset_fallback_digits", {"url": cifar10.URL, "download_dir": download_path})
