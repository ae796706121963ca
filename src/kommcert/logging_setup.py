"""Logging for ``kommcert serve``: uvicorn's access log without secrets.

Appliances can only put their token into the feed URL (``?token=kc_…``); the access log must not
keep it.
"""

from __future__ import annotations

import logging
import re
from typing import Any

_TOKEN = re.compile(r"(token=)[^&\s\"]+")


class RedactTokens(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if record.args and isinstance(record.args, tuple):
            record.args = tuple(_TOKEN.sub(r"\1***", a) if isinstance(a, str) else a for a in record.args)
        if isinstance(record.msg, str):
            record.msg = _TOKEN.sub(r"\1***", record.msg)
        return True


def uvicorn_log_config() -> dict[str, Any]:
    from uvicorn.config import LOGGING_CONFIG

    config = {**LOGGING_CONFIG}
    config["filters"] = {"redact_tokens": {"()": "kommcert.logging_setup.RedactTokens"}}
    handlers = {name: dict(h) for name, h in LOGGING_CONFIG["handlers"].items()}
    for handler in handlers.values():
        handler["filters"] = ["redact_tokens"]
    config["handlers"] = handlers
    return config
