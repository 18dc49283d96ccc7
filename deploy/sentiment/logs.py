"""Structured logs: one JSON object per line on standard output, for the service and for uvicorn."""

import logging
import sys

from pythonjsonlogger.core import RESERVED_ATTRS
from pythonjsonlogger.json import JsonFormatter

LOGGERS = ("sentiment", "uvicorn", "uvicorn.error")
FIELDS = "%(levelname)s %(name)s %(message)s"
NOT_LOGGED = (*RESERVED_ATTRS, "color_message")  # uvicorn adds a copy of each message with terminal colours


def json_formatter() -> JsonFormatter:
    """Formats a record as JSON: ``time`` (ISO 8601, UTC), ``level``, ``logger``, ``message`` and ``extra=`` fields."""
    return JsonFormatter(
        FIELDS,
        timestamp="time",
        rename_fields={"levelname": "level", "name": "logger"},
        reserved_attrs=NOT_LOGGED,
        json_ensure_ascii=False,
    )


def configure_logging(level: str = "INFO") -> None:
    """Send the service's and uvicorn's records to standard output as JSON lines (uvicorn's access log stays off)."""
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(json_formatter())
    for name in LOGGERS:
        logger = logging.getLogger(name)
        logger.handlers[:] = [handler]
        logger.setLevel(level)
        logger.propagate = False
