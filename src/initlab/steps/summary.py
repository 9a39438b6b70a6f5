"""Step of the summarise rule: gather every cell's results into CSV and JSON tables."""

import logging

from initlab.jsonio import write_json
from initlab.summary import (
    accuracy_cells,
    aggregate_accuracy,
    aggregate_gradients,
    gradient_cells,
    write_accuracy_csv,
    write_gradient_csv,
)

logger = logging.getLogger(__name__)


def summarise(cells: list[dict], gradient_csv: str, gradient_json: str, accuracy_csv: str, accuracy_json: str) -> None:
    """Write the gradient-statistics and accuracy tables, per seed (CSV, JSON) and over seeds (JSON)."""
    gradients = gradient_cells(cells)
    accuracy = accuracy_cells(cells)
    write_gradient_csv(gradient_csv, gradients)
    write_accuracy_csv(accuracy_csv, accuracy)
    write_json(gradient_json, {"cells": gradients, "aggregate": aggregate_gradients(gradients)})
    write_json(accuracy_json, {"cells": accuracy, "aggregate": aggregate_accuracy(accuracy)})
    logger.info("summarised %d trainings and %d gradient measurements", len(accuracy), len(gradients))
