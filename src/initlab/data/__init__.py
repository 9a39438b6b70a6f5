"""Datasets of the study: CIFAR-10 (the lab's), scikit-learn's digits (offline fallback) and seeded random images."""
