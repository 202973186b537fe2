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

__all__ = ["repair_headline", "repair_text"]

_TEXT = TextFixerConfig(
    unescape_html=False,
    fix_latin_ligatures=False,
    fix_character_width=False,
    uncurl_quotes=False,
    fix_line_breaks=False,
    normalization=None,
    explain=False,
)
_HEADLINE = _TEXT._replace(unescape_html="auto")


def repair_text(text: str) -> str:
    """``text`` with mojibake undone (and C1 controls, terminal escapes, lone surrogates
    removed); otherwise as it was."""
    return fix_text(text, _TEXT) if text else text


def repair_headline(text: str | None) -> str | None:
    """A headline repaired as ``repair_text``, and HTML entities left in it decoded."""
    return fix_text(text, _HEADLINE) if text else text
