# initlab: the weight-initialisation study, from raw images to the report.
# The recipe, step by step, is in workflow/rules/; the settings in config.yaml.

from snakemake.utils import min_version

min_version("9.0")


configfile: "config.yaml"


report: "report/workflow.rst"


include: "workflow/rules/common.smk"
include: "workflow/rules/data.smk"
include: "workflow/rules/network.smk"
include: "workflow/rules/gradients.smk"
include: "workflow/rules/figures.smk"
include: "workflow/rules/summary.smk"
include: "workflow/rules/report.smk"


rule all:
    default_target: True
    input:
        final_targets(),
