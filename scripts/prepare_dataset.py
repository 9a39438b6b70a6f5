"""Rule prepare_dataset: raw images to one array file with the lab's split."""

from initlab.runtime import run_job
from initlab.steps.data import prepare_dataset

run_job(
    prepare_dataset,
    snakemake.log[0],
    snakemake.config["language"],
    dataset=snakemake.wildcards.dataset,
    source_files=list(snakemake.input),
    verify_checksums=snakemake.params.verify_checksums,
    synthetic=snakemake.params.synthetic,
    split=snakemake.params.split,
    images_path=snakemake.output.images,
    description_path=snakemake.output.description,
)
