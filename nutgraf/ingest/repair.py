"""Text repaired once, at ingest (pure): mojibake undone, nothing else changed.

Feeds and pages arrive double-encoded ("patientsâ€™" for "patients’": UTF-8 read as
Windows-1252 and encoded again) often enough that a reader meets it daily. ftfy undoes
that, and only that here: quotes stay curly, full-width forms (CJK punctuation) and
ligatures stay as written, no Unicode normalization, so the text keeps every character it
was meant to have. A headline also has HTML entities a publisher escaped twice decoded
("Trump&#8217;s"): a headline is plain text, and its entities were already decoded once.
"""

from __future__ import annotations

from ftfy import TextFixerConfig, fix_text

from nutgraf.controls import strip_sequences

__all__ = ["repair_headline", "repair_text"]

# Control characters and terminal escapes are left to ``controls.strip_controls``, which runs
# after this and takes whole sequences out (ftfy would leave an OSC's text behind).
_TEXT = TextFixerConfig(
    unescape_html=False,
    remove_terminal_escapes=False,
    fix_c1_controls=False,
    remove_control_chars=False,
    fix_latin_ligatures=False,
    fix_character_width=False,
    uncurl_quotes=False,
    fix_line_breaks=False,
    normalization=None,
    explain=False,
)
_HEADLINE = _TEXT._replace(unescape_html="auto")


def repair_text(text: str) -> str:
    """``text`` with mojibake undone and terminal escape sequences out; otherwise as it was
    (other control characters are left for ``strip_controls``)."""
    return fix_text(strip_sequences(text), _TEXT) if text else text


def repair_headline(text: str | None) -> str | None:
    """A headline repaired as ``repair_text``, and HTML entities left in it decoded."""
    return fix_text(strip_sequences(text), _HEADLINE) if text else text
