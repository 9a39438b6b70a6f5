import math

import numpy as np
import pytest

from initlab.statistics import kept_values, lab_histogram, spread_ratio, spread_statistics


def test_histogram_percent_of_kept_values():
    values = np.array([0.0, 0.0, 1.0, 2.0, 3.0, 4.0, 0.0, -1.0])
    kept = kept_values(values)
    percent, edges = lab_histogram(kept, bins=5)
    assert kept.size == 5
    assert percent.sum() == pytest.approx(100.0)
    assert edges[0] == -1.0
    assert edges[-1] == 4.0
    assert len(edges) == 6


def test_zeros_and_non_finite_are_dropped():
    values = np.array([[0.0, np.nan, 1.0], [np.inf, 0.0, -2.0]])
    assert sorted(kept_values(values).tolist()) == [-2.0, 1.0]


def test_histogram_matches_numpy_over_own_range():
    rng = np.random.default_rng(0)
    values = rng.normal(size=10_000)
    percent, edges = lab_histogram(values)
    counts, reference_edges = np.histogram(values, bins=100)
    assert np.allclose(edges, reference_edges)
    assert np.allclose(percent, counts / 100.0)


def test_spread_statistics_zero_fraction_and_std():
    values = np.array([0.0, 0.0, 1.0, -1.0])
    summary = spread_statistics(values)
    assert summary["zero_fraction"] == 0.5
    assert summary["kept"] == 2
    assert summary["std"] == pytest.approx(1.0)
    assert summary["mean_abs"] == pytest.approx(1.0)


def test_spread_statistics_without_kept_values():
    summary = spread_statistics(np.zeros(10))
    assert summary["zero_fraction"] == 1.0
    assert math.isnan(summary["std"])


def test_spread_ratio_last_over_first():
    assert spread_ratio([0.5, 1.0, 2.0]) == pytest.approx(4.0)
    assert math.isnan(spread_ratio([0.0, 1.0]))
