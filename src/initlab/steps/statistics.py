"""Step of the gradient_statistics rule: per-layer statistics and histograms of one measurement."""

import logging

from initlab.jsonio import write_json
from initlab.measurement import load_measurement
from initlab.statistics import summarise_measurement

logger = logging.getLogger(__name__)


def compute_statistics(gradients_path: str, bins: int, output: str) -> None:
    """Write the per-layer statistics and histograms of one measurement as JSON."""
    summary = summarise_measurement(load_measurement(gradients_path), bins)
    write_json(output, summary)
    logger.info("spread ratio (last / first layer std): %.3f", summary["spread_ratio"])
