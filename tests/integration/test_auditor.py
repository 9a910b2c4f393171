"""The auditor on fixture trees and on swarmbus itself, with rows in a real database."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from swarmbus import errors
from swarmbus.agents import config as swarm_config
from swarmbus.agents.auditor import files
from swarmbus.agents.auditor.rules import AuditRules
from swarmbus.agents.auditor.runner import AuditRequest, audit_summary, run_audit
from swarmbus.agents.config import Swarm
from swarmbus.bus.api import Bus
from swarmbus.cli import app
from swarmbus.model import timefmt
from swarmbus.model.systems import SystemStatus

REPO = Path(__file__).parents[2]
RULES = AuditRules()


def write(root: Path, files_: dict[str, str]) -> Path:
    for name, text in files_.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return root


def long_function(name: str, lines: int) -> str:
    return f"def {name}():\n" + "".join(f"    v{n} = {n}\n" for n in range(lines - 1))


@pytest.fixture
def package(tmp_path: Path) -> Path:
    """core.py is imported by a, b and c; a and b import each other (a cycle)."""
    return write(
        tmp_path / "tree",
        {
            "pkg/__init__.py": "",
            "pkg/core.py": long_function("big", 40)
            + "def helper():\n    return big()\n"
            + "def alone():\n    return 1\n",
            "pkg/a.py": "from pkg import core\nfrom . import b\n",
            "pkg/b.py": "import pkg.core\nfrom pkg.a import something\n",
            "pkg/c.py": "from .core import helper\n",
            "pkg/d.py": "from pkg import c\n",
        },
    )


async def audit(bus: Bus, root: Path, **kwargs: object):  # type: ignore[no-untyped-def]
    return await run_audit(bus.db, AuditRequest(root, RULES, **kwargs))  # type: ignore[arg-type]


async def test_rows_for_a_fixture_package(bus: Bus, package: Path) -> None:
    report = await audit(bus, package)
    rows = {row.component_name: row for row in report.rows}
    core = rows["pkg/core.py"]
    assert core.component_type == "file"
    assert core.violations_found == 1
    assert core.violations_details == [
        {"rule": "function_lines", "line": 1, "symbol": "big", "measured": 40, "limit": 30}
    ]
    assert core.refactoring_required
    assert core.integration_dependencies_affected == ["pkg.a", "pkg.b", "pkg.c"]
    assert core.integration_impact == {
        "module": "pkg.core",
        "fan_in": 3,
        "fan_out": 0,
        "transitive_dependents": 4,
        "on_cycle": False,
        "cycle": [],
    }
    assert rows["pkg/a.py"].integration_impact["on_cycle"]
    assert rows["pkg/a.py"].integration_impact["cycle"] == ["pkg.a", "pkg.b"]
    assert rows["pkg/a.py"].compliance_score == 100.0
    assert rows["pkg/a.py"].integration_dependencies_affected == []  # compliant
    assert core.refactoring_plan["steps"][0] == {
        "action": "split_function",
        "symbol": "big",
        "line": 1,
        "rule": "function_lines",
        "measured": 40,
        "limit": 30,
        "lines": 10,
    }
    stored = await bus.db.audits.rows_of_run(report.run_id)
    assert {row.component_name for row in stored} == set(rows)


async def test_the_plan_moves_related_symbols_together(bus: Bus, tmp_path: Path) -> None:
    group_a = (
        "".join(long_function(f"a{n}", 30) for n in range(8))
        + "def a_user():\n"
        + "".join(f"    a{n}()\n" for n in range(8))
    )
    group_b = "".join(long_function(f"b{n}", 30) for n in range(6))
    solo = long_function("solo", 30)
    root = write(tmp_path / "t", {"big.py": group_a + group_b + solo})
    report = await audit(bus, root)
    (row,) = [r for r in report.rows if r.component_name == "big.py"]
    steps = [s for s in row.refactoring_plan["steps"] if s["action"] == "move_out"]
    assert steps[0]["symbols"] == [f"a{n}" for n in range(8)] + ["a_user"]
    assert steps[0]["suggested_module"] == "big_a0"
    total = sum(1 for _ in (root / "big.py").read_text().splitlines())
    assert total - sum(s["lines"] for s in steps) <= 400


async def test_two_runs_give_a_trend_and_the_agent_gets_its_score(bus: Bus, package: Path) -> None:
    await audit(bus, package, agent="Agent-1")
    (package / "pkg" / "core.py").write_text("def fine():\n    return 1\n")
    second = await audit(bus, package, agent="Agent-1")
    summary = await audit_summary(bus.db)
    assert summary["run_id"] == second.run_id
    assert summary["trend"]["violations"] == -1
    assert summary["trend"]["average_score"] > 0
    workspace = await bus.db.workspaces.get("Agent-1")
    assert workspace is not None
    assert workspace.v2_compliance == 100.0
    with pytest.raises(errors.UnknownAgent):
        await audit(bus, package, agent="Nobody")


async def test_only_files_are_components_of_an_audited_folder(bus: Bus, package: Path) -> None:
    await bus.db.systems.heartbeat(
        SystemStatus(
            system_id="discord@x",
            system_name="discord",
            system_status="active",
            heartbeat_interval_seconds=5,
            last_health_check=timefmt.utcnow() - timedelta(minutes=5),
            error_count=2,
            health_score=30,
        )
    )
    report = await audit(bus, package)
    assert {row.component_type for row in report.rows} == {"file"}
    assert len(report.rows) == 6
    stored = await bus.db.audits.runs(limit=1)
    assert stored[0]["components"] == 6


@pytest.mark.parametrize(
    ("tree", "count"),
    [({}, "0 files"), ({"README.md": "# notes\n", "app.js": "let x = 1;\n"}, "2 files")],
)
async def test_a_tree_without_python_is_refused_and_stores_nothing(
    bus: Bus, tmp_path: Path, tree: dict[str, str], count: str
) -> None:
    root = write(tmp_path / "t", tree)
    root.mkdir(exist_ok=True)
    with pytest.raises(
        errors.UsageError, match=f"nothing to audit in {root}: no Python file .*{count}"
    ):
        await audit(bus, root, agent="Agent-1")
    assert await bus.db.audits.runs(limit=1) == []
    workspace = await bus.db.workspaces.get("Agent-1")
    assert workspace is not None
    assert workspace.v2_compliance == 0.0


async def test_bad_files_are_recorded_not_fatal(bus: Bus, tmp_path: Path) -> None:
    root = write(tmp_path / "t", {"good.py": "x = 1\n"})
    (root / "latin1.py").write_bytes("name = 'café'\n".encode("latin-1"))
    (root / "blob.py").write_bytes(b"\x00\x01binary\x00")
    os.symlink(root / "loop.py", root / "loop.py")  # a link to itself
    os.symlink(root, root / "again")  # a folder loop, never followed
    (root / "broken.py").write_text("def f(:\n")
    report = await audit(bus, root)
    rows = {row.component_name: row for row in report.rows}
    assert rows["latin1.py"].violations_details[0]["rule"] == "unreadable"
    assert "not UTF-8: byte 0xe9" in rows["latin1.py"].violations_details[0]["measured"]
    assert rows["loop.py"].violations_details[0]["rule"] == "unreadable"
    assert rows["broken.py"].compliance_score == 0.0
    assert rows["good.py"].compliance_score == 100.0
    assert report.skipped == [("blob.py", "binary file")]
    assert not any(name.startswith("again/") for name in rows)


async def test_gitignore_include_and_exclude(tmp_path: Path) -> None:
    root = write(
        tmp_path / "t",
        {
            ".gitignore": "generated/\n*.tmp.py\n",
            "keep.py": "",
            "x.tmp.py": "",
            "generated/out.py": "",
            "sub/.gitignore": "local.py\n",
            "sub/local.py": "",
            "sub/kept.py": "",
            "notes.md": "",
            "data.csv": "",
            "vendor/lib.py": "",
        },
    )
    names = [f.relative for f in files.discover(root, AuditRules(exclude=("vendor/**",)))]
    assert names == ["keep.py", "notes.md", "sub/kept.py"]


def test_missing_path_is_a_usage_error(tmp_path: Path) -> None:
    with pytest.raises(errors.UsageError, match=r"path .*nope does not exist"):
        files.discover(tmp_path / "nope", RULES)


@pytest.mark.parametrize(
    ("table", "expected"),
    [
        ("[audit]\nfunction_lines = -3\n", "audit.function_lines = -3: Input should be greater"),
        (
            "[audit]\nclass_size = 10\n",
            "audit.class_size = 10: unknown key; allowed here: "
            "class_lines, class_methods, exclude, file_lines",
        ),
        ("[audit]\nnesting = 'deep'\n", "audit.nesting = 'deep'"),
    ],
)
def test_bad_audit_rules_are_config_errors(tmp_path: Path, table: str, expected: str) -> None:
    path = tmp_path / "swarmbus.toml"
    path.write_text(table + '[[agents]]\nname = "A"\n')
    with pytest.raises(errors.ConfigError) as caught:
        swarm_config.load(path, {})
    assert expected in str(caught.value)


def test_cli_audit_json_fail_under_and_summary(swarm: Swarm, package: Path) -> None:
    runner = CliRunner()
    config = ["--config", str(swarm.path)]
    result = runner.invoke(app, [*config, "audit", str(package), "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["files"] == 6
    assert data["total_violations"] == 1
    failing = runner.invoke(app, [*config, "audit", str(package), "--fail-under", "99.9"])
    assert failing.exit_code == 1
    assert "is under --fail-under 99.9" in failing.stderr
    assert "pkg/core.py" in failing.stdout
    summary = runner.invoke(app, [*config, "audit", "summary"])
    assert summary.exit_code == 0
    assert "since the previous run: score +0.0" in summary.stdout
    held = runner.invoke(app, [*config, "audit", "summary", "--fail-under", "99.9"])
    assert held.exit_code == 1
    assert held.stderr.startswith("error: the latest run's average score ")
    assert "is under --fail-under 99.9" in held.stderr
    met = runner.invoke(app, [*config, "audit", "summary", "--fail-under", "50"])
    assert met.exit_code == 0, met.output
    missing = runner.invoke(app, [*config, "audit", str(package / "nope")])
    assert missing.exit_code == 2
    assert "does not exist" in missing.stderr


SWARMBUS_CODE = ["swarmbus", "bus", "agents", "discord_bot", "storage", "config"]


@pytest.mark.parametrize("folder", SWARMBUS_CODE)
async def test_swarmbus_passes_its_own_default_rules(
    make_swarm: Callable[..., Swarm], folder: str
) -> None:
    async with await Bus.open(make_swarm()) as bus:
        report = await run_audit(bus.db, AuditRequest(REPO / folder, AuditRules()))
    failing = {
        row.component_name: [v for v in row.violations_details if "waived" not in v]
        for row in report.file_rows
        if row.refactoring_required
    }
    assert failing == {}
    waived = [
        (row.component_name, v["symbol"])
        for row in report.file_rows
        for v in row.violations_details
        if "waived" in v
    ]
    # Waivers: the CLI's typer commands (one parameter per option), the MCP tools (one
    # parameter per tool argument), and the Bus façade.
    facade = ("bus", "api.py", "Bus")
    assert all(
        (folder == "swarmbus" and name.startswith(("cli/", "mcp/")))
        or (folder, name, symbol) == facade
        for name, symbol in waived
    ), waived


async def test_huge_files_and_endless_links_are_skipped_unread(bus: Bus, tmp_path: Path) -> None:
    root = write(tmp_path / "t", {"good.py": "x = 1\n"})
    (root / "big.md").write_text("line\n" * (files.MAX_SOURCE_BYTES // 5 + 1))
    os.symlink("/dev/zero", root / "zero.py")
    report = await audit(bus, root)
    assert sorted(report.skipped) == [
        ("big.md", "larger than 16 MiB"),
        ("zero.py", "larger than 16 MiB"),
    ]
    assert [row.component_name for row in report.file_rows] == ["good.py"]
