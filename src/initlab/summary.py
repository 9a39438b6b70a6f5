"""Tables of the whole grid: per-layer gradient statistics and test accuracies, per seed and over seeds.

Over seeds, each number is given as mean, standard deviation (ddof=1; NaN with one
seed) and count. Diverged trainings are counted apart and left out of the
accuracy means, so no ranking treats them as real accuracies.
"""

import csv
import math

import numpy as np

from initlab.atomic import atomic_path
from initlab.jsonio import read_json

LAYER_FIELDS = ["std", "mean_abs", "p5", "p95", "zero_fraction", "non_finite_fraction", "kept", "activation_mean", "activation_std", "activation_zero_fraction", "weight_gradient_std"]
HISTORY_FIELDS = ["loss", "acc", "val_loss", "val_acc"]


def _number(value) -> float:
    """Return ``value`` as a float, with JSON null read as NaN."""
    return math.nan if value is None else float(value)


def mean_sd(values) -> dict:
    """Return {"mean", "sd", "n"} over the finite ``values``; sd uses ddof=1 and is NaN for fewer than two."""
    finite = np.array([value for value in map(_number, values) if math.isfinite(value)])
    if finite.size == 0:
        return {"mean": math.nan, "sd": math.nan, "n": 0}
    return {"mean": float(finite.mean()), "sd": float(finite.std(ddof=1)) if finite.size > 1 else math.nan, "n": int(finite.size)}


def read_history(path: str) -> list[dict]:
    """Read a history CSV into a list of per-epoch dicts of floats."""
    with open(path, newline="", encoding="utf-8") as handle:
        return [{key: float(value) for key, value in row.items()} for row in csv.DictReader(handle)]


def gradient_cells(cells: list[dict]) -> list[dict]:
    """Return one record per (activation, initialisation, seed, phase) with its per-layer statistics."""
    records = []
    for cell in cells:
        for phase, path in cell["statistics"].items():
            statistics = read_json(path)
            layers = [{"layer": layer["layer"], **{field: _number(layer.get(field)) for field in LAYER_FIELDS}} for layer in statistics["layers"]]
            records.append(
                {
                    "activation": cell["activation"],
                    "initialisation": cell["initialisation"],
                    "seed": cell["seed"],
                    "phase": phase,
                    "spread_ratio": _number(statistics["spread_ratio"]),
                    "layers": layers,
                }
            )
    return records


def aggregate_gradients(records: list[dict]) -> list[dict]:
    """Return, per (activation, initialisation, phase), every layer statistic and the spread ratio over seeds."""
    groups: dict[tuple, list[dict]] = {}
    for record in records:
        groups.setdefault((record["activation"], record["initialisation"], record["phase"]), []).append(record)

    aggregates = []
    for (activation, initialisation, phase), members in groups.items():
        layer_count = len(members[0]["layers"])
        layers = [
            {"layer": index + 1, **{field: mean_sd(member["layers"][index][field] for member in members) for field in LAYER_FIELDS}}
            for index in range(layer_count)
        ]
        aggregates.append(
            {
                "activation": activation,
                "initialisation": initialisation,
                "phase": phase,
                "seeds": len(members),
                "spread_ratio": mean_sd(member["spread_ratio"] for member in members),
                "layers": layers,
            }
        )
    return aggregates


def accuracy_cells(cells: list[dict]) -> list[dict]:
    """Return one record per training: test results, final validation results and the history."""
    records = []
    for cell in cells:
        test = read_json(cell["test"])
        history = read_history(cell["history"])
        last = history[-1] if history else {}
        records.append(
            {
                "activation": cell["activation"],
                "initialisation": cell["initialisation"],
                "scheme": cell["scheme"],
                "gain": cell["gain"],
                "seed": cell["seed"],
                "diverged_epoch": test["diverged_epoch"],
                "epochs_completed": test["epochs_completed"],
                "test_acc": _number(test["test_acc"]),
                "test_loss": _number(test["test_loss"]),
                "final_acc": _number(last.get("acc")),
                "final_val_acc": _number(last.get("val_acc")),
                "final_loss": _number(last.get("loss")),
                "final_val_loss": _number(last.get("val_loss")),
                "device": test.get("device"),
                "history": history,
            }
        )
    return records


def aggregate_accuracy(records: list[dict]) -> list[dict]:
    """Return, per (activation, initialisation), the test and final accuracies and the mean history over seeds.

    Diverged trainings only add to ``diverged``.
    """
    groups: dict[tuple, list[dict]] = {}
    for record in records:
        groups.setdefault((record["activation"], record["initialisation"]), []).append(record)

    aggregates = []
    for (activation, initialisation), members in groups.items():
        finished = [member for member in members if member["diverged_epoch"] is None]
        epochs = min((len(member["history"]) for member in finished), default=0)
        history = [
            {"epoch": epoch + 1, **{field: mean_sd(member["history"][epoch][field] for member in finished) for field in HISTORY_FIELDS}}
            for epoch in range(epochs)
        ]
        aggregates.append(
            {
                "activation": activation,
                "initialisation": initialisation,
                "seeds": len(members),
                "diverged": len(members) - len(finished),
                "diverged_epochs": [member["diverged_epoch"] for member in members if member["diverged_epoch"] is not None],
                "test_acc": mean_sd(member["test_acc"] for member in finished),
                "test_loss": mean_sd(member["test_loss"] for member in finished),
                "final_acc": mean_sd(member["final_acc"] for member in finished),
                "final_val_acc": mean_sd(member["final_val_acc"] for member in finished),
                "history": history,
            }
        )
    return aggregates


def write_gradient_csv(path: str, records: list[dict]) -> None:
    """Write one row per (activation, initialisation, seed, phase, layer)."""
    columns = ["activation", "initialisation", "seed", "phase", "layer", *LAYER_FIELDS, "spread_ratio"]
    with atomic_path(path) as temporary:
        with open(temporary, "w", newline="", encoding="utf-8") as handle:
            writer = csv.DictWriter(handle, fieldnames=columns)
            writer.writeheader()
            for record in records:
                for layer in record["layers"]:
                    writer.writerow({key: record[key] for key in ("activation", "initialisation", "seed", "phase", "spread_ratio")} | layer)


def write_accuracy_csv(path: str, records: list[dict]) -> None:
    """Write one row per training, without the per-epoch history."""
    columns = [key for key in records[0] if key != "history"] if records else []
    with atomic_path(path) as temporary:
        with open(temporary, "w", newline="", encoding="utf-8") as handle:
            writer = csv.DictWriter(handle, fieldnames=columns)
            writer.writeheader()
            for record in records:
                writer.writerow({key: record[key] for key in columns})
