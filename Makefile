# initlab: `make report` runs the whole study, `make test` the test suite, `make bench` the benchmark.

VENV ?= .venv
PYTHON ?= python3
CORES ?= 1
# Options of bench/run_benchmark.py, e.g. make bench BENCH_ARGS=--quick
BENCH_ARGS ?=
SNAKEMAKE = $(VENV)/bin/snakemake
# Installed once per change of these files; the stamp records it.
STAMP = $(VENV)/.installed

.PHONY: report test bench dry-run lint clean

$(STAMP): pyproject.toml constraints.txt
	test -x $(VENV)/bin/python || $(PYTHON) -m venv $(VENV)
	$(VENV)/bin/python -m pip install --quiet --upgrade pip
	$(VENV)/bin/python -m pip install --quiet -c constraints.txt -e '.[dev,slurm]'
	touch $(STAMP)

report: $(STAMP)
	$(SNAKEMAKE) --cores $(CORES) --resources gpu=1

test: $(STAMP)
	$(VENV)/bin/python -m pytest

bench: $(STAMP)
	$(VENV)/bin/python bench/run_benchmark.py $(BENCH_ARGS)

dry-run: $(STAMP)
	$(SNAKEMAKE) --cores $(CORES) --resources gpu=1 --dry-run

lint: $(STAMP)
	$(SNAKEMAKE) --lint

clean:
	rm -rf results logs benchmarks .snakemake
