"""Plain text and plain-text page dumps in, an ``Article`` out.

A page dump is a web page copied as text: the title first, one line per block, and the page's
chrome (summary and share buttons, related links, navigation, source, byline and date lines)
mixed in. Chrome is recognized by its shape, helped by a small multilingual vocabulary, and
kept as data (``related``, ``source``, ``previous``...), never as body.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date
from itertools import chain, groupby, islice, pairwise
from typing import Final, Literal, NamedTuple, get_args

from nutgraf.extract.bounds import MAX_BLOCKS, MAX_TEXT_CHARS, bound_blocks, merge_tiny_runs
from nutgraf.records import Article, Block

__all__ = ["parse_text"]

Role = Literal["related", "previous", "next", "source", "byline", "published", "tags", "chrome"]

# Navigation and chrome words: language -> role -> "|"-separated phrases. A phrase matches a
# whole short line (case-insensitive, surrounding punctuation and counts ignored) or the label
# of a "Label: value" line. A phrase ending in " *" matches the start of a line instead.
CHROME_VOCABULARY: Final[dict[str, dict[Role, str]]] = {
    "en": {
        "related": "read also|also read|read more|related|related articles|related stories|"
        "related news|see also|more on this story|more stories|you may also like|most read|"
        "you might also like|recommended|recommended for you|most popular|trending|"
        "further reading|more from *",
        "previous": "previous article|previous story|previous post|previous",
        "next": "next article|next story|next post|next|up next",
        "source": "source|sources",
        "byline": "by|author|authors|written by",
        "published": "published on|published|last updated|updated on|updated|posted on|posted|date",
        "tags": "tags|topics|filed under",
        "chrome": "share|share this|share this article|share this story|facebook|twitter|x|email|"
        "linkedin|whatsapp|telegram|e-mail|print|copy link|advertisement|advert|ad|sponsored|"
        "sponsored content|subscribe|subscribe now|subscribe to our newsletter *|newsletter|"
        "sign up for our newsletter *|comments|comment|leave a comment|show comments|search|"
        "back to top|skip to content|skip to main content|menu|home|log in|sign in|accept|"
        "accept all|accept all cookies|accept cookies|reject all|cookie settings|"
        "manage preferences|we use cookies *|this site uses cookies *|this website uses cookies *|"
        "no time to read|get a summary|summarize|summarise|listen to this article|listen|photo|"
        "image|credit|follow us|continue reading|reading time",
    },
    "pl": {
        "related": "czytaj także|czytaj też|czytaj również|czytaj więcej|zobacz też|polecamy|"
        "zobacz także|zobacz również|przeczytaj również|przeczytaj także|przeczytaj też|"
        "najczęściej czytane|najpopularniejsze|powiązane artykuły|więcej na ten temat|więcej z *",
        "previous": "poprzedni artykuł|poprzedni wpis|poprzedni",
        "next": "następny artykuł|następny wpis|kolejny artykuł|następny",
        "source": "źródło|źródła",
        "byline": "autor|autorka|autorzy|oprac",
        "published": "opublikowano|data publikacji|aktualizacja|zaktualizowano|dodano|data",
        "tags": "tagi|tematy",
        "chrome": "reklama|udostępnij|udostępnij artykuł|podziel się|skomentuj|komentarze|drukuj|"
        "subskrybuj|zapisz się|zapisz się do newslettera *|do góry|wróć na górę|strona główna|"
        "akceptuję|zaakceptuj wszystkie|ustawienia cookies|używamy plików cookie *|"
        "ta strona używa plików cookie *|strona korzysta z plików cookie *|czas czytania|"
        "nie masz czasu na czytanie|posłuchaj|posłuchaj artykułu|zdjęcie|fot|foto",
    },
    "de": {
        "related": "lesen sie auch|lesen sie mehr|auch interessant|mehr zum thema|siehe auch|"
        "das könnte sie auch interessieren|weitere artikel|meistgelesen|ähnliche artikel|"
        "mehr von *",
        "previous": "vorheriger artikel|vorheriger beitrag|voriger artikel|vorheriger",
        "next": "nächster artikel|nächster beitrag|nächster",
        "source": "quelle|quellen",
        "byline": "von|autor|autorin",
        "published": "veröffentlicht am|veröffentlicht|aktualisiert am|aktualisiert|stand|datum",
        "tags": "schlagwörter|schlagworte|themen",
        "chrome": "anzeige|werbung|teilen|artikel teilen|abonnieren|jetzt abonnieren|startseite|"
        "newsletter abonnieren|kommentare|kommentieren|drucken|nach oben|alle akzeptieren|"
        "akzeptieren|ablehnen|cookie-einstellungen|zum inhalt springen|vorlesen|artikel anhören|"
        "wir verwenden cookies *|diese website verwendet cookies *|keine zeit zum lesen|foto|"
        "bild|lesezeit",
    },
    "ru": {
        "related": "читайте также|читайте ещё|читайте еще|смотрите также|см. также|по теме|"
        "ещё по теме|еще по теме|похожие статьи|похожие новости|самое читаемое|рекомендуем",
        "previous": "предыдущая статья|предыдущая новость|предыдущий материал|предыдущая",
        "next": "следующая статья|следующая новость|следующий материал|следующая",
        "source": "источник|источники",
        "byline": "автор|авторы",
        "published": "опубликовано|дата публикации|обновлено|дата",
        "tags": "теги|метки",
        "chrome": "реклама|поделиться|подписаться|подпишитесь|подпишитесь на рассылку *|главная|"
        "комментарии|версия для печати|наверх|принять|принять все|мы используем файлы cookie *|"
        "мы используем cookie *|нет времени читать|слушать|фото|время чтения",
    },
    "uk": {
        "related": "читайте також|дивіться також|за темою|схожі новини",
        "previous": "попередня стаття|попередня новина",
        "next": "наступна стаття|наступна новина",
        "source": "джерело",
        "published": "опубліковано|оновлено",
        "tags": "мітки",
        "chrome": "поділитися|підписатися|коментарі|ми використовуємо файли cookie *",
    },
    "fr": {
        "related": "lire aussi|à lire aussi|voir aussi|sur le même sujet|les plus lus",
        "previous": "article précédent|précédent",
        "next": "article suivant|suivant",
        "byline": "par|auteur",
        "published": "publié le|publié|mis à jour le|mis à jour",
        "tags": "mots-clés",
        "chrome": "publicité|partager|s'abonner|abonnez-vous|commentaires|imprimer|tout accepter|"
        "nous utilisons des cookies *|ce site utilise des cookies *|temps de lecture|accueil",
    },
    "es": {
        "related": "lee también|lea también|leer más|ver también|noticias relacionadas|"
        "te puede interesar|lo más leído",
        "previous": "artículo anterior|anterior",
        "next": "artículo siguiente|siguiente artículo|siguiente",
        "source": "fuente",
        "byline": "por",
        "published": "publicado|actualizado",
        "tags": "etiquetas",
        "chrome": "publicidad|compartir|suscríbete|comentarios|imprimir|aceptar|aceptar todo|"
        "utilizamos cookies *|usamos cookies *|este sitio utiliza cookies *|tiempo de lectura",
    },
    "it": {
        "related": "leggi anche|vedi anche|articoli correlati|potrebbe interessarti|i più letti",
        "previous": "articolo precedente|precedente",
        "next": "articolo successivo|prossimo articolo|successivo",
        "source": "fonte",
        "byline": "di|autore",
        "published": "pubblicato il|pubblicato|aggiornato",
        "chrome": "pubblicità|condividi|iscriviti|abbonati|commenti|stampa|torna su|accetta tutti|"
        "utilizziamo i cookie *|questo sito utilizza cookie *|tempo di lettura",
    },
}

# Month names that dates may spell out, January first: one line per language or declension.
MONTH_NAMES: Final = """
january february march april may june july august september october november december
jan feb mar apr may jun jul aug sep oct nov dec
stycznia lutego marca kwietnia maja czerwca lipca sierpnia września października listopada grudnia
styczeń luty marzec kwiecień maj czerwiec lipiec sierpień wrzesień październik listopad grudzień
januar februar märz april mai juni juli august september oktober november dezember
января февраля марта апреля мая июня июля августа сентября октября ноября декабря
січня лютого березня квітня травня червня липня серпня вересня жовтня листопада грудня
janvier février mars avril mai juin juillet août septembre octobre novembre décembre
enero febrero marzo abril mayo junio julio agosto septiembre octubre noviembre diciembre
gennaio febbraio marzo aprile maggio giugno luglio agosto settembre ottobre novembre dicembre
"""

_ROLES: Final[tuple[Role, ...]] = get_args(Role)
_SINGLE_VALUED: Final = ("source", "byline", "published", "previous", "next")


def _phrases(role: Role, *, prefixes: bool = False) -> list[str]:
    """The vocabulary's phrases for ``role`` (whole-line, or prefix without " *"), longest first."""
    phrases = {p for lang in CHROME_VOCABULARY.values() for p in lang.get(role, "").split("|")}
    found = {p.removesuffix(" *") for p in phrases if p and p.endswith(" *") == prefixes}
    return sorted(found, key=len, reverse=True)


def _any_of(role: Role, *, prefixes: bool = False) -> str:
    """A regex alternation of the role's phrases."""
    return "|".join(map(re.escape, _phrases(role, prefixes=prefixes)))


_ROLE_OF: Final[dict[str, Role]] = {p: role for role in _ROLES for p in _phrases(role)}
_RELATED_PREFIX: Final = re.compile(rf"^(?:{_any_of('related', prefixes=True)})\b", re.I)
_CHROME_PREFIX: Final = re.compile(rf"^(?:{_any_of('chrome', prefixes=True)})\b", re.I)
_BYLINE_PREFIX: Final = re.compile(rf"^(?:{_any_of('byline')})\s*:?\s+(?=[^\W\d_])", re.I)
_DATE_LABEL: Final = re.compile(
    rf"^(?:{_any_of('published')})\b\s*(?:on|am|le|el|il|dnia)?\s*:?\s*", re.I
)
_MONTHS: Final[dict[str, int]] = {
    name: number
    for line in MONTH_NAMES.strip().splitlines()
    for number, name in enumerate(line.split(), start=1)
} | {"sept": 9, "jänner": 1}

_YEAR = r"(?P<y>\d{4})(?:\s*(?:r\.|г\.|года\b))?"
_DATE_FORMS: Final = tuple(
    re.compile(form)
    for form in (
        r"(?P<y>\d{4})-(?P<m>\d{1,2})-(?P<d>\d{1,2})"
        r"(?:[T ](?P<h>\d{1,2}):(?P<mi>\d{2})(?::\d{2}(?:\.\d+)?)?(?P<tz>Z|[+-]\d{2}:?\d{2})?)?",
        r"(?P<d>\d{1,2})\.(?P<m>\d{1,2})\." + _YEAR,
        r"(?P<d>\d{1,2})/(?P<m>\d{1,2})/" + _YEAR,
        r"(?P<d>\d{1,2})(?:st|nd|rd|th)?\.?\s+(?:de\s+|of\s+)?(?P<month>[^\W\d_]+)\.?,?\s+"
        r"(?:de\s+)?" + _YEAR,
        r"(?P<month>[^\W\d_]+)\.?\s+(?P<d>\d{1,2})(?:st|nd|rd|th)?,?\s+" + _YEAR,
    )
)
_WEEKDAY: Final = re.compile(r"[^\W\d_]{2,12}\.?,\s+")  # "Tuesday, ", "wtorek, "
_LEAD_TIME: Final = re.compile(r"(?P<h>\d{1,2}):(?P<mi>\d{2})\s*,?\s*")
_TIME: Final = re.compile(
    r",?\s*(?:at|um|o|godz\.|в|à|a las|alle|ore)?\s*(?P<h>\d{1,2})[:.h](?P<mi>\d{2})(?::\d{2})?"
    r"\s*(?P<ampm>[ap]\.?m\.?)?",
    re.I,
)
_READING_TIME: Final = re.compile(
    r"^\d+\s*(?:min|mins|minutes?|minut[ya]?|мин|минут[ыа]?|хв)\.?\s*"
    r"(?:read|czytania|lesezeit|чтения|читання|de lecture|de lectura|di lettura)?$",
    re.I,
)
_BULLET: Final = re.compile(r"^(?:[-–—•*·▪►▸●◦]|\d{1,2}[.)])\s+")
_DECORATION: Final = re.compile(r"^(?:[-–—•*·▪►▸●◦]\s+|\d{1,2}[.)]\s+|[«»‹›←→]+\s*)|\s*[«»‹›←→]+$")
_KEY_TRIM: Final = " \t:;.,!?…·|•*#+-–—«»‹›←→<>()[]\"'“”„’"  # around vocabulary lines
_SENTENCE_END: Final = re.compile(r"(?<=\w\w)[.!?][\"'”’»)]*\s")
_META_SPLIT: Final = re.compile(r"\s+[|·•—–]\s+")
_BREADCRUMB_SPLIT: Final = re.compile(r"\s+[›»>/→]\s+")
_WORD_CHAR: Final = re.compile(r"[^\W_]")
_DIGIT: Final = re.compile(r"\d")
_CLOSERS: Final = "\"'”’»)]"
_NAME_JOINERS: Final = frozenset(
    ("and", "und", "i", "и", "і", "et", "y", "e", "&", "de", "van", "von", "der", "di", "la")
)

_HEADING: Final = (16, 120)  # (words, characters) at most, for subheadings
_TITLE: Final = (30, 250)
_LINK: Final = (35, 250)
_TITLE_SCAN = 8  # the title is among the first units, after leading chrome
_WRAP_MIN, _WRAP_MAX = 40, 120  # widths of hard-wrapped prose lines
_MAX_CHROME, _MAX_META, _MAX_REPEATED, _MAX_DATE_TAIL = 80, 160, 80, 16  # characters
_MAX_LABEL, _MAX_LABEL_VALUE_WORDS = 40, 30  # characters before the colon, words after it
# Units the scan reads at most: twice the blocks an article keeps, room for as much chrome as
# body; and the characters after which it stops reading, twice the text an article keeps.
_MAX_UNITS = 2 * MAX_BLOCKS
_MAX_UNIT_CHARS = 2 * MAX_TEXT_CHARS
# Characters of the text read at all: twice that again, for white space and line breaks.
_MAX_READ_CHARS = 4 * MAX_TEXT_CHARS
# Where str.splitlines breaks lines; it splits the text a window of characters at a time.
_WINDOW = 65_536
_LINE_BREAK: Final = re.compile("\r\n|[\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029]")


class _Unit(NamedTuple):
    """A line (or hard-wrapped lines joined) and the blank-line-separated chunk it came from."""

    text: str
    chunk: int


@dataclass(slots=True)
class _Draft:
    """What the scan has found so far; ``blocks`` kinds are "paragraph" or "heading"."""

    blocks: list[tuple[str, str]] = field(default_factory=list)
    related: list[str] = field(default_factory=list)
    source: str | None = None
    byline: str | None = None
    published: str | None = None
    previous: str | None = None
    next: str | None = None


def parse_text(text: str) -> Article:
    """Turn plain text or a plain-text page dump into an ``Article``.

    Args:
        text: Any string: an article as plain text (paragraphs split by blank lines, or by
            single newlines when there are none), or a web page copied as text.

    Returns:
        The article. Page chrome goes to ``related``, ``source``, ``byline``, ``published``,
        ``previous`` and ``next``, never into ``blocks``. Text without content gives an
        ``Article`` without blocks.
    """
    units = _split_units(text)
    title_at = _find_title(units)
    counts = Counter(u.text for u in units if len(u.text) <= _MAX_REPEATED)
    draft = _Draft()
    i = 0
    while i < len(units):
        i = i + 1 if i == title_at else _scan_unit(units, i, draft, counts)
    return Article(
        title=None if title_at is None else units[title_at].text,
        blocks=_finish_blocks(draft.blocks),
        source=draft.source,
        byline=draft.byline,
        published=draft.published,
        related=tuple(dict.fromkeys(draft.related)),
        previous=draft.previous,
        next=draft.next,
    )


def _split_units(text: str) -> list[_Unit]:
    """Lines with whitespace collapsed; hard-wrapped lines joined when blank lines split chunks.

    Bounded whatever the text, for the scan costs tens of microseconds a line: only the first
    ``_MAX_READ_CHARS`` characters are read, a line at a time (a million lines are never held
    at once), runs of tiny lines are merged (``merge_tiny_runs``), and reading stops at
    ``_MAX_UNITS`` units or ``_MAX_UNIT_CHARS`` characters of them.
    """
    chunks = _chunks(text[:_MAX_READ_CHARS])
    first, second = next(chunks, None), next(chunks, None)
    if first is None:
        return []
    if second is None:  # no blank lines: every line is a paragraph
        units: Iterator[_Unit] = (_Unit(line, n) for n, line in enumerate(first))
    else:
        units = (
            _Unit(t, n)
            for n, chunk in enumerate(chain((first, second), chunks))
            for t in _split_chunk(chunk)
        )
    kept: list[_Unit] = []
    size = 0
    for unit in units:
        if len(kept) == _MAX_UNITS or size > _MAX_UNIT_CHARS:
            break
        kept.append(unit)
        size += len(unit.text)
    return kept


def _chunks(text: str) -> Iterator[list[str]]:
    """The blank-line-separated chunks of ``text``, as lists of at most ``_MAX_UNITS`` lines,
    after runs of tiny lines are merged (across blank lines too: a merged run is one line, in
    the chunk where it starts)."""
    lines = merge_tiny_runs(_numbered_lines(text), _text_of_line, _merged_line, MAX_TEXT_CHARS)
    for _, chunk in groupby(lines, key=_chunk_of_line):
        yield [line for _, line in islice(chunk, _MAX_UNITS)]


def _numbered_lines(text: str) -> Iterator[tuple[int, str]]:
    """The non-blank lines of ``text``, white space collapsed, each with the number of its
    blank-line-separated chunk."""
    chunk, blank = 0, False
    for line in _collapsed_lines(text):
        if not line:
            blank = True
            continue
        if blank:
            chunk, blank = chunk + 1, False
        yield chunk, line


def _collapsed_lines(text: str) -> Iterator[str]:
    """``text.splitlines()``, each line with its white space collapsed, read a window at a time
    (``str.splitlines`` on the whole text would hold every line at once)."""
    start = 0
    while start < len(text):
        found = _LINE_BREAK.search(text, start + _WINDOW)
        end = found.end() if found else len(text)
        for line in text[start:end].splitlines():
            yield " ".join(line.split())
        start = end


def _text_of_line(line: tuple[int, str]) -> str:
    return line[1]


def _chunk_of_line(line: tuple[int, str]) -> int:
    return line[0]


def _merged_line(first: tuple[int, str], text: str) -> tuple[int, str]:
    return first[0], text


def _split_chunk(lines: list[str]) -> list[str]:
    """One paragraph if the lines are wrapped prose (maybe under a heading), else one per line."""
    if len(lines) == 1 or _is_wrapped(lines):
        return [" ".join(lines)]
    if len(lines) > 2 and _is_headline(lines[0], _HEADING) and _is_wrapped(lines[1:]):
        return [lines[0], " ".join(lines[1:])]
    return lines


def _is_wrapped(lines: list[str]) -> bool:
    """Whether each line but the last was broken because its next word did not fit."""
    width = max(map(len, lines))
    pairs = pairwise(lines)
    if width > _WRAP_MAX or any(
        len(a) < _WRAP_MIN or len(a) + len(b.split()[0]) < width for a, b in pairs
    ):
        return False
    return not any(_BULLET.match(line) or _is_chrome_line(line) for line in lines)


def _find_title(units: list[_Unit]) -> int | None:
    """Index of the first headline-shaped unit after leading chrome, if content follows it."""
    for i, unit in enumerate(units[:_TITLE_SCAN]):
        if _is_chrome_line(unit.text) or _is_kicker(unit.text):
            continue
        return i if i + 1 < len(units) and _is_headline(unit.text, _TITLE) else None
    return None


def _is_kicker(text: str) -> bool:
    """A one-word section label above a title ("World"); caseless scripts have no spaces."""
    return " " not in text and text.lower() != text.upper()


def _is_chrome_line(text: str) -> bool:
    """Whether a line is chrome on its own: vocabulary, known labels, meta, breadcrumbs."""
    return (
        _chrome_role(text) is not None
        or _CHROME_PREFIX.match(text) is not None
        or _label_line(text) is not None
        or _parse_meta(text) is not None
        or _is_breadcrumb(text)
    )


def _scan_unit(units: list[_Unit], i: int, draft: _Draft, counts: Counter[str]) -> int:
    """Classify ``units[i]`` (and the units it governs) into ``draft``; return the next index."""
    text = units[i].text
    if not _WORD_CHAR.search(text) or _CHROME_PREFIX.match(text):
        return i + 1
    labelled = _label_line(text)
    if labelled is not None:
        _keep(draft, *labelled)
        return i + 1
    role = _chrome_role(text)
    if role is None and _RELATED_PREFIX.match(text) and _is_headline(text, _HEADING):
        role = "related"  # "More from The Courier"
    if role in ("related", "tags"):
        items, end = _list_items(units, i, is_item=_is_link if role == "related" else _is_tag)
        draft.related.extend(items if role == "related" else ())
        return end
    if role in ("previous", "next"):
        if i + 1 < len(units) and _is_link(units[i + 1].text):
            _keep(draft, role, _strip_decoration(units[i + 1].text))
            return i + 2
        return i + 1
    # "Published 2026-01-05" reads as the bare label once its digits are trimmed: parse it.
    meta = None if role not in (None, "published") else _parse_meta(text)
    if meta is not None:
        _keep(draft, "byline", meta[0])
        _keep(draft, "published", meta[1])
    is_repeated = counts[text] > 1 and _is_headline(text, _HEADING)
    if role or meta or _is_breadcrumb(text) or is_repeated:
        return i + 1
    if _BULLET.match(text):
        return _scan_bullets(units, i, draft)
    draft.blocks.append(("heading" if _is_headline(text, _HEADING) else "paragraph", text))
    return i + 1


def _keep(draft: _Draft, role: Role, value: str | None) -> None:
    """Store a chrome value by role: related links add up, other roles keep their first value."""
    if value and role == "related":
        draft.related.append(_strip_decoration(value))
    elif value and role in _SINGLE_VALUED and getattr(draft, role) is None:
        setattr(draft, role, value)


def _scan_bullets(units: list[_Unit], i: int, draft: _Draft) -> int:
    """A run of bulleted lines: related links when all are headlines, else body paragraphs."""
    end = i
    while end < len(units) and _BULLET.match(units[end].text):
        end += 1
    items = [_strip_decoration(unit.text) for unit in units[i:end]]
    after_colon = bool(draft.blocks) and draft.blocks[-1][1].endswith(":")
    if end - i > 1 and not after_colon and all(_is_headline(t, _LINK) for t in items):
        draft.related.extend(items)
    else:
        draft.blocks.extend(("paragraph", unit.text) for unit in units[i:end])
    return end


def _list_items(
    units: list[_Unit], i: int, is_item: Callable[[str], bool]
) -> tuple[list[str], int]:
    """Items under a list header: those in its chunk if any, else the run of items after it."""
    same_chunk = i + 1 < len(units) and units[i + 1].chunk == units[i].chunk
    items: list[str] = []
    end = i + 1
    while end < len(units) and is_item(text := units[end].text):
        if same_chunk and units[end].chunk != units[i].chunk:
            break
        if items and bool(_BULLET.match(text)) != bool(_BULLET.match(units[end - 1].text)):
            break  # a list is all bulleted or all plain
        items.append(_strip_decoration(text))
        end += 1
    return items, end


def _is_link(text: str) -> bool:
    """Whether a line can be a linked headline: not chrome, and headline-shaped or bulleted."""
    if _chrome_role(text) is not None or _label_line(text) is not None:
        return False
    stripped = _strip_decoration(text)
    if _BULLET.match(text) and not _has_sentence_break(stripped):
        return len(stripped.split()) <= _LINK[0]
    return _is_headline(stripped, _LINK)


def _is_tag(text: str) -> bool:
    """Whether a line can be an item under "Tags:": a few words, no sentence."""
    return len(text.split()) <= 4 and text[-1] not in ".!?" and _chrome_role(text) is None


def _chrome_role(text: str) -> Role | None:
    """The vocabulary role of a whole short line ("Read Also:", "Share", "Comments (3)")."""
    if len(text) > _MAX_CHROME:
        return None
    return _ROLE_OF.get(text.strip(_KEY_TRIM).rstrip(_KEY_TRIM + "0123456789").casefold())


def _label_line(text: str) -> tuple[Role, str] | None:
    """(role, value) of a "Label: value" line whose label is in the vocabulary."""
    colon = text.find(":", 0, _MAX_LABEL)
    label = text[:colon].strip().casefold() if colon > 1 else ""
    role = _ROLE_OF.get(label) if len(label) > 1 else None  # not "X: Musk sues advertisers"
    value = text[colon + 1 :].strip() if role else ""
    too_long = len(value.split()) > _MAX_LABEL_VALUE_WORDS or _has_sentence_break(value)
    if role is None or not value or too_long:
        return None
    if role == "published":
        return role, _parse_date(value) or ""
    if role in ("related", "previous", "next") and not _is_link(value):
        return None
    return None if role == "byline" and not _is_name(value) else (role, value)


def _parse_meta(text: str) -> tuple[str | None, str | None] | None:
    """(byline, published) of a meta line ("By Jane Doe | 12 March 2024", "5 min read")."""
    if len(text) > _MAX_META:
        return None
    byline = published = None
    names = []
    for part in _META_SPLIT.split(text):
        prefix = _BYLINE_PREFIX.match(part)
        when = _DATE_LABEL.sub("", part)
        iso = _parse_date(when)
        if prefix and _is_name(part[prefix.end() :]):
            byline = byline or part[prefix.end() :]
        elif iso or not when:  # a date, maybe labelled, or a bare date label ("Updated")
            published = published or iso
        elif not _READING_TIME.match(part):
            names.append(part)
    if (byline is None and published is None and names) or len(names) > 1:
        return None
    if names and not _is_name(names[0]):
        return None
    return byline or (names[0] if names else None), published


def _parse_date(text: str) -> str | None:
    """ISO 8601 of a text that is a date with an optional time; None when it is not one."""
    if not _DIGIT.search(text):
        return None
    lead = _LEAD_TIME.match(text)
    rest = text[lead.end() :] if lead else text
    rest = rest[weekday.end() :] if (weekday := _WEEKDAY.match(rest)) else rest
    found = next(filter(None, (form.match(rest) for form in _DATE_FORMS)), None)
    if found is None:
        return None
    parts = {k: v for k, v in found.groupdict().items() if v}
    clock = None if "h" in parts else _TIME.match(rest, found.end())
    time = clock or (None if "h" in parts else lead)
    if time:
        parts |= {k: v for k, v in time.groupdict().items() if v}
    if len(rest) - (clock or found).end() > _MAX_DATE_TAIL:
        return None
    day, month = int(parts["d"]), _MONTHS.get(parts.get("month", "").casefold(), 0)
    month = month or int(parts.get("m", "0"))
    if "/" in found.group():  # D/M/Y, or M/D/Y when the second number is no month
        if day <= 12 and month <= 12 and day != month:
            return None
        day, month = (month, day) if month > 12 else (day, month)
    try:
        return date(int(parts["y"]), month, day).isoformat() + _format_time(parts)
    except ValueError:
        return None


def _format_time(parts: dict[str, str]) -> str:
    """ "THH:MM" and the zone as given, or "" when there is no valid time."""
    if "h" not in parts:
        return ""
    hour, minute, ampm = int(parts["h"]), int(parts["mi"]), parts.get("ampm", "").lower()
    hour = hour % 12 + (12 if ampm.startswith("p") else 0) if ampm else hour
    zone = parts.get("tz", "")
    zone = f"{zone[:3]}:{zone[3:]}" if len(zone) == 5 else zone
    return f"T{hour:02d}:{minute:02d}{zone}" if hour < 24 and minute < 60 else ""


def _is_name(text: str) -> bool:
    """Whether text reads as author names ("Jane Doe and John Roe, Reuters")."""
    words = [w for w in text.replace(",", " ").split() if _WORD_CHAR.search(w)]
    named = [w for w in words if w.casefold() not in _NAME_JOINERS]
    if not words or len(text) > _MAX_CHROME or not words[0][0].isupper():
        return False
    return 0 < len(named) <= 6 and all(w[0].isupper() for w in named)


def _is_breadcrumb(text: str) -> bool:
    """ "Home › World › Europe": short parts joined by path separators."""
    parts = _BREADCRUMB_SPLIT.split(text) if len(text) <= _MAX_CHROME else ()
    return len(parts) > 1 and all(len(p.split()) <= 4 and p[-1:] not in ".!?" for p in parts)


def _is_headline(text: str, limits: tuple[int, int]) -> bool:
    """Short, starts with a capital or digit, one sentence, no closing full stop or comma."""
    max_words, max_chars = limits
    if len(text) > max_chars or len(text.split()) > max_words or _BULLET.match(text):
        return False
    first, end = _WORD_CHAR.search(text), text.rstrip(_CLOSERS)[-1:]
    if first is None or first.group().islower() or not end or end in ".,;:。，；：":
        return False
    return not _has_sentence_break(text)


def _has_sentence_break(text: str) -> bool:
    """Whether a sentence ends inside text (after a lower-case word, so "U.S." does not count)."""
    return any(text[m.start() - 2 : m.start()].islower() for m in _SENTENCE_END.finditer(text))


def _strip_decoration(text: str) -> str:
    """A headline without its bullet, dash, number or arrows."""
    return _DECORATION.sub("", text).strip() or text


def _finish_blocks(blocks: list[tuple[str, str]]) -> tuple[Block, ...]:
    """Headings between paragraphs become subheadings, others are chrome; no paragraphs: body.
    The body is bounded (``bound_blocks``)."""
    at = [n for n, (kind, _) in enumerate(blocks) if kind == "paragraph"]
    if not at:
        return bound_blocks(Block("paragraph", text) for _, text in blocks)
    return bound_blocks(
        Block("paragraph" if kind == "paragraph" else "subheading", text)
        for n, (kind, text) in enumerate(blocks)
        if kind == "paragraph" or at[0] < n < at[-1]
    )
