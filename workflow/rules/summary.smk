# Tables of the whole grid: per-layer gradient statistics and test accuracies, as CSV and JSON.


localrules:
    summarise,


rule summarise:
    input:
        description="results/{dataset}/data/dataset.json",
        statistics=grid(
            "results/{dataset}/statistics/{activation}/{initialisation}/seed{seed}/{phase}.json",
            phase=PHASES,
        ),
        tests=grid(
            "results/{dataset}/training/{activation}/{initialisation}/seed{seed}/test.json"
        ),
        histories=grid(
            "results/{dataset}/training/{activation}/{initialisation}/seed{seed}/history.csv"
        ),
    output:
        gradient_csv=report(
            "results/{dataset}/summary/gradient_statistics.csv",
            caption=str(CAPTIONS / "gradient_statistics.rst"),
            category="Tables",
            labels={"table": "gradient statistics"},
        ),
        gradient_json="results/{dataset}/summary/gradient_statistics.json",
        accuracy_csv=report(
            "results/{dataset}/summary/accuracy.csv",
            caption=str(CAPTIONS / "accuracy.rst"),
            category="Tables",
            labels={"table": "test accuracy"},
        ),
        accuracy_json="results/{dataset}/summary/accuracy.json",
    log:
        "logs/summarise/{dataset}.log",
    benchmark:
        "benchmarks/summarise/{dataset}.tsv"
    conda:
        "../envs/initlab.yaml"
    params:
        cells=summary_cells,
    message:
        message("job_summarise", dataset="{wildcards.dataset}")
    script:
        "../../scripts/summarise.py"


rule plot_spread:
    input:
        gradients="results/{dataset}/summary/gradient_statistics.json",
    output:
        **figure_outputs(
            "results/{dataset}/figures/spread/{activation}",
            caption="spread.rst",
            category="Gradient spread",
            subcategory="{activation}",
            labels={
                "activation": "{activation}",
                "initialisation": "all",
                "seed": "all",
                "phase": "both",
            },
        ),
    log:
        "logs/plot_spread/{dataset}/{activation}.log",
    benchmark:
        "benchmarks/plot_spread/{dataset}/{activation}.tsv"
    conda:
        "../envs/initlab.yaml"
    params:
        initialisations=list(INITIALISATIONS),
        translations=TRANSLATIONS,
    message:
        message("job_plot", figure="{output[0]}")
    script:
        "../../scripts/plot_spread.py"
