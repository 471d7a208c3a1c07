"""Which failures of ``make`` are worth another attempt, and how long to wait before it.

Layer: used by the runners in ``populate.py`` and ``jobs_worker.py``. A transient
failure (a lost connection, a timeout, or an exception type the user lists in
``populate(retry_on=...)``) is retried up to ``max_attempts`` times, waiting
``jobs.retry_delay`` seconds before the second attempt and twice as long before
each further one. Any other exception ends the key's attempts at once.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from .errors import DataJointError, LostConnectionError
from .settings import config

logger = logging.getLogger(__name__)

#: what populate retries when ``retry_on`` is not given (with the drivers' lost-connection errors)
TRANSIENT_ERRORS: tuple[type[BaseException], ...] = (TimeoutError, ConnectionError, LostConnectionError)


@dataclass(frozen=True)
class RetryPolicy:
    """``max_attempts`` tries per key; ``retry_on`` (None: the defaults) says which errors are transient."""

    max_attempts: int = 1
    retry_on: tuple[type[BaseException], ...] | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.max_attempts, int) or self.max_attempts < 1:
            raise DataJointError(
                f"max_attempts must be a whole number of at least 1, not {self.max_attempts!r}."
            )
        retry_on = self.retry_on
        if retry_on is not None and not all(
            isinstance(t, type) and issubclass(t, BaseException) for t in retry_on
        ):
            raise DataJointError(f"retry_on must be a tuple of exception classes, not {retry_on!r}.")

    def transient(self, error: BaseException, connection: Any = None) -> bool:
        """True if ``error`` may go away by itself, so the key deserves another attempt."""
        if not isinstance(error, Exception):
            return False  # KeyboardInterrupt, SystemExit: the user wants to stop
        if self.retry_on is not None:
            return isinstance(error, self.retry_on)
        return isinstance(error, TRANSIENT_ERRORS) or _driver_lost_connection(error, connection)

    def pause(self, failed_attempts: int) -> None:
        """Wait before the next attempt: ``jobs.retry_delay``, doubled for each further failure."""
        delay = config["jobs.retry_delay"] * 2 ** (failed_attempts - 1)
        if delay > 0:
            time.sleep(delay)


def _driver_lost_connection(error: BaseException, connection: Any) -> bool:
    driver = getattr(connection, "driver", None)
    check: Callable[[BaseException], bool] | None = getattr(driver, "is_lost_connection", None)
    return bool(check and check(error))


def attempt_header(attempt: int, max_attempts: int, message: str) -> str:
    """The line that starts one attempt's traceback in a job's ``error_stack``."""
    return f"--- attempt {attempt} of {max_attempts}: {message} ---\n"


def run_with_retries(call: Callable[[], Any], policy: RetryPolicy, connection: Any, what: str) -> Any:
    """``call()``, retried on transient errors as ``policy`` allows (for populate without a jobs table)."""
    attempt = 1
    while True:
        try:
            return call()
        except Exception as error:
            if attempt >= policy.max_attempts or not policy.transient(error, connection):
                raise
            logger.warning(
                "%s: attempt %d of %d failed (%s); retrying", what, attempt, policy.max_attempts, error
            )
            policy.pause(attempt)
            attempt += 1


__all__ = ["TRANSIENT_ERRORS", "RetryPolicy", "attempt_header", "run_with_retries"]
