"""XML that declares entities or a DTD, given as a local file or served over HTTP: the same
one-line refusal either way, and nothing stored (issue 15, point 14)."""

from __future__ import annotations

from pathlib import Path

import pytest

from nutgraf.batch.ingest import sniff
from tests.batch.conftest import Page, Site
from tests.batch.test_ingest_cli import run

HOSTILE = Path(__file__).resolve().parents[1] / "data" / "feeds" / "hostile"
BOMB = (
    b'<?xml version="1.0"?>\n<!DOCTYPE rss [\n <!ENTITY a "aaaaaaaaaa">\n'
    b' <!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">\n]>\n'
    b"<rss version='2.0'><channel><title>&b;</title><item><title>&b;</title></item>"
    b"</channel></rss>"
)
# A DTD subset longer than the 4 KB the old sniffing looked at: the root is past it.
LONG_SUBSET = (
    b'<?xml version="1.0"?>\n<!DOCTYPE feed [\n'
    + b"<!-- padding -->\n" * 400
    + b'<!ENTITY x SYSTEM "file:///etc/hostname">\n]>\n'
    + b'<feed xmlns="http://www.w3.org/2005/Atom"><title>&x;</title></feed>'
)
OPML_BOMB = (
    b'<?xml version="1.0"?>\n<!DOCTYPE opml [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;&a;">]>\n'
    b'<opml version="2.0"><head><title>&b;</title></head>'
    b'<body><outline text="&b;" xmlUrl="https://feeds.example/a.xml"/></body></opml>'
)
CASES = {
    **{path.name: path.read_bytes() for path in sorted(HOSTILE.iterdir())},
    "generated-bomb.xml": BOMB,
    "long-subset.atom": LONG_SUBSET,
    "bomb.opml": OPML_BOMB,
}


def refusals(err: str, label: str) -> list[str]:
    """The reasons of the ``Error:`` lines about ``label``."""
    prefix = f"Error: {label}: "
    return [line[len(prefix) :] for line in err.splitlines() if line.startswith(prefix)]


@pytest.mark.parametrize("name", sorted(CASES))
def test_xml_with_a_dtd_is_refused_alike_from_a_file_and_over_http(
    name: str, tmp_path: Path, site: Site, loopback_allowed: None
) -> None:
    data = CASES[name]
    local = tmp_path / name
    local.write_bytes(data)
    db = tmp_path / "archive.db"
    code, out, err = run("ingest", str(local), db=db)
    assert (code, out.splitlines()[-1]) == (
        1,
        "0 new, 0 updated, 0 unchanged, 0 duplicates, 1 failed",
    ), err
    from_file = refusals(err, str(local))
    assert len(from_file) == 1 and "refusing to parse" in from_file[0], err
    assert [line for line in err.splitlines() if line.startswith("Error: ")] == [
        f"Error: {local}: {from_file[0]}"
    ]
    assert "Traceback" not in err

    # Served as plain XML (no feed media type): the bytes decide, as they do for the file.
    site.pages[f"/{name}"] = Page(data, "text/xml")
    code, out, err = run("ingest", site.url(f"/{name}"), db=db)
    assert code == 1 and refusals(err, site.url(f"/{name}")) == from_file, err
    assert run("export", db=db)[1] == ""  # nothing stored, either way
    assert run("feeds", "--json", db=db)[1] == ""  # and no OPML subscribed from it


@pytest.mark.parametrize("name", sorted(CASES))
def test_sniff_never_calls_xml_with_a_dtd_text(name: str) -> None:
    kind = sniff(CASES[name], None)
    assert kind == ("opml" if name.endswith(".opml") else "feed")
    assert sniff(CASES[name], "text/plain") == kind


@pytest.mark.parametrize(
    ("data", "kind"),
    [
        (b"<!DOCTYPE html><html><body><p>a</p></body></html>", "html"),
        (
            b'<?xml version="1.0"?><!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Strict//EN" '
            b'"http://www.w3.org/TR/xhtml1/DTD/xhtml1-strict.dtd"><html><body/></html>',
            "html",
        ),
        (
            b'<!DOCTYPE rss PUBLIC "-//Netscape Communications//DTD RSS 0.91//EN" '
            b'"http://my.netscape.com/publish/formats/rss-0.91.dtd"><rss version="0.91"/>',
            "feed",
        ),
        (b'<?xml version="1.0"?><!DOCTYPE book SYSTEM "http://x/book.dtd"><book/>', "feed"),
        (b"Harbour reopens\n\nThe harbour <b>reopened</b> today.", "text"),
        (b"<p>A pasted fragment.</p>", "html"),
    ],
)
def test_sniff_keeps_pages_and_text_apart_from_xml(data: bytes, kind: str) -> None:
    assert sniff(data, None) == kind
