# One initial checkpoint per (activation, initialisation, seed), then its training.


rule initialise:
    input:
        description="results/{dataset}/data/dataset.json",
    output:
        checkpoint="results/{dataset}/checkpoints/{activation}/{initialisation}/seed{seed}/initial.pt",
    log:
        "logs/initialise/{dataset}/{activation}/{initialisation}/seed{seed}.log",
    benchmark:
        "benchmarks/initialise/{dataset}/{activation}/{initialisation}/seed{seed}.tsv"
    conda:
        "../envs/initlab.yaml"
    params:
        scheme=initialisation_scheme,
        gain=initialisation_gain,
        network=config["network"],
    message:
        message(
            "job_initialise",
            activation="{wildcards.activation}",
            initialisation="{wildcards.initialisation}",
            seed="{wildcards.seed}",
        )
    script:
        "../../scripts/initialise.py"


rule train:
    input:
        images="results/{dataset}/data/prepared.npz",
        checkpoint="results/{dataset}/checkpoints/{activation}/{initialisation}/seed{seed}/initial.pt",
    output:
        checkpoint="results/{dataset}/checkpoints/{activation}/{initialisation}/seed{seed}/trained.pt",
        history="results/{dataset}/training/{activation}/{initialisation}/seed{seed}/history.csv",
        test="results/{dataset}/training/{activation}/{initialisation}/seed{seed}/test.json",
    log:
        "logs/train/{dataset}/{activation}/{initialisation}/seed{seed}.log",
    benchmark:
        "benchmarks/train/{dataset}/{activation}/{initialisation}/seed{seed}.tsv"
    conda:
        "../envs/initlab.yaml"
    threads: 4
    resources:
        gpu=1,
        mem_mb=4096,
        runtime=60,
    params:
        training=config["training"],
        device=config["device"],
        deterministic=config["deterministic"],
        cpu_threads=config["cpu_threads"],
    message:
        message(
            "job_train",
            activation="{wildcards.activation}",
            initialisation="{wildcards.initialisation}",
            seed="{wildcards.seed}",
        )
    script:
        "../../scripts/train.py"
