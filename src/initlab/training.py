"""Training the way the lab's Poutyne setup does, from arrays held in device memory.

Poutyne's optimizer string 'sgd' builds ``torch.optim.SGD`` with lr=0.01 and no
momentum (poutyne/framework/optimizers.py, Poutyne 1.19). The same update is taken
here inside the backward pass (:mod:`initlab.fused_sgd`), which stores no weight
gradients. Poutyne's epoch ``loss`` and ``acc`` are the
means of the per-batch values weighted by batch size. Each batch's values are
measured before its SGD step. ``val_loss`` and ``val_acc`` are computed at the
epoch's end. Accuracy is in percent.
"""

import copy
import dataclasses
import logging
import math
import time

import torch
from torch import nn
from torch.nn import functional

from initlab import matmul
from initlab.data.prepared import PreparedDataset
from initlab.devices import describe_device, synchronise
from initlab.fused_sgd import forward_with_sgd_step
from initlab.seeding import make_cpu_permutation

logger = logging.getLogger(__name__)

EVALUATION_BATCH_SIZE = 10_000
# Batches between two checks of the running loss for NaN or infinity; each check waits for the device.
DIVERGENCE_CHECK_INTERVAL = 50


@dataclasses.dataclass
class TrainingResult:
    """Per-epoch history and, when the loss became NaN or infinite, where that happened.

    On divergence the network has the weights from the end of the last finished
    epoch (the initial weights if it diverged in the first epoch).
    """

    history: list[dict]
    diverged_epoch: int | None = None
    samples_per_second: float = 0.0


def to_inputs(images: torch.Tensor, dtype: torch.dtype = torch.float32) -> torch.Tensor:
    """Scale uint8 images to [0, 1] as ToTensor does and flatten them (channel-first order)."""
    return images.to(dtype).div_(255.0).flatten(1)


@torch.no_grad()
def evaluate(network: nn.Module, images: torch.Tensor, labels: torch.Tensor, batch_size: int = EVALUATION_BATCH_SIZE) -> tuple[float, float]:
    """Return (mean cross-entropy, accuracy in percent) of ``network`` on device-resident arrays."""
    total_loss = torch.zeros((), dtype=torch.float64, device=images.device)
    correct = torch.zeros((), dtype=torch.int64, device=images.device)
    for start in range(0, len(images), batch_size):
        logits = network(to_inputs(images[start : start + batch_size]))
        batch_labels = labels[start : start + batch_size]
        total_loss += functional.cross_entropy(logits, batch_labels, reduction="sum").double()
        correct += (logits.argmax(dim=1) == batch_labels).sum()
    count = len(images)
    return float(total_loss) / count, 100.0 * float(correct) / count


def _train_epoch(network, learning_rate, images, labels, order, batch_size):
    """Run one epoch; return (loss, accuracy in percent, finished) with Poutyne's batch-size weighting.

    ``finished`` is False when the running loss became NaN or infinite, in which
    case the epoch stops early.
    """
    loss_sum = torch.zeros((), dtype=torch.float64, device=images.device)
    correct = torch.zeros((), dtype=torch.int64, device=images.device)
    seen = 0
    for batch_index, start in enumerate(range(0, len(order), batch_size), start=1):
        indices = order[start : start + batch_size]
        batch_labels = labels[indices]
        logits = forward_with_sgd_step(network, to_inputs(images[indices]), learning_rate)
        loss = functional.cross_entropy(logits, batch_labels)
        loss.backward()

        loss_sum += loss.detach().double() * len(indices)
        correct += (logits.detach().argmax(dim=1) == batch_labels).sum()
        seen += len(indices)
        if batch_index % DIVERGENCE_CHECK_INTERVAL == 0 and not math.isfinite(float(loss_sum)):
            return float("nan"), float("nan"), False

    epoch_loss = float(loss_sum) / seen
    return epoch_loss, 100.0 * float(correct) / seen, math.isfinite(epoch_loss)


def train(
    network: nn.Module,
    dataset: PreparedDataset,
    device: torch.device,
    epochs: int,
    batch_size: int,
    learning_rate: float,
    seed: int,
) -> TrainingResult:
    """Train ``network`` in place with plain SGD on the lab's training split; validate after each epoch.

    The epoch's batch order is a permutation drawn on the CPU from ``seed``, so the
    CPU and a GPU visit the same batches.
    """
    images = torch.from_numpy(dataset.images).to(device)
    labels = torch.from_numpy(dataset.labels).to(device)
    train_split = torch.from_numpy(dataset.train_indices).to(device)
    validation_split = torch.from_numpy(dataset.validation_indices).to(device)
    train_images, train_labels = images[train_split], labels[train_split]
    validation_images, validation_labels = images[validation_split], labels[validation_split]
    del images, labels

    history: list[dict] = []
    samples = 0
    training_seconds = 0.0
    logger.info(
        "training on %s: %d epochs of %d samples in batches of %d, SGD lr=%g, products by %s",
        describe_device(device), epochs, len(train_images), batch_size, learning_rate, matmul.describe_products(device, torch.float32),
    )
    for epoch in range(1, epochs + 1):
        last_finished_state = copy.deepcopy(network.state_dict())
        order = make_cpu_permutation(len(train_images), seed, "training_order", epoch).to(device)
        network.train()
        synchronise(device)
        started = time.perf_counter()
        loss, accuracy, finished = _train_epoch(network, learning_rate, train_images, train_labels, order, batch_size)
        synchronise(device)
        seconds = time.perf_counter() - started
        if not finished:
            network.load_state_dict(last_finished_state)
            logger.warning("loss became NaN or infinite in epoch %d of %d; training stopped, weights of epoch %d kept", epoch, epochs, epoch - 1)
            return TrainingResult(history, diverged_epoch=epoch, samples_per_second=samples / max(training_seconds, 1e-9))

        network.eval()
        validation_loss, validation_accuracy = evaluate(network, validation_images, validation_labels)
        samples += len(train_images)
        training_seconds += seconds
        history.append(
            {
                "epoch": epoch,
                "loss": loss,
                "acc": accuracy,
                "val_loss": validation_loss,
                "val_acc": validation_accuracy,
                "lr": learning_rate,
                "seconds": seconds,
            }
        )
        logger.info(
            "epoch %d of %d: loss %.4f, acc %.2f %%, val_loss %.4f, val_acc %.2f %%, %.1f s, %.0f samples/s",
            epoch, epochs, loss, accuracy, validation_loss, validation_accuracy, seconds, len(train_images) / seconds,
        )
        if not math.isfinite(validation_loss):
            logger.warning("validation loss is NaN or infinite after epoch %d of %d; training stopped", epoch, epochs)
            network.load_state_dict(last_finished_state)
            history.pop()
            return TrainingResult(history, diverged_epoch=epoch, samples_per_second=samples / max(training_seconds, 1e-9))
    return TrainingResult(history, samples_per_second=samples / max(training_seconds, 1e-9))
