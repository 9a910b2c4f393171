"""A stand-in chat window for the GUI tests: a Tk Text box that records what is submitted.

Run as `python -m tests.gui.receiver OUT CONTROL GEOMETRY TITLE`. Enter submits
the box's exact content (one JSON line in OUT, written as strict UTF-8) and
clears it; Shift+Enter inserts a newline; Ctrl+A selects everything, as chat
apps do. The test steers it through the CONTROL file ("sync TOKEN", "clear
TOKEN", "draft TOKEN TEXT"); each command is answered in CONTROL.done only
after `update`, which syncs with the X server, so every key the test had sent
before has been handled by then.
"""

from __future__ import annotations

import json
import sys
import tkinter as tk
from pathlib import Path

POLL_MS = 10  # how often the control file is checked


class Receiver:
    def __init__(self, out: Path, control: Path, geometry: str, title: str) -> None:
        self.out = out
        self.control = control
        self.done = control.with_suffix(".done")
        self.last_command = ""
        self.root = tk.Tk()
        self.root.title(title)
        self.root.geometry(geometry)
        self.text = tk.Text(self.root, undo=False, wrap="none")
        self.text.pack(fill="both", expand=True)
        self.text.bind("<Return>", self.submit)
        self.text.bind("<Shift-Return>", self.newline)
        self.text.bind("<Control-a>", self.select_all)
        self.text.focus_set()
        self.root.after(POLL_MS, self.poll)

    def submit(self, _event: object) -> str:
        content = self.text.get("1.0", "end-1c")
        with self.out.open("a", encoding="utf-8", errors="strict") as stream:
            stream.write(json.dumps(content, ensure_ascii=False) + "\n")
        self.text.delete("1.0", "end")
        return "break"

    def newline(self, _event: object) -> str:
        self.text.insert("insert", "\n")
        return "break"

    def select_all(self, _event: object) -> str:
        self.text.tag_add("sel", "1.0", "end-1c")
        return "break"

    def poll(self) -> None:
        try:
            command = self.control.read_text(encoding="utf-8")
        except FileNotFoundError:
            command = ""
        if command and command != self.last_command:
            self.last_command = command
            self.root.update()  # XSync, then handle every event that came before
            verb, token, *rest = command.split(" ", 2)
            if verb == "clear":
                self.text.delete("1.0", "end")
            elif verb == "draft":
                self.text.insert("end", rest[0] if rest else "")
            self.done.write_text(token, encoding="utf-8")
        self.root.after(POLL_MS, self.poll)


def main() -> None:
    out, control, geometry, title = sys.argv[1:5]
    receiver = Receiver(Path(out), Path(control), geometry, title)
    receiver.root.wait_visibility()
    receiver.done.write_text("ready", encoding="utf-8")
    receiver.root.mainloop()


if __name__ == "__main__":
    main()
