"""Per-layer statistics of the measured gradients and activations, and the lab's histogram.

The lab drops exact zeros before drawing its histogram (with ReLU many bias
gradients are exactly zero and would hide the rest). The spread statistics here
follow the histogram: they are computed over the kept (non-zero, finite) values,
and ``zero_fraction`` reports what was dropped.
"""

import math

import numpy as np

from initlab.measurement import GradientMeasurement

HISTOGRAM_BINS = 100


def kept_values(values: np.ndarray) -> np.ndarray:
    """Return the finite, non-zero entries of ``values`` as a flat array."""
    flat = np.asarray(values).ravel()
    return flat[np.isfinite(flat) & (flat != 0)]


def lab_histogram(values: np.ndarray, bins: int = HISTOGRAM_BINS) -> tuple[np.ndarray, np.ndarray]:
    """Return (percent per bin, bin edges): ``numpy.histogram`` over the values' own range, in percent of them.

    ``values`` must already be the kept values. With none, both arrays are empty.
    """
    if values.size == 0:
        return np.zeros(0), np.zeros(0)
    counts, edges = np.histogram(values, bins=bins)
    return counts * (100.0 / values.size), edges


def spread_statistics(layer_values: np.ndarray) -> dict:
    """Summarise one layer's bias gradients over all batches.

    Returns the number of values, the fractions of exact zeros and of NaN or
    infinite values, and over the kept values: standard deviation, mean absolute
    value, 5th and 95th percentiles, minimum and maximum.
    """
    flat = np.asarray(layer_values, dtype=np.float64).ravel()
    finite = np.isfinite(flat)
    kept = flat[finite & (flat != 0)]
    summary = {
        "count": int(flat.size),
        "kept": int(kept.size),
        "zero_fraction": float(np.mean(flat == 0)) if flat.size else math.nan,
        "non_finite_fraction": float(np.mean(~finite)) if flat.size else math.nan,
    }
    if kept.size == 0:
        return summary | {key: math.nan for key in ("std", "mean_abs", "p5", "p95", "min", "max")}
    p5, p95 = np.percentile(kept, [5, 95])
    return summary | {
        "std": float(kept.std()),
        "mean_abs": float(np.abs(kept).mean()),
        "p5": float(p5),
        "p95": float(p95),
        "min": float(kept.min()),
        "max": float(kept.max()),
    }


def activation_statistics(measurement: GradientMeasurement) -> list[dict]:
    """Return each hidden layer's post-activation mean, standard deviation and fraction of zeros."""
    rows = []
    for total, squares, zeros, count in zip(
        measurement.activation_sum, measurement.activation_sum_squares, measurement.activation_zeros, measurement.activation_count
    ):
        mean = total / count
        rows.append({"mean": float(mean), "std": float(math.sqrt(max(squares / count - mean**2, 0.0))), "zero_fraction": float(zeros / count)})
    return rows


def weight_gradient_statistics(measurement: GradientMeasurement) -> list[dict]:
    """Return each hidden layer's weight-gradient spread: the root mean square over batches of the entries' std.

    A batch's standard deviation over the entries of its weight gradient comes
    from the sum and the sum of squares of those entries.
    """
    rows = []
    for sums, squares, count in zip(measurement.weight_gradient_sum, measurement.weight_gradient_sum_squares, measurement.weight_counts):
        means = sums / count
        variances = np.maximum(squares / count - means**2, 0.0)
        finite = np.isfinite(variances)
        rows.append({"std": float(np.sqrt(variances[finite].mean())) if finite.any() else math.nan})
    return rows


def spread_ratio(layer_stds: list[float]) -> float:
    """Return std(layer nearest the output) / std(layer nearest the input); above 1 means gradients shrink towards the input."""
    first, last = layer_stds[0], layer_stds[-1]
    if not (math.isfinite(first) and math.isfinite(last)) or first == 0:
        return math.nan
    return last / first


def summarise_measurement(measurement: GradientMeasurement, bins: int = HISTOGRAM_BINS) -> dict:
    """Return every per-layer statistic and the lab's histogram of each layer, ready for JSON."""
    layers = []
    for index, layer_values in enumerate(measurement.bias_gradients, start=1):
        percent, edges = lab_histogram(kept_values(layer_values), bins)
        layers.append({"layer": index, **spread_statistics(layer_values), "histogram": {"percent": percent.tolist(), "edges": edges.tolist()}})

    activations = activation_statistics(measurement)
    weight_gradients = weight_gradient_statistics(measurement)
    for layer, activation, weight_gradient in zip(layers, activations, weight_gradients):
        layer["activation_mean"] = activation["mean"]
        layer["activation_std"] = activation["std"]
        layer["activation_zero_fraction"] = activation["zero_fraction"]
        layer["weight_gradient_std"] = weight_gradient["std"]

    return {
        "batches": int(measurement.bias_gradients.shape[1]),
        "samples_per_second": measurement.samples_per_second,
        "spread_ratio": spread_ratio([layer["std"] for layer in layers]),
        "layers": layers,
    }
