# Figures, each drawn in English and in French: the lab's histograms, the same data on
# shared axes, and the training curves.


localrules:
    plot_histogram,
    plot_shared_axes,
    plot_training_curves,


rule plot_histogram:
    input:
        statistics="results/{dataset}/statistics/{activation}/{initialisation}/seed{seed}/{phase}.json",
    output:
        **figure_outputs(
            "results/{dataset}/figures/histograms/{activation}/{initialisation}/seed{seed}/{phase}",
            caption="histogram.rst",
            category="Gradient histograms",
            subcategory="{activation}",
            labels={
                "activation": "{activation}",
                "initialisation": "{initialisation}",
                "seed": "{seed}",
                "phase": "{phase}",
            },
        ),
    log:
        "logs/plot_histogram/{dataset}/{activation}/{initialisation}/seed{seed}/{phase}.log",
    benchmark:
        "benchmarks/plot_histogram/{dataset}/{activation}/{initialisation}/seed{seed}/{phase}.tsv"
    conda:
        "../envs/initlab.yaml"
    params:
        translations=TRANSLATIONS,
    message:
        message("job_plot", figure="{output[0]}")
    script:
        "../../scripts/plot_histogram.py"


rule plot_shared_axes:
    input:
        statistics=statistics_of_all_initialisations,
    output:
        **figure_outputs(
            "results/{dataset}/figures/shared_axes/{activation}/seed{seed}/{phase}",
            caption="shared_axes.rst",
            category="Gradient histograms",
            subcategory="{activation}",
            labels={
                "activation": "{activation}",
                "initialisation": "all",
                "seed": "{seed}",
                "phase": "{phase}",
            },
        ),
    log:
        "logs/plot_shared_axes/{dataset}/{activation}/seed{seed}/{phase}.log",
    benchmark:
        "benchmarks/plot_shared_axes/{dataset}/{activation}/seed{seed}/{phase}.tsv"
    conda:
        "../envs/initlab.yaml"
    params:
        initialisations=list(INITIALISATIONS),
        translations=TRANSLATIONS,
    message:
        message("job_plot", figure="{output[0]}")
    script:
        "../../scripts/plot_shared_axes.py"


rule plot_training_curves:
    input:
        history="results/{dataset}/training/{activation}/{initialisation}/seed{seed}/history.csv",
        test="results/{dataset}/training/{activation}/{initialisation}/seed{seed}/test.json",
    output:
        **figure_outputs(
            "results/{dataset}/figures/curves/{activation}/{initialisation}/seed{seed}",
            caption="training_curves.rst",
            category="Training curves",
            subcategory="{activation}",
            labels={
                "activation": "{activation}",
                "initialisation": "{initialisation}",
                "seed": "{seed}",
                "phase": "training",
            },
        ),
    log:
        "logs/plot_training_curves/{dataset}/{activation}/{initialisation}/seed{seed}.log",
    benchmark:
        "benchmarks/plot_training_curves/{dataset}/{activation}/{initialisation}/seed{seed}.tsv"
    conda:
        "../envs/initlab.yaml"
    params:
        translations=TRANSLATIONS,
    message:
        message("job_plot", figure="{output[0]}")
    script:
        "../../scripts/plot_training_curves.py"
