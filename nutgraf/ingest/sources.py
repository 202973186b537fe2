"""Read input bytes safely and turn them into text: the I/O edge of ingestion.

``read_source`` reads a file or stdin with a size limit; ``decode_text`` turns the bytes into
``str`` (BOMs, UTF-8, a declared HTML charset, then a checked guess) or says why it cannot;
``is_html`` tells markup from plain text.
"""

from __future__ import annotations

import codecs
import os
import re
import stat
import sys
from collections import Counter
from contextlib import suppress
from dataclasses import dataclass
from typing import BinaryIO

from nutgraf.errors import InputError

__all__ = [
    "MAX_INPUT_BYTES",
    "Document",
    "decode_text",
    "is_html",
    "open_regular",
    "read_source",
]

MAX_INPUT_BYTES = 5 * 1024 * 1024
STDIN_NAME = "<stdin>"


@dataclass(frozen=True, slots=True)
class Document:
    """Raw input: ``name`` is the path as given (or ``<stdin>``), ``data`` its bytes."""

    name: str
    data: bytes


# --- reading ---------------------------------------------------------------------------------


def read_source(
    source: str, *, max_bytes: int = MAX_INPUT_BYTES, stdin: BinaryIO | None = None
) -> Document:
    """Read a file, or stdin for ``-``, refusing what is missing, empty or too large.

    Args:
        source: a file path, or ``-`` for standard input.
        max_bytes: the largest input accepted; at most ``max_bytes + 1`` bytes are ever read.
        stdin: the stream read for ``-`` (default ``sys.stdin.buffer``).

    Returns:
        The bytes, named by the path as given or ``<stdin>``.

    Raises:
        InputError: the file is missing, unreadable, not a regular file (a directory, a named
            pipe, a device), empty or over ``max_bytes``.
    """
    if source == "-":
        if stdin is None and sys.stdin is None:
            raise InputError("- means standard input, but there is none; pass a file path")
        stream = stdin if stdin is not None else sys.stdin.buffer
        data = stream.read(max_bytes + 1)
        if len(data) > max_bytes:
            raise InputError(
                f"{STDIN_NAME}: the input is over the {_format_size(max_bytes)} input limit; "
                "split it into smaller parts"
            )
        if not data:
            raise InputError(f"{STDIN_NAME} is empty; pipe an article's text or HTML into it")
        return Document(STDIN_NAME, data)
    if not source:
        raise InputError("no input given; pass a file path, or - to read stdin")

    name = _display_name(source)
    try:
        with open_regular(source) as handle:
            size = os.fstat(handle.fileno()).st_size
            if size > max_bytes:
                raise InputError(_too_big(name, size, max_bytes))
            # As much as the file holds: asking for the limit made each read allocate 5 MB.
            data = handle.read(size + 1)
            if len(data) > size:  # it grew since (or a /proc file says 0): on to the limit
                data += handle.read(max_bytes + 1 - len(data))
    except OSError as error:
        raise _unreadable(name, error) from None
    if len(data) > max_bytes:
        raise InputError(_too_big(name, len(data), max_bytes))
    if not data:
        raise InputError(f"{name} is empty; give a file that holds an article")
    return Document(source, data)


def open_regular(source: str) -> BinaryIO:
    """Open a regular file for reading; anything else is refused at once, unopened.

    A named pipe blocks its reader until a writer comes, and a device may never end
    (``/dev/zero``) or wait for a terminal (``/dev/tty``): none of them holds an article, and
    reading one hung the command. The path is checked before it is opened, then the opened
    file again, opened without blocking so that a pipe swapped in between cannot hang the
    open itself.

    Raises:
        InputError: the path is missing, unreadable, or not a regular file (one line).
    """
    name = _display_name(source)
    if "\x00" in source:
        raise InputError(f"{name} is not a path (it holds a NUL character); check the name")
    try:
        _require_regular(name, os.stat(source).st_mode)
        fd = os.open(source, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    except OSError as error:
        raise _unreadable(name, error) from None
    try:
        _require_regular(name, os.fstat(fd).st_mode)
        os.set_blocking(fd, True)
    except BaseException:
        os.close(fd)
        raise
    return os.fdopen(fd, "rb")


_NOT_FILES = (
    (stat.S_ISFIFO, "a named pipe (FIFO)"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
)


def _require_regular(name: str, mode: int) -> None:
    """Refuse a directory, a pipe, a device or a socket, saying which it is."""
    if stat.S_ISREG(mode):
        return
    if stat.S_ISDIR(mode):
        raise InputError(f"{name} is a directory; give the path of a file")
    kind = next((kind for test, kind in _NOT_FILES if test(mode)), "a special file")
    raise InputError(
        f"{name} is {kind}, not a regular file; give a file, or pipe the input into - "
        "(standard input)"
    )


def _unreadable(name: str, error: OSError) -> InputError:
    """An operating system error on opening or reading ``name``, as one line."""
    if isinstance(error, FileNotFoundError):
        return InputError(f"{name}: no such file; check the path")
    if isinstance(error, IsADirectoryError):
        return InputError(f"{name} is a directory; give the path of a file")
    if isinstance(error, PermissionError):
        return InputError(f"{name}: permission denied; check that the file is readable (chmod +r)")
    reason = error.strerror or type(error).__name__
    return InputError(f"{name}: cannot be read ({reason}); check the path")


def _too_big(name: str, size: int, limit: int) -> str:
    """The message for an input over the limit, with sizes that read differently."""
    shown, shown_limit = _format_size(size), _format_size(limit)
    if shown == shown_limit:  # 5 MB + 1 byte must not read "5 MB is over the 5 MB limit"
        shown, shown_limit = f"{size:,} bytes", f"{limit:,}-byte"
    return f"{name}: {shown} is over the {shown_limit} input limit; split the file"


def _format_size(size: int) -> str:
    """``7.2 MB``, ``5 MB``, ``12.5 KB``, ``100 bytes`` (binary units, as the limit is)."""
    for unit, scale in (("MB", 1024 * 1024), ("KB", 1024)):
        if size >= scale:
            return f"{size / scale:.1f}".removesuffix(".0") + f" {unit}"
    return f"{size} bytes"


def _display_name(name: str) -> str:
    """The name as given, escaped when it would break a one-line message."""
    return name if name.isprintable() else repr(name)


# --- decoding --------------------------------------------------------------------------------

_BOMS = (  # UTF-32 first: its little-endian BOM starts with UTF-16's
    (codecs.BOM_UTF32_LE, "utf-32", "UTF-32"),
    (codecs.BOM_UTF32_BE, "utf-32", "UTF-32"),
    (codecs.BOM_UTF8, "utf-8-sig", "UTF-8"),
    (codecs.BOM_UTF16_LE, "utf-16", "UTF-16"),
    (codecs.BOM_UTF16_BE, "utf-16", "UTF-16"),
)

_IMAGE_HINT = "give the article as a text or HTML file"
_MAGIC: tuple[tuple[bytes, str, str], ...] = (
    (b"\x89PNG\r\n\x1a\n", "PNG image", _IMAGE_HINT),
    (b"\xff\xd8\xff", "JPEG image", _IMAGE_HINT),
    (b"GIF87a", "GIF image", _IMAGE_HINT),
    (b"GIF89a", "GIF image", _IMAGE_HINT),
    (b"II*\x00", "TIFF image", _IMAGE_HINT),
    (b"MM\x00*", "TIFF image", _IMAGE_HINT),
    (b"%PDF-", "PDF document", "extract its text first, e.g. with pdftotext"),
    (b"PK\x03\x04", "ZIP archive", "unpack it first, e.g. with unzip"),
    (b"PK\x05\x06", "ZIP archive", "unpack it first, e.g. with unzip"),
    (b"\x1f\x8b", "gzip data", "decompress it first, e.g. with gunzip"),
    (b"BZh", "bzip2 data", "decompress it first, e.g. with bunzip2"),
    (b"\xfd7zXZ\x00", "xz data", "decompress it first, e.g. with unxz"),
    (b"(\xb5/\xfd", "zstd data", "decompress it first, e.g. with unzstd"),
    (b"7z\xbc\xaf\x27\x1c", "7-Zip archive", "unpack it first, e.g. with 7z x"),
    (b"Rar!\x1a\x07", "RAR archive", "unpack it first, e.g. with unrar"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "legacy Office document", "save it as text or HTML"),
    (b"SQLite format 3\x00", "SQLite database", _IMAGE_HINT),
    (b"\x7fELF", "executable", _IMAGE_HINT),
    (b"OggS", "Ogg media", _IMAGE_HINT),
    (b"ID3", "MP3 audio", _IMAGE_HINT),
)
_RIFF_KINDS = {b"WEBP": "WebP image", b"WAVE": "WAV audio", b"AVI ": "AVI video"}

# C0/C1 controls but those text may hold (\t \n \v \f \r): a sign of binary data.
_BINARY_CONTROLS = re.compile("[\x00-\x08\x0e-\x1f\x7f-\x9f]")
_MAX_CONTROL_SHARE = 0.02
# The line breaks str.splitlines() knows, so that later stages can split on "\n" alone.
_LINE_BREAKS = re.compile("\r\n|[\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029]")
_STRAY_CONTROLS = re.compile("[\x00-\x08\x0e-\x1b\x1f\x7f-\x84\x86-\x9f]")
# Every character the three patterns above match: text without one needs none of them.
_UNUSUAL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029]")

_DECLARED_CHARSET = re.compile(
    rb"""<meta[^>]{0,500}?charset\s*=\s*["']?\s*([a-z0-9_.:-]{1,40})"""
    rb"""|^\s*<\?xml[^>]{0,200}?encoding\s*=\s*["']([a-z0-9_.:-]{1,40})""",
    re.IGNORECASE,
)
_PRESCAN_BYTES = 4096
# Labels browsers treat as a superset (WHATWG Encoding): decode as the superset.
_SUPERSETS = {
    "ascii": "cp1252",
    "iso8859_1": "cp1252",
    "iso8859_9": "cp1254",
    "iso8859_11": "cp874",
    "tis_620": "cp874",
    "gb2312": "gb18030",
    "gbk": "gb18030",
    "shift_jis": "cp932",
    "euc_kr": "cp949",
    "big5": "big5hkscs",
}
_SAMPLE_CHARS = 20_000  # of a guessed decoding, judged for plausibility
_MAX_ODDNESS = 0.15  # share of a guessed decoding's non-ASCII characters that look misdecoded


def decode_text(doc: Document) -> str:
    """Decode input bytes to text, or explain why they are not text.

    Accepts UTF-8 (with or without BOM) and UTF-16/32 with a BOM; for HTML, a declared
    ``<meta charset>`` that decodes cleanly; otherwise a legacy encoding only when the
    guess is confident and the decoded text reads as one plausible alphabet. Newlines are
    normalised to ``\\n``, a BOM and stray control characters are dropped.

    Args:
        doc: the bytes and the name used in error messages.

    Returns:
        The text, never empty or blank.

    Raises:
        InputError: the bytes are binary, undecodable, or hold no text.
    """
    name = _display_name(doc.name)
    data = doc.data
    text = _decode_with_bom(name, data)
    if text is None:
        _reject_binary(name, data)
        text = _decode_utf8(data)
    if text is None:
        text = _decode_declared(data, doc.name)
    if text is None:
        text = _decode_guessed(data)
    if text is None:
        raise InputError(
            f"{name} is not valid UTF-8 and its encoding could not be recognised; "
            "convert it with iconv -f <encoding> -t UTF-8"
        )
    if _UNUSUAL.search(text) is None:  # most text: nothing to check or normalise, one scan
        text = text.lstrip("\ufeff")
    else:
        if "\x00" in text or _control_share(text) > _MAX_CONTROL_SHARE:
            raise InputError(
                f"{name} looks like binary data (control characters), not text or HTML; "
                f"{_IMAGE_HINT}"
            )
        text = _STRAY_CONTROLS.sub("", _LINE_BREAKS.sub("\n", text.lstrip("\ufeff")))
    if not text.strip():
        raise InputError(f"{name} holds no text; give a file that holds an article")
    return text


def _decode_with_bom(name: str, data: bytes) -> str | None:
    """Decode by a byte-order mark; ``None`` without one."""
    for bom, codec, label in _BOMS:
        if data.startswith(bom):
            try:
                return data.decode(codec)
            except UnicodeDecodeError:
                raise InputError(
                    f"{name} starts with a {label} byte-order mark but is not valid {label}; "
                    "convert it with iconv -f <encoding> -t UTF-8"
                ) from None
    return None


def _reject_binary(name: str, data: bytes) -> None:
    """Raise for known binary formats and NUL bytes, naming what the data seems to be."""
    kind, hint = _binary_kind(data)
    if kind:
        raise InputError(f"{name} looks like binary data ({kind}), not text or HTML; {hint}")
    if b"\x00" in data:
        if _looks_like_bomless_utf16(data):
            raise InputError(
                f"{name} looks like UTF-16 text without a byte-order mark; "
                "convert it with iconv -f UTF-16LE -t UTF-8 (or UTF-16BE)"
            )
        raise InputError(
            f"{name} looks like binary data (it holds NUL bytes), not text or HTML; {_IMAGE_HINT}"
        )


def _binary_kind(data: bytes) -> tuple[str, str]:
    """The format a magic number names and how to get text out of it, or ``("", "")``."""
    if data[:4] == b"RIFF" and data[8:12] in _RIFF_KINDS:
        return _RIFF_KINDS[data[8:12]], _IMAGE_HINT
    if data[4:8] == b"ftyp":
        return "MP4/HEIC media", _IMAGE_HINT
    for magic, kind, hint in _MAGIC:
        if data.startswith(magic):
            return kind, hint
    return "", ""


def _looks_like_bomless_utf16(data: bytes) -> bool:
    """Mostly-ASCII UTF-16: NUL in nearly every odd (or every even) byte, few elsewhere."""
    sample = data[:4096]
    half = len(sample) // 2
    if half < 4:
        return False
    nul_odd = sample[1::2].count(0) / half  # ASCII text in UTF-16LE: every second byte NUL
    nul_even = sample[0::2].count(0) / half
    return max(nul_odd, nul_even) > 0.7 and min(nul_odd, nul_even) < 0.1


def _decode_utf8(data: bytes) -> str | None:
    """Strict UTF-8, or ``None``."""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return None


def _decode_declared(data: bytes, name: str) -> str | None:
    """Decode with the charset an HTML page declares, when it decodes cleanly."""
    head = data[:_PRESCAN_BYTES]
    if not is_html(head.decode("latin-1"), name):
        return None
    match = _DECLARED_CHARSET.search(head)
    if match is None:
        return None
    label = (match.group(1) or match.group(2)).decode("ascii").lower()
    try:
        codec = codecs.lookup(label).name.replace("-", "_")
    except LookupError:
        return None
    if codec.startswith(("utf_16", "utf_32")):  # a byte stream cannot declare these in ASCII
        return None
    for candidate in dict.fromkeys((_SUPERSETS.get(codec, codec), codec)):
        try:
            text = data.decode(candidate)
        except (UnicodeDecodeError, LookupError):
            continue
        if _control_share(text) <= _MAX_CONTROL_SHARE:
            return text
    return None


def _decode_guessed(data: bytes) -> str | None:
    """Guess a legacy encoding with charset_normalizer; keep it only if the text reads well.

    charset_normalizer alone often confuses single-byte encodings (cp1250 for French,
    cp1252 for Polish), so its candidates, plus cp1252 and KOI8-R, are re-ranked by how
    plausible their non-ASCII letters are (one alphabet, no symbols inside words).
    """
    # Only legacy-encoded input comes here: UTF-8 text starts faster without the import.
    from charset_normalizer import from_bytes
    from charset_normalizer.md import mess_ratio

    matches = from_bytes(data)
    if not matches:
        return None  # charset_normalizer finds no text encoding: binary or noise
    chaos: dict[str, float] = {}  # decoded text -> mess ratio, in order of preference
    with suppress(UnicodeDecodeError):
        western = data.decode("cp1252")  # the commonest legacy encoding wins ties
        chaos[western] = mess_ratio(western[:_SAMPLE_CHARS])
    for match in matches:
        chaos.setdefault(str(match), match.chaos)
    with suppress(UnicodeDecodeError):
        russian = data.decode("koi8_r")  # which charset_normalizer seldom proposes
        chaos.setdefault(russian, mess_ratio(russian[:_SAMPLE_CHARS]))
    text = min(chaos, key=_oddness)  # the first of the least odd
    if chaos[text] > 0.2 or _oddness(text) > _MAX_ODDNESS:
        return None
    return text


def _control_share(text: str) -> float:
    """The share of characters that are controls text does not use."""
    return len(_BINARY_CONTROLS.findall(text)) / len(text) if text else 0.0


# Letters beyond ASCII that each language written in a legacy 8-bit encoding uses (lower
# case). A correct decoding draws its accented letters from one of these; a wrong one mixes
# alphabets ("crčme brűlée") or puts symbols inside words ("Rz¹d").
_LATIN_ALPHABETS = (
    "àâæçéèêëîïôœùûüÿ",  # French
    "äöüßéàè",  # German (with common French loans)
    "áéíñóúüàèìòù",  # Spanish, Italian
    "áâãàçéêíóôõú",  # Portuguese
    "àçèéíïòóúü",  # Catalan
    "áéëèêíïóöúüàìò",  # Dutch, Afrikaans
    "æøåéäöüáó",  # Danish, Norwegian, Swedish
    "äöåšžéü",  # Finnish, Estonian
    "áðéíóúýþæö",  # Icelandic
    "ąćęłńóśźżéü",  # Polish
    "áčďéěíňóřšťúůýžäöü",  # Czech, Slovak
    "áäčďéíĺľňóôŕšťúýž",  # Slovak
    "áéíóöőúüű",  # Hungarian
    "čćđšžéäöü",  # Slovenian, Croatian, Bosnian
    "ăâîșşțţéáöü",  # Romanian
    "çğıöşüâîûé",  # Turkish
    "ąčęėįšųūžéäöü",  # Lithuanian
    "āčēģīķļņšūžõäöü",  # Latvian
)
_CYRILLIC, _GREEK, _HEBREW, _ARABIC, _THAI, _CJK, _WIDE = range(7)
_SCRIPT_RANGES = (  # (first, last, script); Latin and anything unlisted is -1
    ("\u0400", "\u052f", _CYRILLIC),
    ("\u0370", "\u03ff", _GREEK),
    ("\u0590", "\u05ff", _HEBREW),
    ("\u0600", "\u06ff", _ARABIC),
    ("\u0e00", "\u0e7f", _THAI),
    ("\u1100", "\u11ff", _CJK),  # Hangul Jamo
    ("\u3000", "\u30ff", _CJK),  # CJK punctuation, Hiragana, Katakana
    ("\u3400", "\u9fff", _CJK),  # ideographs
    ("\uac00", "\ud7af", _CJK),  # Hangul syllables
    ("\uff00", "\uffef", _WIDE),  # half- and full-width forms
)
_HALFWIDTH_KANA = ("\uff65", "\uff9f")  # legacy Shift-JIS letters: mostly a sign of misdecoding
_SPACED_SCRIPTS = frozenset({-1, _CYRILLIC, _GREEK, _HEBREW, _ARABIC})
_INWORD_PUNCTUATION = frozenset("’'·‑-ʼ–—…")
_WORD = re.compile(r"[^\s\d!-/:-@\[-`{-~]+")  # runs without whitespace, digits, ASCII punctuation


def _script(char: str) -> int:
    """The script group of a non-ASCII character (-1: Latin or other)."""
    for low, high, script in _SCRIPT_RANGES:
        if low <= char <= high:
            return script
    return -1


def _oddness(text: str) -> float:
    """Share of non-ASCII characters that look misdecoded (0.0: none)."""
    letters: Counter[str] = Counter()
    odd = total = 0
    for word in _WORD.findall(text[:_SAMPLE_CHARS]):
        if word.isascii():
            continue
        lower_seen = False
        for index, char in enumerate(word):
            if char.isascii():
                lower_seen = lower_seen or char.islower()
                continue
            total += 1
            if char.isalpha():
                letters[char.lower()] += 1
                if _HALFWIDTH_KANA[0] <= char <= _HALFWIDTH_KANA[1]:
                    odd += 1
                if char.isupper() and lower_seen:
                    odd += 1  # "rÉforme", "рПЮБХ": a capital inside a lower-case word
                lower_seen = lower_seen or char.islower()
            elif (
                0 < index < len(word) - 1
                and char not in _INWORD_PUNCTUATION
                and _is_spaced_letter(word[index - 1])
                and _is_spaced_letter(word[index + 1])
            ):
                odd += 1  # "Rz¹d": a symbol between letters
    latin = {char: count for char, count in letters.items() if _script(char) < 0}
    if latin:
        covered = max(
            sum(count for char, count in latin.items() if char in alphabet)
            for alphabet in _LATIN_ALPHABETS
        )
        odd += sum(latin.values()) - covered
    scripts = Counter(_script(char) for char in letters.elements())
    if len(scripts) > 1:  # e.g. Cyrillic with stray Latin accents, kanji with half-width kana
        odd += sum(scripts.values()) - max(scripts.values())
    return odd / total if total else 0.0


def _is_spaced_letter(char: str) -> bool:
    """A letter of a script that separates words with spaces (not CJK or Thai)."""
    return char.isalpha() and _script(char) in _SPACED_SCRIPTS


# --- HTML or not -----------------------------------------------------------------------------

_HTML_SUFFIXES = frozenset({".html", ".htm", ".xhtml"})
_LEADING_NOISE = re.compile(r"(?:\s|\ufeff|<!--.*?-->|<\?xml[^>]*\?>)*", re.DOTALL)
_STARTS_AS_DOCUMENT = re.compile(r"<(?:!doctype\s+html|html)\b", re.IGNORECASE)
_STARTS_WITH_TAG = re.compile(r"<[a-z][a-z0-9]*\b[^<>]*>", re.IGNORECASE)
_BODY_TAG = re.compile(r"<(?:body|p|div|article)\b[^<>]*>", re.IGNORECASE)
_CLOSING_TAG = re.compile(r"</[a-z][a-z0-9]*\s*>", re.IGNORECASE)
_NEAR_START = 2048


def is_html(text: str, name: str | None = None) -> bool:
    """Whether ``text`` is HTML: by its file name, or by markup at its start.

    A ``.html``/``.htm``/``.xhtml`` name, a leading doctype or ``<html>``, or a text that
    starts with a tag and has ``<body>``, ``<p>``, ``<div>`` or ``<article>`` near its start
    (and some closing tag) is HTML. Prose that mentions ``<p>`` is not.
    """
    if name is not None and os.path.splitext(name)[1].lower() in _HTML_SUFFIXES:
        return True
    start = _LEADING_NOISE.match(text)
    offset = start.end() if start else 0
    head = text[offset : offset + _NEAR_START]
    if _STARTS_AS_DOCUMENT.match(head):
        return True
    return bool(
        _STARTS_WITH_TAG.match(head) and _BODY_TAG.search(head) and _CLOSING_TAG.search(text)
    )
