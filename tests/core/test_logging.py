from __future__ import annotations

import logging
import logging.config

from kommcert.logging_setup import RedactTokens, uvicorn_log_config


def test_it_removes_tokens_from_access_log_lines() -> None:
    record = logging.LogRecord("uvicorn.access", logging.INFO, __file__, 1, '%s - "%s %s HTTP/%s" %d',
                               ("127.0.0.1:5000", "GET", "/feeds/txt?type=ipv4&token=kc_secret123", "1.1", 200), None)
    RedactTokens().filter(record)
    line = record.getMessage()
    assert "kc_secret123" not in line and "token=***" in line and "type=ipv4" in line


def test_it_installs_the_filter_on_every_uvicorn_handler() -> None:
    config = uvicorn_log_config()
    assert all(h["filters"] == ["redact_tokens"] for h in config["handlers"].values())
    logging.config.dictConfig(config)
