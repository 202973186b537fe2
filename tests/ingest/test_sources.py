"""read_source, decode_text and is_html: every rejection, every accepted encoding."""

from __future__ import annotations

import gzip
import io
import os
import random
import zipfile
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nutgraf.errors import InputError
from nutgraf.ingest.sources import MAX_INPUT_BYTES, Document, decode_text, is_html, read_source

RUSSIAN = (
    "Центральный банк России в пятницу сохранил ключевую ставку на уровне шестнадцати "
    "процентов годовых. По словам председателя, инфляция замедляется, но остаётся выше цели."
)
FRENCH = (
    "Le conseil municipal a approuvé lundi la rénovation du théâtre. « C'est une étape "
    "décisive », a déclaré la maire, évoquant un été chargé pour les équipes."
)
CHINESE = (
    "国家统计局周一公布的数据显示，今年第三季度国内生产总值同比增长百分之四点九，略高于市场预期。"
)
POLISH = (
    "Rząd przyjął w poniedziałek nowy pakiet wsparcia dla przedsiębiorstw. Środki trafią do firm."
)


def _decode(data: bytes, name: str = "x.txt") -> str:
    return decode_text(Document(name, data))


def _error(data: bytes, name: str = "x.txt") -> str:
    with pytest.raises(InputError) as raised:
        decode_text(Document(name, data))
    message = str(raised.value)
    assert "\n" not in message
    return message


# --- read_source -----------------------------------------------------------------------------


def test_reads_a_file_by_the_path_as_given(tmp_path: Path) -> None:
    path = tmp_path / "story.txt"
    path.write_bytes(b"Hello, reader.\n")
    doc = read_source(str(path))
    assert doc == Document(str(path), b"Hello, reader.\n")


def test_reads_stdin_for_a_dash() -> None:
    doc = read_source("-", stdin=io.BytesIO(b"piped text"))
    assert doc == Document("<stdin>", b"piped text")


def test_missing_file(tmp_path: Path) -> None:
    missing = str(tmp_path / "x.txt")
    with pytest.raises(InputError, match=r"x\.txt: no such file; check the path$"):
        read_source(missing)


def test_directory(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"is a directory; give the path of a file$"):
        read_source(str(tmp_path))


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="root reads any file")
def test_permission_denied(tmp_path: Path) -> None:
    path = tmp_path / "secret.txt"
    path.write_text("text")
    path.chmod(0)
    with pytest.raises(InputError, match="permission denied; check that the file is readable"):
        read_source(str(path))


def test_file_over_the_limit(tmp_path: Path) -> None:
    path = tmp_path / "x.txt"
    path.write_bytes(b"a" * 150)
    with pytest.raises(InputError) as raised:
        read_source(str(path), max_bytes=100)
    assert (
        str(raised.value) == f"{path}: 150 bytes is over the 100 bytes input limit; split the file"
    )


def test_size_is_checked_before_reading(tmp_path: Path) -> None:
    path = tmp_path / "x"
    with path.open("wb") as handle:  # sparse: 7.2 MB on paper, nothing on disk
        handle.truncate(int(7.2 * 1024 * 1024))
    with pytest.raises(InputError) as raised:
        read_source(str(path))
    assert str(raised.value) == f"{path}: 7.2 MB is over the 5 MB input limit; split the file"


def test_just_over_the_limit_names_exact_sizes(tmp_path: Path) -> None:
    path = tmp_path / "x"
    with path.open("wb") as handle:
        handle.truncate(MAX_INPUT_BYTES + 1)
    with pytest.raises(InputError, match=r"5,242,881 bytes is over the 5,242,880-byte input limit"):
        read_source(str(path))


def test_stdin_over_the_limit_is_read_no_further() -> None:
    stream = io.BytesIO(b"a" * 1000)
    with pytest.raises(InputError) as raised:
        read_source("-", max_bytes=100, stdin=stream)
    assert str(raised.value) == (
        "<stdin>: the input is over the 100 bytes input limit; split it into smaller parts"
    )
    assert stream.tell() == 101


def test_empty_file(tmp_path: Path) -> None:
    path = tmp_path / "x.txt"
    path.write_bytes(b"")
    with pytest.raises(InputError, match=r"x\.txt is empty; give a file that holds an article$"):
        read_source(str(path))


def test_empty_stdin() -> None:
    with pytest.raises(InputError, match=r"^<stdin> is empty; pipe an article"):
        read_source("-", stdin=io.BytesIO(b""))


def test_no_path() -> None:
    with pytest.raises(InputError, match=r"^no input given; pass a file path, or - to read stdin$"):
        read_source("")


def test_a_name_with_a_newline_stays_on_one_line(tmp_path: Path) -> None:
    with pytest.raises(InputError) as raised:
        read_source(str(tmp_path / "a\nb.txt"))
    assert "\n" not in str(raised.value)


# --- decode_text: accepted -------------------------------------------------------------------


def test_utf8() -> None:
    assert _decode(RUSSIAN.encode("utf-8")) == RUSSIAN


def test_utf8_with_bom() -> None:
    assert _decode(FRENCH.encode("utf-8-sig")) == FRENCH


@pytest.mark.parametrize("codec", ["utf-16", "utf-16-le", "utf-16-be", "utf-32"])
def test_utf16_and_utf32_with_bom(codec: str) -> None:
    data = FRENCH.encode(codec)
    if codec.endswith(("le", "be")):  # add the BOM the explicit-endian codecs leave out
        data = "\ufeff".encode(codec) + data
    assert _decode(data) == FRENCH


def test_windows_1251_russian_news_paragraph() -> None:
    assert _decode(RUSSIAN.encode("cp1251")) == RUSSIAN


def test_koi8_r_russian() -> None:
    assert _decode(RUSSIAN.encode("koi8_r")) == RUSSIAN


@pytest.mark.parametrize("codec", ["cp1252", "latin-1"])
def test_western_european_accents(codec: str) -> None:
    assert _decode(FRENCH.encode(codec)) == FRENCH


def test_cp1252_english_with_typographic_quotes() -> None:
    text = "The café’s owner said “we’re open” — and the crème brûlée sold out by noon."
    assert _decode(text.encode("cp1252")) == text


def test_central_european_windows_1250() -> None:
    assert _decode(POLISH.encode("cp1250")) == POLISH


def test_gb2312_chinese() -> None:
    assert _decode(CHINESE.encode("gb2312")) == CHINESE


def test_html_meta_charset_is_honoured() -> None:
    page = (
        '<html><head><meta charset="windows-1251"><title>Ставка</title></head>'
        f"<body><p>{RUSSIAN}</p></body></html>"
    )
    assert _decode(page.encode("cp1251"), "page.html") == page


def test_html_http_equiv_charset_is_honoured() -> None:
    page = (
        '<html><head><meta http-equiv="Content-Type" content="text/html; charset=iso-8859-2">'
        f"</head><body><p>{POLISH}</p></body></html>"
    )
    assert _decode(page.encode("iso-8859-2"), "page.htm") == page


def test_declared_latin1_is_read_as_windows_1252_like_browsers_do() -> None:
    page = (
        '<html><head><meta charset="iso-8859-1"></head>'
        "<body><p>“Quoted” — and 10 € for the café.</p></body></html>"
    )
    assert _decode(page.encode("cp1252")) == page


def test_a_wrong_declared_charset_is_not_trusted() -> None:
    page = f'<html><head><meta charset="utf-8"></head><body><p>{FRENCH}</p></body></html>'
    assert _decode(page.encode("cp1252")) == page


def test_newlines_are_normalised_and_the_bom_dropped() -> None:
    data = "\ufeffOne\r\nTwo\rThree\u2028Four\x0cFive".encode()
    assert _decode(data) == "One\nTwo\nThree\nFour\nFive"


def test_stray_control_characters_are_dropped() -> None:
    text = "A long enough sentence about the council budget, with one stray\x07 bell in it."
    assert _decode(text.encode()) == text.replace("\x07", "")


# --- decode_text: rejected -------------------------------------------------------------------


def test_empty_bytes() -> None:
    assert _error(b"") == "x.txt holds no text; give a file that holds an article"


def test_whitespace_only() -> None:
    assert _error(b" \r\n\t\n  ") == "x.txt holds no text; give a file that holds an article"


def test_nul_bytes() -> None:
    assert _error(b"text\x00\x01\x02more", "x.bin") == (
        "x.bin looks like binary data (it holds NUL bytes), not text or HTML; "
        "give the article as a text or HTML file"
    )


def test_bomless_utf16_gets_an_iconv_hint() -> None:
    message = _error(FRENCH.encode("utf-16-le"))
    assert message == (
        "x.txt looks like UTF-16 text without a byte-order mark; "
        "convert it with iconv -f UTF-16LE -t UTF-8 (or UTF-16BE)"
    )


def test_png_magic() -> None:
    data = b"\x89PNG\r\n\x1a\n" + b"IHDR-and-some-image-data" * 10
    assert _error(data, "x.png") == (
        "x.png looks like binary data (PNG image), not text or HTML; "
        "give the article as a text or HTML file"
    )


def test_real_gzip_and_zip_data(tmp_path: Path) -> None:
    assert "(gzip data)" in _error(gzip.compress(FRENCH.encode()), "x.txt.gz")
    archive = tmp_path / "x.zip"
    with zipfile.ZipFile(archive, "w") as zipped:
        zipped.writestr("story.txt", FRENCH)
    message = _error(archive.read_bytes(), "x.zip")
    assert message.endswith("(ZIP archive), not text or HTML; unpack it first, e.g. with unzip")


@pytest.mark.parametrize(
    ("magic", "kind"),
    [
        (b"\xff\xd8\xff\xe0\x00\x10JFIF", "JPEG image"),
        (b"GIF89a\x01\x00", "GIF image"),
        (b"%PDF-1.7\n%\xe2\xe3", "PDF document"),
        (b"RIFF\x00\x00\x00\x00WEBPVP8 ", "WebP image"),
    ],
)
def test_other_binary_magic(magic: bytes, kind: str) -> None:
    assert f"looks like binary data ({kind}), not text or HTML; " in _error(magic + b"x" * 100)


def test_a_high_share_of_control_characters() -> None:
    rng = random.Random(3)
    data = bytes(rng.choice(b"abc \x01\x02\x03\x1b") for _ in range(500))
    assert _error(data) == (
        "x.txt looks like binary data (control characters), not text or HTML; "
        "give the article as a text or HTML file"
    )


def test_undecodable_random_bytes() -> None:
    rng = random.Random(7)
    data = bytes(rng.randrange(0x80, 0x100) for _ in range(4000))
    assert _error(data) == (
        "x.txt is not valid UTF-8 and its encoding could not be recognised; "
        "convert it with iconv -f <encoding> -t UTF-8"
    )


def test_a_bom_with_invalid_content() -> None:
    data = b"\xff\xfe" + "ok".encode("utf-16-le") + b"\x00\xd8"  # a lone surrogate
    assert _error(data).startswith(
        "x.txt starts with a UTF-16 byte-order mark but is not valid UTF-16; convert it"
    )


@settings(deadline=None, max_examples=150)
@given(st.binary(max_size=3000))
def test_any_bytes_decode_or_raise_input_error(data: bytes) -> None:
    try:
        text = decode_text(Document("x", data))
    except InputError as error:
        assert "\n" not in str(error)
    else:
        assert text.strip()
        assert "\r" not in text
        assert "\x00" not in text


# --- is_html ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "<!DOCTYPE html><html><body><p>Hi</p></body></html>",
        "\ufeff  <!doctype HTML>\n<title>x</title>",
        "<!-- generated by a CMS -->\n<html lang='en'>",
        '<?xml version="1.0" encoding="utf-8"?>\n<html xmlns="http://www.w3.org/1999/xhtml">',
        "<div class='story'><p>First.</p><p>Second.</p></div>",
        "\n\n<p>First paragraph.</p>\n<p>Second paragraph.</p>\n",
        "<article><h1>Title</h1><p>Body</p></article>",
        "<head><meta charset='utf-8'></head><body>Text</body>",
    ],
)
def test_is_html_by_content(text: str) -> None:
    assert is_html(text)


@pytest.mark.parametrize(
    "text",
    [
        "Plain news text.\n\nA second paragraph.",
        "In HTML, the <p> tag marks a paragraph and <div> groups blocks.",
        "<p> is the tag for paragraphs, and that is all there is to it.",
        "<john@example.org> wrote:\n> see <div> below",
        "<3 the new cycle lanes </3",
        "# Markdown title\n\nSome *text* with <br> in it.",
        "",
    ],
)
def test_is_not_html(text: str) -> None:
    assert not is_html(text)


@pytest.mark.parametrize("name", ["story.html", "STORY.HTM", "a/b/page.xhtml"])
def test_is_html_by_name(name: str) -> None:
    assert is_html("no markup at all", name)


def test_content_decides_when_the_name_is_not_html() -> None:
    assert is_html("<html><body><p>x</p></body></html>", "page.txt")
    assert not is_html("plain words", "page.txt")


@settings(max_examples=300)
@given(st.text(max_size=200))
def test_utf8_text_decodes_to_itself_normalised(text: str) -> None:
    """Text with no control character or line break to normalise skips the normalising
    passes; whatever the text, the result is what those passes give."""
    expected = text.lstrip("\ufeff").replace("\r\n", "\n")
    for char in "\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029":
        expected = expected.replace(char, "\n")
    stray = {chr(c) for c in (*range(0x00, 0x09), *range(0x0E, 0x1C), 0x1F, *range(0x7F, 0xA0))}
    expected = "".join(c for c in expected if c not in stray)
    try:
        got = decode_text(Document("x.txt", text.encode("utf-8")))
    except InputError:
        return  # binary-looking, blank, or a known magic number
    assert got == expected


def test_a_file_whose_size_says_zero_is_read_whole() -> None:
    """Reads ask for the size fstat gives, then go on when there is more: a /proc file says 0."""
    status = Path("/proc/self/status")
    if not status.is_file():
        pytest.skip("no /proc on this system")
    data = read_source(str(status)).data
    assert data.startswith(b"Name:") and len(data) > 100
