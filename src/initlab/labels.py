"""The number of classes of every dataset in the study, free of torch imports so that the report's job can read it.

CIFAR-10, scikit-learn's digits and the synthetic images all have 10 classes.
"""

CLASSES = 10
