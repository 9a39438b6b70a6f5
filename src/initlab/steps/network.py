"""Steps of the network rules: write the initial checkpoint, train it."""

import csv
import json
import logging

import torch

from initlab.allocator import keep_freed_memory
from initlab.atomic import atomic_path
from initlab.checkpoints import load_checkpoint, save_checkpoint
from initlab.data.prepared import load_prepared
from initlab.devices import describe_device, select_device, set_cpu_threads
from initlab.initialisation import initialise_network, resolve_gain
from initlab.jsonio import write_json
from initlab.model import build_network
from initlab.seeding import make_generator
from initlab.training import evaluate, train

logger = logging.getLogger(__name__)

HISTORY_COLUMNS = ["epoch", "loss", "acc", "val_loss", "val_acc", "lr", "seconds"]


def initialise_checkpoint(
    description_path: str, activation: str, initialisation: str, scheme: str, gain, seed: int, network: dict, output: str
) -> None:
    """Build the network, initialise it from ``seed`` and save it as the cell's initial checkpoint."""
    with open(description_path, encoding="utf-8") as handle:
        in_features = json.load(handle)["in_features"]

    model = build_network(in_features, activation, network["hidden_layers"], network["width"])
    resolved_gain = resolve_gain(gain, activation)
    initialise_network(model, scheme, resolved_gain, make_generator(seed, "initialisation"))
    description = {
        "in_features": in_features,
        "activation": activation,
        "hidden_layers": network["hidden_layers"],
        "width": network["width"],
        "initialisation": initialisation,
        "scheme": scheme,
        "gain": resolved_gain,
        "seed": seed,
        "epochs_trained": 0,
    }
    save_checkpoint(output, model, description)
    logger.info("initialised %s network (%d inputs) with %s (gain %s), seed %d", activation, in_features, scheme, resolved_gain, seed)


def write_history(path: str, history: list[dict]) -> None:
    """Write the per-epoch history as CSV, one row per finished epoch."""
    with atomic_path(path) as temporary:
        with open(temporary, "w", newline="", encoding="utf-8") as handle:
            writer = csv.DictWriter(handle, fieldnames=HISTORY_COLUMNS)
            writer.writeheader()
            writer.writerows(history)


def train_network(
    images_path: str,
    checkpoint_path: str,
    training: dict,
    device: str,
    deterministic: bool,
    seed: int,
    cpu_threads: int | None,
    trained_checkpoint: str,
    history_path: str,
    test_path: str,
) -> None:
    """Train the initial checkpoint, evaluate it on the test split, and write checkpoint, history and test results.

    A training whose loss becomes NaN or infinite is stopped and recorded as
    diverged; its test results are null so that no ranking treats them as real.
    """
    set_cpu_threads(cpu_threads)
    keep_freed_memory()
    target = select_device(device, deterministic)
    dataset = load_prepared(images_path)
    network, description = load_checkpoint(checkpoint_path, target)
    logger.info("device: %s", describe_device(target))

    result = train(network, dataset, target, training["epochs"], training["batch_size"], training["learning_rate"], seed)

    test = {
        "epochs_completed": len(result.history),
        "diverged_epoch": result.diverged_epoch,
        "device": describe_device(target),
        "samples_per_second": result.samples_per_second,
        "test_loss": None,
        "test_acc": None,
    }
    if result.diverged_epoch is None:
        network.eval()
        test_loss, test_acc = evaluate(
            network, torch.from_numpy(dataset.test_images).to(target), torch.from_numpy(dataset.test_labels).to(target)
        )
        test |= {"test_loss": test_loss, "test_acc": test_acc}
        logger.info("test accuracy: %.2f %%, test loss %.4f", test_acc, test_loss)

    save_checkpoint(trained_checkpoint, network, description | {"epochs_trained": len(result.history), "diverged_epoch": result.diverged_epoch})
    write_history(history_path, result.history)
    write_json(test_path, test)
