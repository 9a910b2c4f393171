"""What `pip install swarmbus` (not editable) ships: every package folder and the SQL."""

from __future__ import annotations

import tomllib
from pathlib import Path

REPO = Path(__file__).parents[2]
SETUPTOOLS = tomllib.loads((REPO / "pyproject.toml").read_text())["tool"]["setuptools"]


def test_every_python_folder_is_listed_as_a_package() -> None:
    folders = {package: Path(folder) for package, folder in SETUPTOOLS["package-dir"].items()}
    expected = set()
    for package, folder in folders.items():
        for init in (REPO / folder).rglob("__init__.py"):
            relative = init.parent.relative_to(REPO / folder)
            expected.add(".".join([package, *relative.parts]))
    assert expected <= set(SETUPTOOLS["packages"])


def test_every_sql_folder_ships_its_files() -> None:
    data = SETUPTOOLS["package-data"]
    for dialect in ("sqlite", "postgres"):
        for package in (
            f"swarmbus.storage.sql.{dialect}",
            f"swarmbus.storage.sql.{dialect}.migrations",
        ):
            assert package in SETUPTOOLS["packages"]
            assert data[package] == ["*.sql"]
