"""What the CLI's processes print of log records: libraries' warnings in one line each."""

from __future__ import annotations

import subprocess
import sys

# In a process of its own: pytest puts handlers on the root logger, and a library's
# records then never reach the handler of last resort that the CLI sets.
SCRIPT = """
import logging
from swarmbus.cli.common import configure_logging
configure_logging(False)
def logged(logger, level):
    try:
        raise ConnectionError("server gone\\nDETAIL: shutting down")
    except ConnectionError:
        logger.log(level, "Failed to restore the pool connection floor; retrying", exc_info=True)
logged(logging.getLogger("asyncpg.pool"), logging.WARNING)
logged(logging.getLogger("swarmbus.storage"), logging.WARNING)
logging.getLogger("asyncpg.pool").info("not shown")
logged(logging.getLogger("somelibrary"), logging.ERROR)
"""


def test_a_library_warning_is_one_line_and_an_error_keeps_its_traceback() -> None:
    result = subprocess.run(
        [sys.executable, "-c", SCRIPT], capture_output=True, text=True, timeout=60, check=True
    )
    lines = result.stderr.splitlines()
    named = "(ConnectionError: server gone\\nDETAIL: shutting down)"
    assert lines[0].endswith(
        f"WARNING asyncpg.pool: Failed to restore the pool connection floor; retrying {named}"
    )
    assert lines[1].endswith(
        f"WARNING swarmbus.storage: Failed to restore the pool connection floor; retrying {named}"
    )
    assert lines[2].endswith(
        "ERROR somelibrary: Failed to restore the pool connection floor; retrying"
    )
    assert lines[3] == "Traceback (most recent call last):"
    assert "not shown" not in result.stderr
    assert result.stderr.count("Traceback") == 1
