# Raw images to one prepared array file per dataset, with the lab's 80/20 split.


localrules:
    download_cifar10,


rule download_cifar10:
    # Runs on the submit host, because cluster compute nodes often have no network.
    output:
        expand(
            "{folder}/{file}", folder=CIFAR10_DOWNLOAD_FOLDER, file=cifar10.FILE_NAMES
        ),
    log:
        "logs/download_cifar10/download.log",
    benchmark:
        "benchmarks/download_cifar10/download.tsv"
    conda:
        "../envs/initlab.yaml"
    message:
        message("job_download", folder=config["download_dir"])
    script:
        "../../scripts/download_cifar10.py"


rule prepare_dataset:
    input:
        cifar10_source_files,
    output:
        images="results/{dataset}/data/prepared.npz",
        description="results/{dataset}/data/dataset.json",
    log:
        "logs/prepare_dataset/{dataset}.log",
    benchmark:
        "benchmarks/prepare_dataset/{dataset}.tsv"
    conda:
        "../envs/initlab.yaml"
    resources:
        mem_mb=4096,
    params:
        verify_checksums=verify_checksums_setting,
        synthetic=synthetic_setting,
        split=config["split"],
    message:
        message("job_prepare", dataset="{wildcards.dataset}")
    script:
        "../../scripts/prepare_dataset.py"
