"""initlab: the weight-initialisation study of a deep-learning lab, as a reproducible workflow.

Modules are split by concern so that rules and tests import only what they use:
``model`` and ``initialisation`` build the network, ``data`` prepares the images,
``gradients`` and ``training`` run on the device, ``statistics``, ``plotting``,
``answers`` and ``report`` turn the results into the report.
"""

__version__ = "0.1.0"
