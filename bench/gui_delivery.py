"""GUI delivery on a virtual screen: swarmbus's paste against typing with pyautogui.write.

Starts its own Xvfb and a Tk receiver window (the GUI tests' stand-in chat box:
Enter submits, Shift+Enter is a newline), then, in one run:

- delivers the 2 KB multi-line message RUNS times through the real dispatcher
  and GUI transport, and reads `delivery_time_ms` from each stored row;
- types the same text TYPING_RUNS times with `pyautogui.write` (click, write,
  Enter: what the seed system did), timing each.

Each method's exactness is what the window received: one submission holding
exactly the text. Run from the repository root: `python bench/gui_delivery.py`.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import anyio

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # for tests.gui (Xvfb, receiver)

from swarmbus.agents import config as swarm_config
from swarmbus.bus import transports
from swarmbus.bus.api import Bus
from swarmbus.bus.dispatcher import Dispatcher
from swarmbus.model import render
from tests.gui.samples import two_kb, write_gui_swarm
from tests.gui.xserver import Receiver, Xvfb

RUNS = 30  # pasted deliveries measured
TYPING_RUNS = 3  # typed deliveries measured (each takes seconds)
DEFAULT_PAUSE = 0.1  # seconds: pyautogui's own default, which the seed system kept


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * share))]


async def paste_runs(folder: Path, receiver: Receiver, runs: int) -> tuple[list[float], int]:
    """Deliver the message `runs` times (after one warm-up); (delivery times, exact count)."""
    x, y = receiver.point
    swarm = swarm_config.load(write_gui_swarm(folder, {"Agent-1": {"x": x, "y": y}}), {})
    async with await Bus.open(swarm) as bus:
        await deliver(bus, ["warm-up: loads pyautogui and opens the X connection"])
        receiver.reset()
        ids = await deliver(bus, [f"run {n}\n{two_kb()}" for n in range(runs)])
        rows = [await bus.get(message_id) for message_id in ids]
    got = receiver.submissions()
    exact = sum(1 for row, text in zip(rows, got, strict=False) if render.gui_text(row) == text)
    exact = exact if len(got) == len(rows) else 0
    return [float(row.delivery_time_ms or 0) for row in rows], exact


async def deliver(bus: Bus, bodies: list[str]) -> list[str]:
    ids = [await bus.send("Agent-2", "Agent-1", body) for body in bodies]
    built = transports.build(bus.swarm)
    try:
        await Dispatcher(bus, built).run(once=True)
    finally:
        for transport in built.values():
            await transport.aclose()
    return ids


def typing_runs(receiver: Receiver, runs: int) -> tuple[list[float], int, int]:
    """Type the message `runs` times; (times in ms, exact count, submissions per run)."""
    import pyautogui

    pyautogui.PAUSE = DEFAULT_PAUSE
    text = two_kb()
    times, exact, pieces = [], 0, 0
    for _ in range(runs):
        receiver.reset()
        started = time.perf_counter()
        pyautogui.click(*receiver.point)
        pyautogui.write(text)
        pyautogui.press("enter")
        times.append((time.perf_counter() - started) * 1000)
        got = receiver.submissions()
        exact += got == [text]
        pieces = len(got)
    return times, exact, pieces


def row(name: str, times: list[float], exact: str) -> str:
    median, p95 = statistics.median(times), percentile(times, 0.95)
    return f"| {name} | {len(times)} | {median:,.0f} | {p95:,.0f} | {exact} |"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=RUNS)
    parser.add_argument("--typing-runs", type=int, default=TYPING_RUNS)
    args = parser.parse_args()
    server = Xvfb.start()
    os.environ["DISPLAY"] = server.display
    with tempfile.TemporaryDirectory() as folder:
        receiver = Receiver("bench receiver", "800x500+40+40", Path(folder) / "receiver")
        receiver.start(server.display)
        try:
            pasted, exact = anyio.run(paste_runs, Path(folder), receiver, args.runs)
            typed, typed_exact, pieces = typing_runs(receiver, args.typing_runs)
        finally:
            receiver.stop()
            server.stop()
    print(f"2 KB multi-line message ({len(two_kb())} chars), Xvfb 1920x1080, Tk receiver\n")
    print("| method | runs | median ms | p95 ms | exact |")
    print("|---|---|---|---|---|")
    print(row("swarmbus gui transport (paste)", pasted, f"{exact}/{len(pasted)}"))
    typing_exact = f"{typed_exact}/{len(typed)} ({pieces} submissions per message)"
    print(row("pyautogui.write (typing)", typed, typing_exact))


if __name__ == "__main__":
    main()
