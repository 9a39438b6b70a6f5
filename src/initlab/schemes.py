"""Names of the initialisation schemes, free of torch imports because config validation needs them.

The lab's three schemes come first; the study's default grid uses exactly these.
"""

LAB_SCHEMES = ("standard", "xavier_uniform", "kaiming_uniform")
SCHEMES = LAB_SCHEMES + ("xavier_normal", "kaiming_normal", "lecun_normal", "orthogonal")
