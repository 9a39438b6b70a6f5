"""scikit-learn's bundled handwritten digits: real 8x8 images that need no network."""

import numpy as np

# Fraction of the 1,797 digits held out as the test set, by a fixed seed.
TEST_FRACTION = 0.2
TEST_SPLIT_SEED = 2010


def load_digits_arrays() -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Return (images, labels, test_images, test_labels) with images as uint8 (N, 1, 8, 8).

    Pixel values 0..16 are scaled to 0..255 so that, like CIFAR-10, dividing by
    255 gives [0, 1]. The test set is a fixed seeded 20% of the images.
    """
    # Imported here: scikit-learn takes about 1 s to import, which every other dataset's preparation would pay.
    from sklearn.datasets import load_digits

    digits = load_digits()
    images = np.rint(digits.images * (255.0 / 16.0)).astype(np.uint8)[:, np.newaxis]
    labels = digits.target.astype(np.int64)

    order = np.random.RandomState(TEST_SPLIT_SEED).permutation(len(images))
    test_count = int(round(TEST_FRACTION * len(images)))
    test, train = order[:test_count], order[test_count:]
    return images[train], labels[train], images[test], labels[test]
