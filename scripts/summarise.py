"""Rule summarise: tables of the whole grid."""

from initlab.runtime import run_job
from initlab.steps.summary import summarise

run_job(
    summarise,
    snakemake.log[0],
    snakemake.config["language"],
    cells=snakemake.params.cells,
    gradient_csv=snakemake.output.gradient_csv,
    gradient_json=snakemake.output.gradient_json,
    accuracy_csv=snakemake.output.accuracy_csv,
    accuracy_json=snakemake.output.accuracy_json,
)
