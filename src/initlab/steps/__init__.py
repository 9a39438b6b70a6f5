"""One function per workflow rule: read the rule's inputs, call the package, write its outputs.

The scripts in ``scripts/`` only pass ``snakemake.input``, ``params`` and
``output`` to these functions, so every step can be run and tested without Snakemake.
"""
