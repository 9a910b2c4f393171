"""The README's "Python API" example runs as printed, in a folder holding a swarm."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

README = Path(__file__).parents[2] / "README.md"


def python_api_example() -> str:
    """The first ```python block of the README's "## Python API" section, verbatim."""
    text = README.read_text(encoding="utf-8")
    section = text.split("\n## Python API\n", 1)[1].split("\n## ", 1)[0]
    match = re.search(r"^```python\n(.*?)^```$", section, re.MULTILINE | re.DOTALL)
    assert match is not None, "no ```python block in the README's Python API section"
    return match[1]


def test_the_readme_example_sends_and_reads_a_message(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SWARMBUS_")}

    def python(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, *args],
            cwd=tmp_path,
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
        )

    made = python("-m", "swarmbus", "init", "--transport", "inbox")
    assert made.returncode == 0, made.stderr
    (tmp_path / "example.py").write_text(python_api_example(), encoding="utf-8")
    ran = python("example.py")
    assert ran.returncode == 0, ran.stderr
    assert ran.stdout == "Agent-2 pending Please review PR 42\n"
    listed = python("-m", "swarmbus", "messages", "--json")
    assert '"from_agent": "script:readme"' in listed.stdout
