# The gradient flowing through the network: per-batch bias gradients before and after training.


rule measure_gradients:
    input:
        images="results/{dataset}/data/prepared.npz",
        checkpoint=checkpoint_of_phase,
    output:
        gradients=gradient_arrays(
            "results/{dataset}/gradients/{activation}/{initialisation}/seed{seed}/{phase}.npz"
        ),
    log:
        "logs/measure_gradients/{dataset}/{activation}/{initialisation}/seed{seed}/{phase}.log",
    benchmark:
        "benchmarks/measure_gradients/{dataset}/{activation}/{initialisation}/seed{seed}/{phase}.tsv"
    conda:
        "../envs/initlab.yaml"
    threads: 4
    resources:
        gpu=1,
        mem_mb=4096,
        runtime=60,
    params:
        batch_size=config["gradients"]["batch_size"],
        device=config["device"],
        deterministic=config["deterministic"],
        cpu_threads=config["cpu_threads"],
    message:
        message(
            "job_gradients",
            phase="{wildcards.phase}",
            activation="{wildcards.activation}",
            initialisation="{wildcards.initialisation}",
            seed="{wildcards.seed}",
        )
    script:
        "../../scripts/measure_gradients.py"


rule gradient_statistics:
    input:
        gradients="results/{dataset}/gradients/{activation}/{initialisation}/seed{seed}/{phase}.npz",
    output:
        statistics="results/{dataset}/statistics/{activation}/{initialisation}/seed{seed}/{phase}.json",
    log:
        "logs/gradient_statistics/{dataset}/{activation}/{initialisation}/seed{seed}/{phase}.log",
    benchmark:
        "benchmarks/gradient_statistics/{dataset}/{activation}/{initialisation}/seed{seed}/{phase}.tsv"
    conda:
        "../envs/initlab.yaml"
    resources:
        mem_mb=2048,
    params:
        bins=config["gradients"]["histogram_bins"],
    message:
        message(
            "job_statistics",
            phase="{wildcards.phase}",
            activation="{wildcards.activation}",
            initialisation="{wildcards.initialisation}",
            seed="{wildcards.seed}",
        )
    script:
        "../../scripts/gradient_statistics.py"
