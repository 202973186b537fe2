"""Terminal control characters out of what nutgraf stores and prints.

A feed decides what its titles hold, and a title carrying ``ESC ] 0 ; ... BEL`` (OSC: set the
window title, make a link), ``ESC [ 2 J`` (CSI: clear the screen) or their one-character
forms (U+009D, U+009B) acts on the terminal of whoever lists the archive. ``strip_controls``
takes out whole escape sequences, then every other C0 and C1 control character; ingest runs
every stored article and feed field through it, and the command line everything it prints
(what an older nutgraf stored too). JSON output keeps the text as it is, with controls
escaped (``json_line``).
"""

from __future__ import annotations

import json
import re
from typing import Any, overload

# Escape sequences, removed whole. CSI: parameters, intermediates, final byte. OSC, DCS, SOS,
# PM and APC strings: up to their terminator (BEL or ST) when it follows within 512 printable
# characters; an unterminated one loses only its introducer, never the text after it (and no
# character is scanned twice: the scan stops at the next control).
# Other ESC sequences: intermediates and a final byte (ESC c, ESC 7, ESC ( B).
_SEQUENCE = re.compile(
    r"(?:\x1b\[|\x9b)[\x30-\x3f]{0,64}[\x20-\x2f]{0,8}[\x40-\x7e]"
    r"|(?:\x1b[\]PX^_]|[\x90\x98\x9d\x9e\x9f])[^\x00-\x1f\x7f-\x9f]{0,512}(?:\x07|\x1b\\|\x9c)"
    r"|\x1b[\x20-\x2f]{0,8}[\x30-\x7e]"
)
# The same sequences where they cannot be mojibake: an 8-bit introducer right after what a
# UTF-8 lead byte reads as in Latin-1 ("Ð\x9b" is "Л" encoded twice) is left for ftfy to
# repair (see ``ingest.repair``), and ``strip_controls`` removes what it does not.
_SEQUENCE_NOT_MOJIBAKE = re.compile(
    r"(?:\x1b\[|(?<![\xc2-\xf4])\x9b)[\x30-\x3f]{0,64}[\x20-\x2f]{0,8}[\x40-\x7e]"
    r"|(?:\x1b[\]PX^_]|(?<![\xc2-\xf4])[\x90\x98\x9d\x9e\x9f])"
    r"[^\x00-\x1f\x7f-\x9f]{0,512}(?:\x07|\x1b\\|\x9c)"
    r"|\x1b[\x20-\x2f]{0,8}[\x30-\x7e]"
)
# Every C0 and C1 control character and DEL, but the tab and the newline text keeps.
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")
# What breaks a line (or moves along it) and becomes a space in a one-line field.
_BREAK = re.compile("[\t\n\r\x0b\x0c\x1c-\x1e\x85\u2028\u2029]+")
# What JSON output escapes besides what json.dumps does (C0): DEL and the C1 controls.
_JSON_ESCAPES = {code: f"\\u{code:04x}" for code in range(0x7F, 0xA0)}


@overload
def strip_controls(text: str, *, lines: bool = False) -> str: ...


@overload
def strip_controls(text: None, *, lines: bool = False) -> None: ...


def strip_controls(text: str | None, *, lines: bool = False) -> str | None:
    """``text`` without escape sequences or control characters (None stays None).

    Args:
        text: a title, a name, a URL, an error message, or with ``lines`` a body text.
        lines: keep newlines and tabs, for text that has paragraphs; without it every line
            break and tab becomes one space, so that a field prints on one line.
    """
    if text is None or text.isprintable():
        return text
    text = _SEQUENCE.sub("", text)
    if not lines:
        text = _BREAK.sub(" ", text)
    return _CONTROL.sub("", text)


def strip_sequences(text: str) -> str:
    """``text`` without the escape sequences that cannot be mojibake: what runs before a
    repair of double-encoded text, which would leave an OSC's words behind."""
    return text if text.isprintable() else _SEQUENCE_NOT_MOJIBAKE.sub("", text)


def json_line(value: Any) -> str:
    """``value`` as one line of JSON, its text unchanged but for escapes: json.dumps escapes
    the C0 controls, and this DEL and the C1 ones, so no control reaches a terminal."""
    return json.dumps(value, ensure_ascii=False).translate(_JSON_ESCAPES)
