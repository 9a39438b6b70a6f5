"""The benchmark's command line: its options, their checks, and the check of a prepared dataset file.

Every check runs before the benchmark starts, so a wrong value stops the run
with argparse's usage line and exit status 2 instead of a traceback minutes later.
"""

import argparse
import dataclasses
import math
import zipfile
from pathlib import Path

import numpy as np

from initlab.data.prepared import PreparedDataset
from study_run import REPOSITORY

DESCRIPTION = "Time the whole default study, then benchmark initlab's gradient pass and training against the lab's own loops."
PREPARED_CIFAR10 = REPOSITORY / "results/cifar10/data/prepared.npz"
# save_prepared writes each field of PreparedDataset as an array of the same name.
PREPARED_ARRAYS = tuple(field.name for field in dataclasses.fields(PreparedDataset))
# The workflow's schema accepts no fewer synthetic training images (synthetic.train_images).
MINIMUM_IMAGES = 20


def integer_at_least(minimum: int):
    """Return an argparse type function that accepts whole numbers of ``minimum`` or more."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            value = None
        if value is None or value < minimum:
            raise argparse.ArgumentTypeError(f"invalid value {text!r}: give a whole number of {minimum} or more")
        return value

    return parse


def non_negative_seconds(text: str) -> float:
    """Parse a finite number of seconds, 0 or more."""
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not math.isfinite(value) or value < 0:
        raise argparse.ArgumentTypeError(f"invalid value {text!r}: give a finite number of seconds, 0 or more (0 never waits)")
    return value


def fraction(text: str) -> float:
    """Parse a fraction greater than 0 and at most 1."""
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    # A NaN fails this comparison too.
    if not 0.0 < value <= 1.0:
        raise argparse.ArgumentTypeError(f"invalid value {text!r}: give a fraction greater than 0 and at most 1, such as 0.25")
    return value


def check_prepared(path: Path) -> None:
    """Raise ValueError, naming ``path`` and the problem, unless it is a prepared dataset that initlab's save_prepared wrote.

    Only the archive's member list and the images' .npy header are read, not the arrays.
    """
    if not path.exists():
        raise ValueError(f"{path}: file not found")
    if not path.is_file():
        raise ValueError(f"{path} is not a file")
    try:
        with zipfile.ZipFile(path) as archive:
            members = set(archive.namelist())
            missing = [name for name in PREPARED_ARRAYS if f"{name}.npy" not in members]
            if missing:
                raise ValueError(f"{path} is not a prepared initlab dataset: it lacks the arrays {', '.join(missing)}")
            with archive.open("images.npy") as handle:
                version = np.lib.format.read_magic(handle)
                if version == (1, 0):
                    shape, _, dtype = np.lib.format.read_array_header_1_0(handle)
                else:
                    shape, _, dtype = np.lib.format.read_array_header_2_0(handle)
    except zipfile.BadZipFile as error:
        raise ValueError(f"{path} is not a .npz archive ({error})") from error
    except OSError as error:
        raise ValueError(f"{path} cannot be read ({error})") from error

    if dtype != np.uint8 or len(shape) != 4:
        raise ValueError(
            f"{path} is not a prepared initlab dataset: its images are {dtype} with shape {shape}, "
            "expected uint8 with shape (images, channels, height, width)"
        )


def parse_arguments(argv: list[str] | None = None) -> argparse.Namespace:
    """Parse and check the command line, and fill the defaults that depend on ``--quick`` or on the files present.

    ``prepared`` becomes the prepared file to read, or None for synthetic images.
    """
    parser = argparse.ArgumentParser(description=DESCRIPTION)
    parser.add_argument("--quick", action="store_true", help="a quick check: 5,000 images, 2 rounds, and a study run on 2,000 images with 1 epoch")
    parser.add_argument("--skip-study", action="store_true", help="do not time the whole study with snakemake")
    parser.add_argument("--rounds", type=integer_at_least(1), default=None, help="measurement rounds; the table shows medians (default 3, 2 with --quick)")
    parser.add_argument(
        "--images",
        type=integer_at_least(MINIMUM_IMAGES),
        default=None,
        help=f"synthetic images before the 80/20 split, {MINIMUM_IMAGES} or more (default 50,000; 5,000 with --quick); "
        "ignored when a prepared file is read",
    )
    parser.add_argument(
        "--lab-gradient-fraction",
        type=fraction,
        default=1.0,
        help="fraction of the training split that the lab-style gradient pass runs in each round, in (0, 1] (default 1.0, the whole pass)",
    )
    parser.add_argument(
        "--idle-wait",
        type=non_negative_seconds,
        default=120.0,
        help="seconds to wait at most, before each measurement, for other processes to use under 15%% of the CPUs (default 120; 0 never waits)",
    )
    parser.add_argument("--activation", default="tanh", choices=["tanh", "relu"], help="activation of the benchmarked network (default tanh)")
    parser.add_argument("--prepared", type=Path, default=None, help=f"prepared .npz to read images from (default {PREPARED_CIFAR10} when it exists, else synthetic images)")
    parser.add_argument("--cores", type=integer_at_least(1), default=None, help="--cores given to snakemake for the study run (default: every CPU this process may use)")
    parser.add_argument("--study-dir", type=Path, default=None, help="folder for the study run, kept afterwards (default: a temporary folder, deleted)")
    arguments = parser.parse_args(argv)

    if arguments.rounds is None:
        arguments.rounds = 2 if arguments.quick else 3
    if arguments.images is None:
        arguments.images = 5_000 if arguments.quick else 50_000

    if arguments.prepared is not None:
        try:
            check_prepared(arguments.prepared)
        except ValueError as error:
            parser.error(
                f"--prepared {error}. Give a prepared.npz that the workflow wrote (results/<dataset>/data/prepared.npz), "
                "or leave --prepared out to use synthetic images"
            )
    elif PREPARED_CIFAR10.exists():
        try:
            check_prepared(PREPARED_CIFAR10)
        except ValueError as error:
            parser.error(f"the default prepared file {error}. Delete it so that the workflow's prepare_dataset rule writes it again, or give another file with --prepared")
        arguments.prepared = PREPARED_CIFAR10

    # run_study raises the same error, but only after the idle wait.
    if not arguments.skip_study and arguments.study_dir is not None:
        if arguments.study_dir.exists() and not arguments.study_dir.is_dir():
            parser.error(f"--study-dir {arguments.study_dir} is not a folder. Give a new or empty folder")
        if (arguments.study_dir / "results").exists():
            parser.error(f"--study-dir {arguments.study_dir} already contains results, which snakemake would not recompute. Give a new or empty folder")
    return arguments
