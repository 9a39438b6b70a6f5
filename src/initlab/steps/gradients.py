"""Step of the measure_gradients rule: the per-batch bias gradients of one checkpoint."""

import logging

import torch

from initlab.allocator import keep_freed_memory
from initlab.atomic import atomic_path
from initlab.checkpoints import load_checkpoint
from initlab.data.prepared import load_prepared
from initlab.devices import describe_device, select_device, set_cpu_threads
from initlab.errors import DataError
from initlab.gradients import measure_bias_gradients
from initlab.seeding import make_cpu_permutation

logger = logging.getLogger(__name__)

# Each measurement draws its own batch order: the lab's loader reshuffles every pass.
PHASE_ROUNDS = {"before": 0, "after": 1}


def measure_gradients(
    images_path: str,
    checkpoint_path: str,
    phase: str,
    seed: int,
    batch_size: int,
    device: str,
    deterministic: bool,
    cpu_threads: int | None,
    output: str,
) -> None:
    """Measure the bias gradients of the checkpoint over the lab's training split and save them as .npz."""
    set_cpu_threads(cpu_threads)
    keep_freed_memory()
    target = select_device(device, deterministic)
    dataset = load_prepared(images_path)
    network, description = load_checkpoint(checkpoint_path, target)
    logger.info(
        "%s training: %s network with %s, seed %d, on %s",
        phase, description["activation"], description["initialisation"], seed, describe_device(target),
    )

    if len(dataset.train_indices) < batch_size:
        raise DataError("gradient_split_too_small", train=len(dataset.train_indices), batch_size=batch_size)

    train_split = torch.from_numpy(dataset.train_indices)
    images = torch.from_numpy(dataset.images)[train_split].to(target)
    labels = torch.from_numpy(dataset.labels)[train_split].to(target)
    order = make_cpu_permutation(len(train_split), seed, "gradient_order", PHASE_ROUNDS[phase])

    measurement = measure_bias_gradients(network, images, labels, order, batch_size)
    with atomic_path(output) as temporary:
        with open(temporary, "wb") as handle:
            measurement.save(handle)
