"""A training whose loss becomes NaN or infinite stops cleanly; the grid and the reports still complete.

The workflow tests read conftest's ``diverging_study``: the digits at a learning
rate of 10, where relu with kaiming_uniform diverges in epoch 1 and relu with
standard does not. This was checked on the CPU, where tanh networks stay finite
at that rate (their loss only grows). The unit tests train a small network
in-process.
"""

import csv
import json
import math

import numpy as np
import pytest
import torch

from initlab.data.prepared import split_training_set
from initlab.data.synthetic import make_synthetic_arrays
from initlab.model import build_network
from initlab.training import train

DIVERGED = "relu/kaiming_uniform/seed42"
FINISHED = "relu/standard/seed42"


def small_dataset():
    """Return 200 seeded random images of CIFAR-10's shape, split 80/20."""
    return split_training_set("synthetic", *make_synthetic_arrays(200, 20, seed=0), train_fraction=0.8, split_seed=42)


def test_nan_loss_stops_training_and_keeps_weights():
    torch.manual_seed(0)
    network = build_network(3072, "relu", hidden_layers=2, width=32)
    initial = {name: tensor.clone() for name, tensor in network.state_dict().items()}

    result = train(network, small_dataset(), torch.device("cpu"), epochs=3, batch_size=16, learning_rate=1e6, seed=0)

    assert result.diverged_epoch == 1
    assert result.history == []
    for name, tensor in network.state_dict().items():
        assert torch.equal(tensor, initial[name]), name


def test_finite_training_has_no_divergence():
    torch.manual_seed(0)
    network = build_network(3072, "relu", hidden_layers=2, width=32)

    result = train(network, small_dataset(), torch.device("cpu"), epochs=2, batch_size=16, learning_rate=0.01, seed=0)

    assert result.diverged_epoch is None
    assert [row["epoch"] for row in result.history] == [1, 2]
    assert all(math.isfinite(row["loss"]) and math.isfinite(row["val_loss"]) for row in result.history)


@pytest.mark.slow
def test_workflow_completes_around_divergence(diverging_study):
    results = diverging_study.workdir / "results" / "digits"

    diverged = json.loads((results / "training" / DIVERGED / "test.json").read_text(encoding="utf-8"))
    assert diverged["diverged_epoch"] == 1
    assert diverged["epochs_completed"] == 0
    assert diverged["test_acc"] is None
    finished = json.loads((results / "training" / FINISHED / "test.json").read_text(encoding="utf-8"))
    assert finished["diverged_epoch"] is None
    assert 0 <= finished["test_acc"] <= 100

    with open(results / "training" / DIVERGED / "history.csv", newline="", encoding="utf-8") as handle:
        assert list(csv.DictReader(handle)) == []
    train_log = (diverging_study.workdir / "logs" / "train" / "digits" / f"{DIVERGED}.log").read_text(encoding="utf-8")
    assert "loss became NaN or infinite in epoch 1 of 1" in train_log

    for language in ("en", "fr"):
        assert (results / f"report.{language}.html").stat().st_size > 0
        assert (results / "figures" / "curves" / f"{DIVERGED}.{language}.png").stat().st_size > 0


@pytest.mark.slow
def test_diverged_network_keeps_initial_weights(diverging_study):
    checkpoints = diverging_study.workdir / "results" / "digits" / "checkpoints" / DIVERGED
    initial = torch.load(checkpoints / "initial.pt", weights_only=True)
    trained = torch.load(checkpoints / "trained.pt", weights_only=True)

    assert trained["description"]["diverged_epoch"] == 1
    for name, tensor in initial["state_dict"].items():
        assert torch.equal(trained["state_dict"][name], tensor), name


@pytest.mark.slow
def test_summary_marks_diverged_cell(diverging_study):
    summary = diverging_study.workdir / "results" / "digits" / "summary"
    accuracy = json.loads((summary / "accuracy.json").read_text(encoding="utf-8"))
    aggregates = {entry["initialisation"]: entry for entry in accuracy["aggregate"]}

    assert aggregates["kaiming_uniform"]["diverged"] == 1
    assert aggregates["kaiming_uniform"]["diverged_epochs"] == [1]
    assert aggregates["kaiming_uniform"]["test_acc"]["n"] == 0
    assert aggregates["standard"]["diverged"] == 0
    assert aggregates["standard"]["test_acc"]["n"] == 1

    with open(summary / "accuracy.csv", newline="", encoding="utf-8") as handle:
        rows = {row["initialisation"]: row for row in csv.DictReader(handle)}
    assert rows["kaiming_uniform"]["diverged_epoch"] == "1"
    assert rows["standard"]["diverged_epoch"] == ""


@pytest.mark.slow
def test_gradients_measured_after_divergence(diverging_study):
    statistics = diverging_study.workdir / "results" / "digits" / "statistics" / DIVERGED
    for phase in ("before", "after"):
        layers = json.loads((statistics / f"{phase}.json").read_text(encoding="utf-8"))["layers"]
        assert len(layers) == 5
        assert all(layer["non_finite_fraction"] == 0 for layer in layers), phase
        assert all(np.isfinite(layer["std"]) for layer in layers), phase
