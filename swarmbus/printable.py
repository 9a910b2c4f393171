"""Untrusted text made safe to print on a terminal: control characters shown, never obeyed.

Any sender decides what a message body holds, and an ESC sequence printed raw
retitles, clears or recolours the operator's terminal; a carriage return or a
right-to-left override makes a line show something other than what it holds.
`visible` writes every such character as an escape (`\\x1b`, `\\r`, `\\u202e`)
instead. Newlines and tabs may stay, so a multi-line body in a table stays readable.
"""

from __future__ import annotations

import functools

_NAMED = {"\t": "\\t", "\n": "\\n", "\r": "\\r"}
# Unicode's bidirectional formatting characters: they reorder what follows on the line.
_BIDI = (0x061C, 0x200E, 0x200F, *range(0x202A, 0x202F), *range(0x2066, 0x206A))


def _escape(code: int) -> str:
    char = chr(code)
    if char in _NAMED:
        return _NAMED[char]
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


@functools.cache
def _table(keep_lines: bool) -> dict[int, str]:
    codes = [*range(0x00, 0x20), 0x7F, *range(0x80, 0xA0), *_BIDI]
    kept = {ord("\n"), ord("\t")} if keep_lines else set()
    return {code: _escape(code) for code in codes if code not in kept}


def visible(text: str, *, keep_lines: bool = False) -> str:
    """`text` with every control character escaped (newlines and tabs kept with `keep_lines`)."""
    return text.translate(_table(keep_lines))


@functools.cache
def _json_table() -> dict[int, str]:
    return {code: f"\\u{code:04x}" for code in (0x7F, *range(0x80, 0xA0), *_BIDI)}


def json_visible(document: str) -> str:
    """JSON text with the control characters `json.dumps` leaves raw written as \\u escapes.

    `json.dumps(ensure_ascii=False)` escapes C0 controls only; DEL, C1 (an
    8-bit CSI) and bidi overrides would reach a terminal raw. As `\\u` escapes
    the document still decodes to exactly the same values.
    """
    return document.translate(_json_table())
