"""Job runtime shared by every workflow script: its log file, user-facing errors, and progress lines."""

import logging
import sys
import time
from collections.abc import Callable

from initlab.errors import UserError

logger = logging.getLogger("initlab")


def configure_logging(log_path: str | None) -> None:
    """Send the package's log records to ``log_path`` (the rule's ``log:``), or to stderr without one."""
    handler: logging.Handler = logging.FileHandler(log_path, mode="w", encoding="utf-8") if log_path else logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s", "%Y-%m-%d %H:%M:%S"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(logging.INFO)
    logging.captureWarnings(True)


def run_job(main: Callable[..., None], log_path: str | None, language: str, **arguments: object) -> None:
    """Run ``main(**arguments)`` with logging to ``log_path``; turn a UserError into a clear exit.

    A UserError (bad config or data) is written in ``language`` to the log and to
    stderr, so the terminal shows it, and the process exits with status 1. Any
    other exception is logged with its traceback and re-raised.
    """
    configure_logging(log_path)
    started = time.perf_counter()
    logger.info("running %s.%s", main.__module__, main.__name__)
    try:
        main(**arguments)
    except UserError as error:
        message = error.render(language)
        logger.error("%s", message)
        print(f"initlab: {message}", file=sys.stderr)
        sys.exit(1)
    except BaseException:
        logger.exception("job failed after %.1f s", time.perf_counter() - started)
        raise
    logger.info("job finished in %.1f s", time.perf_counter() - started)


class Progress:
    """Log "<what> i of n" lines with throughput and time left, at most every ``interval_seconds``."""

    def __init__(self, what: str, total: int, unit: str, interval_seconds: float = 10.0) -> None:
        self.what = what
        self.total = total
        self.unit = unit
        self.interval_seconds = interval_seconds
        self.started = time.perf_counter()
        self.last_report = self.started
        self.items = 0

    def update(self, step: int, items: int) -> None:
        """Record that step ``step`` (1-based) is done and ``items`` more units were processed."""
        self.items += items
        now = time.perf_counter()
        if step < self.total and now - self.last_report < self.interval_seconds:
            return
        self.last_report = now
        elapsed = now - self.started
        rate = self.items / elapsed if elapsed > 0 else float("inf")
        left = elapsed / step * (self.total - step)
        logger.info(
            "%s %d of %d: %.0f %s/s, %.1f s elapsed, about %.0f s left", self.what, step, self.total, rate, self.unit, elapsed, left
        )

    @property
    def rate(self) -> float:
        """Units processed per second since the start."""
        elapsed = time.perf_counter() - self.started
        return self.items / elapsed if elapsed > 0 else float("inf")
