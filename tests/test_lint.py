"""The workflow passes Snakemake's linter and snakefmt, as the catalog's best workflows do."""

import subprocess
import sys
from pathlib import Path

from workflow_runner import REPOSITORY, SNAKEMAKE


def test_snakemake_lint_is_clean():
    result = subprocess.run([str(SNAKEMAKE), "--lint", "--snakefile", str(REPOSITORY / "Snakefile")], cwd=REPOSITORY, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Lints for" not in result.stdout + result.stderr


def test_snakefmt_leaves_rules_unchanged():
    snakefmt = Path(sys.executable).with_name("snakefmt")
    result = subprocess.run([str(snakefmt), "--check", "Snakefile", "workflow"], cwd=REPOSITORY, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
