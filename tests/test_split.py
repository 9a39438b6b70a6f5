import numpy as np

from initlab.data.split import lab_split


def test_split_equals_global_rng_shuffle():
    indices = np.arange(50_000)
    np.random.seed(42)
    np.random.shuffle(indices)
    train, validation = lab_split(50_000, 0.8, 42)
    assert np.array_equal(train, indices[:40_000])
    assert np.array_equal(validation, indices[40_000:])


def test_split_sizes_use_floor():
    train, validation = lab_split(1_437, 0.8, 42)
    assert len(train) == 1_149
    assert len(validation) == 288
    assert len(np.intersect1d(train, validation)) == 0
