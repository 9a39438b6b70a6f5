"""Rule initialise: the cell's initial checkpoint."""

from initlab.runtime import run_job
from initlab.steps.network import initialise_checkpoint

run_job(
    initialise_checkpoint,
    snakemake.log[0],
    snakemake.config["language"],
    description_path=snakemake.input.description,
    activation=snakemake.wildcards.activation,
    initialisation=snakemake.wildcards.initialisation,
    scheme=snakemake.params.scheme,
    gain=snakemake.params.gain,
    seed=int(snakemake.wildcards.seed),
    network=snakemake.params.network,
    output=snakemake.output.checkpoint,
)
