"""initlab.training.train against a plain loop that does what Poutyne's fit_generator does per batch."""

import copy
from pathlib import Path

import numpy as np
import pytest
import torch
from torch import nn
from torch.nn import functional

from initlab import matmul, training
from initlab.config import load_schema, validate_config
from initlab.data.prepared import PreparedDataset, split_training_set
from initlab.fused_sgd import forward_with_sgd_step
from initlab.model import build_network, linear_layers
from initlab.seeding import make_cpu_permutation
from initlab.training import evaluate, train

REPOSITORY = Path(__file__).resolve().parent.parent
IMAGE_SHAPE = (3, 4, 4)
CPU = torch.device("cpu")
# 80 training images in batches of 12: six full batches and one of 8.
BATCH_SIZE = 12


def make_dataset(samples: int = 100, seed: int = 0) -> PreparedDataset:
    rng = np.random.default_rng(seed)
    images = rng.integers(0, 256, size=(samples, *IMAGE_SHAPE), dtype=np.uint8)
    labels = rng.integers(0, 10, size=samples)
    return split_training_set("synthetic", images, labels, images[:10], labels[:10], 0.8, 42)


def make_network(activation: str = "tanh", seed: int = 0) -> nn.Sequential:
    torch.manual_seed(seed)
    return build_network(int(np.prod(IMAGE_SHAPE)), activation, hidden_layers=3, width=16)


def to_inputs(images: torch.Tensor) -> torch.Tensor:
    return images.float().div(255.0).flatten(1)


def run_poutyne_loop(network: nn.Module, dataset: PreparedDataset, epochs: int, learning_rate: float, seed: int) -> list[dict]:
    """Train as Poutyne's Model(network, 'sgd', 'cross_entropy', batch_metrics=['accuracy']) does, on initlab's batch order.

    Per batch: zero the gradients, forward, mean cross-entropy, backward, step, and
    read the loss and accuracy (percent) as floats. The epoch's values are their
    means weighted by batch size. Validation runs at each epoch's end.
    """
    optimizer = torch.optim.SGD(network.parameters(), lr=learning_rate)
    train_images = torch.from_numpy(dataset.images[dataset.train_indices])
    train_labels = torch.from_numpy(dataset.labels[dataset.train_indices])
    validation_images = torch.from_numpy(dataset.images[dataset.validation_indices])
    validation_labels = torch.from_numpy(dataset.labels[dataset.validation_indices])
    history = []
    for epoch in range(1, epochs + 1):
        order = make_cpu_permutation(len(train_images), seed, "training_order", epoch)
        network.train()
        loss_sum, accuracy_sum, seen = 0.0, 0.0, 0
        for start in range(0, len(order), BATCH_SIZE):
            indices = order[start : start + BATCH_SIZE]
            targets = train_labels[indices]
            optimizer.zero_grad()
            logits = network(to_inputs(train_images[indices]))
            loss = functional.cross_entropy(logits, targets)
            loss.backward()
            optimizer.step()
            loss_sum += float(loss.detach()) * len(indices)
            accuracy_sum += float((logits.argmax(dim=1) == targets).float().mean()) * 100.0 * len(indices)
            seen += len(indices)

        network.eval()
        with torch.no_grad():
            logits = network(to_inputs(validation_images))
            validation_loss = float(functional.cross_entropy(logits, validation_labels))
            validation_accuracy = 100.0 * float((logits.argmax(dim=1) == validation_labels).float().mean())
        history.append(
            {"epoch": epoch, "loss": loss_sum / seen, "acc": accuracy_sum / seen, "val_loss": validation_loss, "val_acc": validation_accuracy, "lr": learning_rate}
        )
    return history


@pytest.mark.parametrize("activation", ["tanh", "relu"])
def test_history_matches_poutyne_loop(activation):
    dataset = make_dataset()
    network = make_network(activation)
    reference_network = copy.deepcopy(network)

    result = train(network, dataset, CPU, epochs=3, batch_size=BATCH_SIZE, learning_rate=0.05, seed=7)
    expected = run_poutyne_loop(reference_network, dataset, epochs=3, learning_rate=0.05, seed=7)

    assert result.diverged_epoch is None
    assert len(result.history) == 3
    for found, reference in zip(result.history, expected):
        assert found["epoch"] == reference["epoch"]
        for key in ("loss", "acc", "val_loss", "val_acc", "lr"):
            assert found[key] == pytest.approx(reference[key], rel=1e-6, abs=1e-9), f"epoch {reference['epoch']} {key}"
        assert found["seconds"] > 0
    for trained, reference_parameter in zip(network.parameters(), reference_network.parameters()):
        torch.testing.assert_close(trained, reference_parameter)
    assert result.samples_per_second > 0


def test_default_learning_rate_is_poutyne_sgd():
    config = validate_config({}, load_schema(REPOSITORY / "workflow/schemas/config.schema.yaml"))
    assert config["training"]["learning_rate"] == 0.01
    assert config["training"]["batch_size"] == 128


@pytest.mark.parametrize("activation", ["tanh", "relu"])
@pytest.mark.parametrize("products", ["default", "pytorch"])
@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_fused_step_equals_torch_sgd(dtype, products, activation, monkeypatch):
    # "default" runs oneDNN's float32 products, with tanh fused, where this machine has them;
    # "pytorch" forces PyTorch's own, as on a GPU.
    if products == "pytorch":
        monkeypatch.setattr(matmul, "onednn_available", lambda: False)
    network = make_network(activation).to(dtype)
    reference = copy.deepcopy(network)
    generator = torch.Generator().manual_seed(4)
    inputs = torch.rand(BATCH_SIZE, int(np.prod(IMAGE_SHAPE)), generator=generator, dtype=dtype)
    labels = torch.randint(0, 10, (BATCH_SIZE,), generator=generator)

    functional.cross_entropy(forward_with_sgd_step(network, inputs, 0.05), labels).backward()
    optimizer = torch.optim.SGD(reference.parameters(), lr=0.05)
    functional.cross_entropy(reference(inputs), labels).backward()
    optimizer.step()

    # They differ in rounding only: the libraries and the summation order of the products and the bias gradient.
    tolerance = {torch.float32: 1e-6, torch.float64: 1e-14}[dtype]
    for fused, stepped, initial in zip(network.parameters(), reference.parameters(), make_network(activation).to(dtype).parameters()):
        assert not torch.equal(fused, initial)
        torch.testing.assert_close(fused, stepped, rtol=tolerance, atol=tolerance * float(initial.detach().abs().max()))
        assert fused.grad is None


def test_fused_step_skips_frozen_parameters():
    network = make_network()
    frozen = linear_layers(network)[1]
    frozen.weight.requires_grad_(False)
    frozen.bias.requires_grad_(False)
    before = copy.deepcopy(network)
    inputs = torch.rand(BATCH_SIZE, int(np.prod(IMAGE_SHAPE)), generator=torch.Generator().manual_seed(5))
    labels = torch.arange(BATCH_SIZE) % 10

    functional.cross_entropy(forward_with_sgd_step(network, inputs, 0.05), labels).backward()

    before_layers = linear_layers(before)
    assert torch.equal(frozen.weight, before_layers[1].weight)
    assert torch.equal(frozen.bias, before_layers[1].bias)
    assert not torch.equal(linear_layers(network)[0].weight, before_layers[0].weight)
    assert not torch.equal(linear_layers(network)[2].weight, before_layers[2].weight)


@pytest.mark.parametrize(
    "case, change, message",
    [
        ("forward hook", lambda layer: layer.register_forward_hook(lambda module, inputs, output: None), "hooks"),
        ("backward hook", lambda layer: layer.register_full_backward_hook(lambda module, grad_in, grad_out: None), "hooks"),
        ("weight norm", lambda layer: nn.utils.parametrizations.weight_norm(layer), "parametrizations"),
        ("no bias", lambda layer: setattr(layer, "bias", None), "without bias"),
    ],
)
def test_fused_step_rejects_special_linear(case, change, message):
    network = make_network()
    change(linear_layers(network)[1])

    with pytest.raises(ValueError, match=message):
        forward_with_sgd_step(network, torch.zeros(2, int(np.prod(IMAGE_SHAPE))), 0.01)


def test_fused_step_rejects_non_elementwise_module():
    network = nn.Sequential(nn.Linear(4, 3), nn.Softmax(dim=1), nn.Linear(3, 2))

    with pytest.raises(ValueError, match="Softmax cannot take the fused SGD step"):
        forward_with_sgd_step(network, torch.zeros(2, 4), 0.01)


def test_tanh_with_hook_runs_as_module():
    network = make_network("tanh")
    seen_shapes = []
    tanh = next(module for module in network if isinstance(module, nn.Tanh))
    tanh.register_forward_hook(lambda module, inputs, output: seen_shapes.append(tuple(output.shape)))

    forward_with_sgd_step(network, torch.zeros(3, int(np.prod(IMAGE_SHAPE))), 0.01)

    assert len(seen_shapes) == 1
    assert seen_shapes[0][0] == 3


def test_fused_step_rejects_image_shaped_inputs():
    with pytest.raises(ValueError, match=r"\(batch, features\)"):
        forward_with_sgd_step(make_network(), torch.zeros(2, *IMAGE_SHAPE), 0.01)


def test_training_keeps_learning_rate_in_history():
    result = train(make_network(), make_dataset(), CPU, epochs=1, batch_size=BATCH_SIZE, learning_rate=0.01, seed=0)

    assert result.history[0]["lr"] == 0.01


def test_accuracies_are_percent():
    dataset = make_dataset()
    result = train(make_network(), dataset, CPU, epochs=2, batch_size=BATCH_SIZE, learning_rate=0.01, seed=0)

    train_count = len(dataset.train_indices)
    validation_count = len(dataset.validation_indices)
    for epoch in result.history:
        assert 0.0 <= epoch["acc"] <= 100.0
        assert 0.0 <= epoch["val_acc"] <= 100.0
        # A percentage of whole samples: acc x count / 100 is an integer.
        assert epoch["acc"] * train_count / 100.0 == pytest.approx(round(epoch["acc"] * train_count / 100.0), abs=1e-6)
        assert epoch["val_acc"] * validation_count / 100.0 == pytest.approx(round(epoch["val_acc"] * validation_count / 100.0), abs=1e-6)


def test_evaluate_reports_percent():
    network = make_network()
    classifier = linear_layers(network)[-1]
    with torch.no_grad():
        classifier.weight.zero_()
        classifier.bias.zero_()
        classifier.bias[3] = 1.0
    images = torch.zeros((4, *IMAGE_SHAPE), dtype=torch.uint8)
    labels = torch.tensor([3, 3, 3, 5])

    loss, accuracy = evaluate(network, images, labels)

    assert accuracy == 75.0
    expected_loss = functional.cross_entropy(torch.tensor([[0.0, 0, 0, 1, 0, 0, 0, 0, 0, 0]] * 4), labels)
    assert loss == pytest.approx(float(expected_loss), rel=1e-6)


def plant_nan(network: nn.Sequential, after_training_batches: int):
    """Make the last activation output NaN from training batch ``after_training_batches`` + 1 on, and return the hook handle.

    The hook sits on an activation because training does not call the Linear layers' own forward.
    """
    calls = {"training": 0}

    def hook(module, inputs, output):
        if not module.training:
            return None
        calls["training"] += 1
        return output * float("nan") if calls["training"] > after_training_batches else None

    return network[-2].register_forward_hook(hook)


@pytest.mark.parametrize("check_interval", [2, training.DIVERGENCE_CHECK_INTERVAL])
def test_planted_nan_restores_last_finished_epoch(monkeypatch, check_interval):
    # check_interval 2 stops the epoch early; 50 exceeds the epoch's 7 batches, so the epoch's end detects it.
    monkeypatch.setattr(training, "DIVERGENCE_CHECK_INTERVAL", check_interval)
    dataset = make_dataset()
    network = make_network("relu")
    after_one_epoch = copy.deepcopy(network)
    train(after_one_epoch, dataset, CPU, epochs=1, batch_size=BATCH_SIZE, learning_rate=0.01, seed=3)

    # Epoch 1 has 7 batches; the NaN appears in the third batch of epoch 2.
    handle = plant_nan(network, after_training_batches=9)
    result = train(network, dataset, CPU, epochs=4, batch_size=BATCH_SIZE, learning_rate=0.01, seed=3)
    handle.remove()

    assert result.diverged_epoch == 2
    assert [epoch["epoch"] for epoch in result.history] == [1]
    for parameter in network.parameters():
        assert torch.isfinite(parameter).all()
    for restored, reference in zip(network.parameters(), after_one_epoch.parameters()):
        torch.testing.assert_close(restored, reference, rtol=0, atol=0)


def test_planted_nan_in_first_epoch_keeps_initial_weights():
    dataset = make_dataset()
    network = make_network("tanh")
    initial = copy.deepcopy(network.state_dict())

    handle = plant_nan(network, after_training_batches=0)
    result = train(network, dataset, CPU, epochs=2, batch_size=BATCH_SIZE, learning_rate=0.01, seed=0)
    handle.remove()

    assert result.diverged_epoch == 1
    assert result.history == []
    for name, tensor in network.state_dict().items():
        torch.testing.assert_close(tensor, initial[name], rtol=0, atol=0)


def test_training_logs_product_library(caplog):
    with caplog.at_level("INFO", logger="initlab.training"):
        train(make_network(), make_dataset(), CPU, epochs=1, batch_size=BATCH_SIZE, learning_rate=0.01, seed=0)

    expected = "oneDNN" if matmul.onednn_available() else "PyTorch's matmul"
    assert any(f"products by {expected}" in record.getMessage() for record in caplog.records)
