"""Every config error is one line naming the file, the key, the bad value and what is allowed."""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

import pytest

from swarmbus import errors
from swarmbus.agents import config as swarm_config
from swarmbus.agents.coordinates import import_coordinates
from swarmbus.agents.starter import starter_config
from swarmbus.config import example_config

GOOD_GUI = '[[agents]]\nname = "Agent-1"\ntransport = "gui"\nx = -1269\ny = 481\n'

BAD_CONFIGS = {
    "duplicate name": (
        '[[agents]]\nname = "Agent-1"\n[[agents]]\nname = "Agent-1"\n',
        "agents[2].name = 'Agent-1': duplicate agent name",
    ),
    "name with a space": (
        '[[agents]]\nname = "Agent 1"\n',
        "agents[1] (Agent 1).name = 'Agent 1': agent names are 1-32 letters",
    ),
    "name with a slash": (
        '[[agents]]\nname = "../etc"\n',
        "agents[1] (../etc).name = '../etc': agent names are",
    ),
    "gui agent without a point": (
        '[[agents]]\nname = "Agent-1"\ntransport = "gui"\n',
        "agents[1] (Agent-1): a gui agent needs its chat-input point; x and y missing",
    ),
    "non-integer x": (
        '[[agents]]\nname = "Agent-1"\ntransport = "gui"\nx = 10.5\ny = 3\n',
        "agents[1] (Agent-1).x = 10.5: must be a whole number of pixels",
    ),
    "string y": (
        '[[agents]]\nname = "Agent-1"\ntransport = "gui"\nx = 10\ny = "3"\n',
        "agents[1] (Agent-1).y = '3': must be a whole number of pixels",
    ),
    "unknown transport": (
        '[[agents]]\nname = "Agent-1"\ntransport = "fax"\n',
        "agents[1] (Agent-1).transport = 'fax': Input should be 'gui', 'inbox' or 'memory'",
    ),
    "malformed toml": ('[[agents]\nname = "x"\n', "not valid TOML"),
    "no agents": ("[bus]\nmax_retries = 3\n", "agents: required key is missing"),
    "empty agents": ("agents = []\n", "no agents configured; add at least one [[agents]] table"),
    "unknown key": (
        '[[agents]]\nname = "A"\ncolour = "red"\n',
        "agents[1] (A).colour = 'red': unknown key; allowed here: captain, clear_before_paste,",
    ),
    "negative retries": (
        '[bus]\nmax_retries = -1\n[[agents]]\nname = "A"\n',
        "bus.max_retries = -1: Input should be greater than or equal to 0",
    ),
    "point off any desktop": (
        '[[agents]]\nname = "A"\ntransport = "gui"\nx = 99999999999999999999\ny = 0\n',
        "agents[1] (A).x = 99999999999999999999: Input should be less than or equal to 1000000",
    ),
    "audit limit huge": (
        '[audit]\nfile_lines = 99999999999999999999\n[[agents]]\nname = "A"\n',
        "audit.file_lines = 99999999999999999999: Input should be less than or equal to 1000000",
    ),
}


@pytest.mark.parametrize("case", sorted(BAD_CONFIGS))
def test_bad_config_is_one_clear_line(tmp_path: Path, case: str) -> None:
    text, expected = BAD_CONFIGS[case]
    path = tmp_path / "swarmbus.toml"
    path.write_text(text)
    with pytest.raises(errors.ConfigError) as caught:
        swarm_config.load(path, {})
    message = str(caught.value)
    assert "\n" not in message
    assert message.startswith(f"{path}: ")
    assert expected in message
    assert caught.value.exit_code == 2


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(errors.ConfigError, match="config file not found; run 'swarmbus init'"):
        swarm_config.load(tmp_path / "nope.toml", {})


def test_negative_coordinates_are_fine(tmp_path: Path) -> None:
    path = tmp_path / "swarmbus.toml"
    path.write_text(GOOD_GUI)
    swarm = swarm_config.load(path, {})
    assert swarm.agents["Agent-1"].point == (-1269, 481)


def test_paths_resolve_beside_the_config_and_env_overrides(tmp_path: Path) -> None:
    path = tmp_path / "swarmbus.toml"
    path.write_text('[database]\npath = "data.db"\n[[agents]]\nname = "A"\n')
    swarm = swarm_config.load(path, {})
    assert swarm.database == str(tmp_path / "data.db")
    assert swarm.inbox_dir(swarm.agents["A"]) == tmp_path / "inboxes" / "A"
    other = swarm_config.load(path, {"SWARMBUS_DB": "/elsewhere/x.db"})
    assert other.database == "/elsewhere/x.db"
    via_env = swarm_config.load(None, {"SWARMBUS_CONFIG": str(path)})
    assert via_env.path == path


def test_shipped_example_has_eight_valid_agents(tmp_path: Path) -> None:
    text = example_config().read_text()
    swarm = swarm_config.parse(text, tmp_path / "swarmbus.toml", {})
    assert len(swarm.config.agents) == 8
    assert {a.transport for a in swarm.config.agents} == {"gui"}
    assert any(a.x is not None and a.x < 0 for a in swarm.config.agents)


def test_starter_inbox_variant_drops_coordinates(tmp_path: Path) -> None:
    swarm = swarm_config.parse(starter_config("inbox"), tmp_path / "s.toml", {})
    assert {a.transport for a in swarm.config.agents} == {"inbox"}
    assert all(a.x is None for a in swarm.config.agents)
    assert "# swarmbus configuration" in starter_config("inbox")  # comments survive


def _coordinates_file(tmp_path: Path, data: object) -> Path:
    path = tmp_path / "coordinates.json"
    path.write_text(json.dumps(data))
    return path


def test_import_coordinates_updates_and_adds(tmp_path: Path) -> None:
    config = tmp_path / "swarmbus.toml"
    config.write_text('# my swarm\n[[agents]]\nname = "Agent-1"\ntransport = "inbox"\n')
    coords = _coordinates_file(
        tmp_path,
        {
            "Agent-1": {
                "chat_input_coordinates": [-1269, 481],
                "onboarding_coordinates": [-1265, 171],
                "description": "Integration",
            },
            "Agent-5": {"chat_input_coordinates": [652, -421], "description": "BI"},
        },
    )
    result = import_coordinates(config, coords)
    assert result.updated == ["Agent-1"]
    assert result.added == ["Agent-5"]
    swarm = swarm_config.load(config, {})
    assert swarm.agents["Agent-1"].point == (-1269, 481)
    assert swarm.agents["Agent-1"].transport == "gui"
    assert swarm.agents["Agent-5"].point == (652, -421)
    assert swarm.agents["Agent-5"].specialization == "BI"
    assert config.read_text().startswith("# my swarm")


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        ({"Agent-1": {"chat_input_coordinates": [1.5, 2]}}, "Agent-1.chat_input_coordinates.0"),
        ({"Agent-1": {"chat_input_coordinates": [1]}}, "List should have at least 2 items"),
        ({"Agent-1": {}}, "Agent-1.chat_input_coordinates: required key is missing"),
        ({"bad name": {"chat_input_coordinates": [1, 2]}}, "agent names are"),
        ([], "expected an object of agents"),
    ],
)
def test_import_refuses_bad_files_and_writes_nothing(
    tmp_path: Path, data: object, expected: str
) -> None:
    config = tmp_path / "swarmbus.toml"
    original = '[[agents]]\nname = "Agent-1"\n'
    config.write_text(original)
    with pytest.raises(errors.UsageError, match=r"coordinates\.json") as caught:
        import_coordinates(config, _coordinates_file(tmp_path, data))
    assert expected in str(caught.value)
    assert config.read_text() == original
    tomllib.loads(config.read_text())


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ('inbox = "same"', 'inbox = "same/"'),
        ('inbox = "same"', 'inbox = "other/../same"'),
        ('inbox = "inboxes/B"', ""),  # the second agent's default folder
        ('inbox = "same"', 'inbox = "link"'),  # a symbolic link to the same folder
        ('inbox = "same"', 'transport = "gui"\nx = 1\ny = 2\nfallback = "inbox"\ninbox = "same"'),
    ],
)
def test_two_agents_sharing_an_inbox_folder_are_refused(
    tmp_path: Path, first: str, second: str
) -> None:
    (tmp_path / "same").mkdir()
    (tmp_path / "link").symlink_to(tmp_path / "same")
    path = tmp_path / "swarmbus.toml"
    path.write_text(f'[[agents]]\nname = "A"\n{first}\n[[agents]]\nname = "B"\n{second}\n')
    with pytest.raises(errors.ConfigError, match=r"agents A and B share the inbox folder .*"):
        swarm_config.load(path, {})


def test_inboxes_apart_and_gui_agents_without_a_fallback_are_fine(tmp_path: Path) -> None:
    path = tmp_path / "swarmbus.toml"
    path.write_text(
        '[[agents]]\nname = "A"\ninbox = "same"\n'
        '[[agents]]\nname = "B"\ntransport = "gui"\nx = 1\ny = 2\ninbox = "same"\n'
        '[[agents]]\nname = "C"\n'
    )
    assert len(swarm_config.load(path, {}).agents) == 3
