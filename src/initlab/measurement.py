"""The result of one gradient measurement and its file format (NumPy only, no torch)."""

import dataclasses

import numpy as np


@dataclasses.dataclass
class GradientMeasurement:
    """Per-batch bias gradients of the hidden layers, with activation and weight-gradient summaries.

    ``bias_gradients`` has shape (layers, batches, width); exact zeros are kept.
    ``weight_gradient_sum`` and ``weight_gradient_sum_squares`` have shape
    (layers, batches); ``weight_counts`` gives each layer's number of weights.
    Activation sums run over every sample and unit of the pass, accumulated in float64
    from per-sample sums in the measurement's dtype.
    """

    bias_gradients: np.ndarray
    batch_sizes: np.ndarray
    activation_sum: np.ndarray
    activation_sum_squares: np.ndarray
    activation_zeros: np.ndarray
    activation_count: np.ndarray
    weight_gradient_sum: np.ndarray
    weight_gradient_sum_squares: np.ndarray
    weight_counts: np.ndarray
    samples_per_second: float

    def save(self, path) -> None:
        """Write every array to the open file or path ``path`` as an uncompressed .npz."""
        np.savez(path, **{field.name: np.asarray(getattr(self, field.name)) for field in dataclasses.fields(self)})


def load_measurement(path) -> GradientMeasurement:
    """Read a file written by :meth:`GradientMeasurement.save`."""
    with np.load(path, allow_pickle=False) as arrays:
        values = {field.name: arrays[field.name] for field in dataclasses.fields(GradientMeasurement)}
    values["samples_per_second"] = float(values["samples_per_second"])
    return GradientMeasurement(**values)
