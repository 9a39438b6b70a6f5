"""The lab's own way of measuring bias gradients and of training, kept as the benchmark's reference.

Nothing in the workflow imports this module. It reproduces the lab notebook's data
path: torchvision's CIFAR10 dataset with ``transform=ToTensor()``, which yields one
image at a time from a uint8 height x width x channels array, batched by a
DataLoader with a ``SubsetRandomSampler`` over the 80/20 split's training indices.
"""

import time

import numpy as np
import torch
from torch import nn
from torch.nn import functional
from torch.utils.data import DataLoader, Dataset, SubsetRandomSampler
from torchvision.datasets import CIFAR10
from torchvision.transforms import ToTensor

from initlab.model import linear_layers


class LabImages(Dataset):
    """Images stored as CIFAR10 stores them (uint8, N x 32 x 32 x 3), each read by torchvision's own ``CIFAR10.__getitem__``.

    That method turns the array into a PIL image and applies ``ToTensor``, which
    scales it to [0, 1] as float32 in channel-first order.
    """

    __getitem__ = CIFAR10.__getitem__

    def __init__(self, images_channel_first: np.ndarray, labels: np.ndarray) -> None:
        self.data = np.ascontiguousarray(images_channel_first.transpose(0, 2, 3, 1))
        self.targets = [int(label) for label in labels]
        self.transform = ToTensor()
        self.target_transform = None

    def __len__(self) -> int:
        return len(self.data)


def make_loader(dataset: LabImages, indices: np.ndarray, batch_size: int, seed: int) -> DataLoader:
    """Return the lab's shuffled loader over ``indices``: a SubsetRandomSampler and no worker processes (the DataLoader default)."""
    generator = torch.Generator()
    generator.manual_seed(seed)
    sampler = SubsetRandomSampler(indices.tolist(), generator=generator)
    return DataLoader(dataset, batch_size=batch_size, sampler=sampler)


def lab_gradient_pass(network: nn.Sequential, loader: DataLoader, device: torch.device, max_batches: int | None = None):
    """Run the lab's gradient loop; return (bias gradients, samples, seconds).

    For every batch: forward, mean cross-entropy, backward through the whole network
    (weight gradients included, as in the lab), then each hidden layer's
    ``bias.grad`` is copied to the host and the gradients are set to None. The
    last Linear layer (the classifier) is not recorded. The bias gradients have
    shape (layers, batches, width).

    The host copies go into one preallocated array. On the CPU, where ``.cpu()``
    copies nothing, appending each one to a Python list instead made the process
    grow to about 6 GiB in 400 batches of 10. The likely cause is glibc heap
    fragmentation by the small live buffers between the freed weight gradients.
    """
    hidden = linear_layers(network)[:-1]
    batches = len(loader) if max_batches is None else min(max_batches, len(loader))
    gradients = np.empty((len(hidden), batches, hidden[0].out_features), dtype=np.float32)
    samples = 0
    started = time.perf_counter()
    for batch_index, (inputs, targets) in enumerate(loader):
        if batch_index >= batches:
            break
        inputs, targets = inputs.to(device), targets.to(device)
        loss = functional.cross_entropy(network(inputs), targets)
        loss.backward()
        for layer_index, layer in enumerate(hidden):
            gradients[layer_index, batch_index] = layer.bias.grad.cpu().numpy()
        network.zero_grad(set_to_none=True)
        samples += len(targets)
    return gradients, samples, time.perf_counter() - started


def lab_training_epoch(
    network: nn.Module,
    loader: DataLoader,
    device: torch.device,
    learning_rate: float = 0.01,
    max_batches: int | None = None,
):
    """Train for one epoch as Poutyne's ``fit_generator`` does; return (loss, accuracy in percent, samples, seconds).

    Per batch: zero the gradients, forward, mean cross-entropy, backward, SGD
    step, then read the loss and the accuracy as Python floats (Poutyne does this
    for its running means, which waits for the device every batch). The epoch's
    values are the means weighted by batch size.
    """
    optimizer = torch.optim.SGD(network.parameters(), lr=learning_rate)
    network.train()
    loss_sum = 0.0
    accuracy_sum = 0.0
    samples = 0
    started = time.perf_counter()
    for batch_index, (inputs, targets) in enumerate(loader):
        if max_batches is not None and batch_index >= max_batches:
            break
        inputs, targets = inputs.to(device), targets.to(device)
        optimizer.zero_grad(set_to_none=True)
        logits = network(inputs)
        loss = functional.cross_entropy(logits, targets)
        loss.backward()
        optimizer.step()

        size = len(targets)
        loss_sum += float(loss.detach()) * size
        accuracy_sum += float((logits.argmax(dim=1) == targets).float().mean()) * 100.0 * size
        samples += size
    seconds = time.perf_counter() - started
    return loss_sum / samples, accuracy_sum / samples, samples, seconds
