"""A news-grade sentence splitter that keeps exact character offsets.

``split_sentences(text)`` returns ``(start, end)`` pairs such that ``text[start:end]`` is the
sentence, stripped of surrounding white space. It knows the habits of news copy:

- abbreviations and titles (``Mr.``, ``Gen.``, ``Jan. 5``, ``No. 1``, ``U.S.``), initials
  (``George W. Bush``), decimals and money (``$1.5 billion``), ellipses;
- quotations: a sentence ends after its closing quote, and ``"Stop!" she said.`` is one sentence;
- datelines (``(CNN)``, ``WASHINGTON (Reuters) --``, ``LONDON, England -``) are not part of the
  first sentence;
- lines: a heading without a full stop, or a bullet, is a sentence of its own, while a line
  wrapped in the middle of a sentence is joined to the next;
- Latin and Cyrillic scripts (German ordinals such as ``am 3. Oktober`` stay whole);
- other scripts' marks: the Devanagari danda (``।`` ``॥``), the Arabic question mark and
  full stop (``؟`` ``۔``, Arabic, Persian, Urdu), the Greek question mark (``;`` after a Greek
  letter, and U+037E), and the CJK marks ``。！？``, which need no space after them (a closing
  quote or bracket, ``」』”）``, stays with its sentence); the Greek ano teleia (``·``) is a
  semicolon and ends nothing;
- scripts without sentence marks (Thai, Lao, Khmer, Myanmar): a paragraph is cut at the
  spaces between its phrases into units of ``UNMARKED_MIN_CHARS`` characters or more, and any
  unspaced run without a mark (a CJK page without ``。``) at ``UNMARKED_MAX_CHARS`` at most.

It is a pure function of its input, written for speed: one pass of compiled regexes. Text in
Latin and Cyrillic is split by the same passes as before the other scripts were added.
"""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_left

from nutgraf.nlp.scripts import CJK_RUN, SOUTHEAST_RUN, UNSPACED

Span = tuple[int, int]

# Marks that end a sentence and need no space after them (CJK, full and half width).
_WIDE_STOPS = "。！？｡"
_GREEK = "\u0370-\u03ff\u1f00-\u1fff"
_SOUTHEAST_LETTERS = "\u0e00-\u0e7f\u0e80-\u0eff\u1000-\u109f\u1780-\u17ff"
_TERMINATORS = ".!?…।॥؟۔\u037e" + _WIDE_STOPS
_OPENERS = "\"'“‘«„([¿¡"

# A run of sentence terminators (``stop``), the closing quotes or brackets after it, then
# white space, and where the next word starts (the end of ``space``). A spaced ellipsis
# (". . .") is tried first, so that its first period is not taken alone; the lookbehind keeps
# that branch to runs that open with a period. The pattern opens with a plain character class
# so that the regex engine can skip to the next terminator at C speed: opening with the
# alternation made it try the whole pattern at every character (2.4x slower).
_CANDIDATE = re.compile(
    r"(?P<stop>[.!?…।॥؟۔](?:(?<=\.)(?:\s?\.){2,}|[.!?…।॥؟۔]*))"
    r"(?P<closers>[\"'”’»)\]]*)"
    r"(?=(?P<space>\s+))"
)
_QUOTES = re.compile(r"[\"“”«»„]")
# What text holding CJK marks or a Greek question is split with instead: the same candidates,
# plus the CJK marks and the Greek question mark, with the white space after them optional
# (a candidate without it is a boundary only after a CJK mark, or after "!" or "?" right
# before a CJK character), and the CJK quotes and brackets.
_SCRIPT_MARKS = re.compile(f"[{_WIDE_STOPS}\u037e]|[{_GREEK}];")
_SCRIPT_CANDIDATE = re.compile(
    f"(?P<stop>[.!?…।॥؟۔{_WIDE_STOPS}\u037e](?:(?<=\\.)(?:\\s?\\.){{2,}}|[.!?…।॥؟۔{_WIDE_STOPS}]*)"
    f"|(?<=[{_GREEK}]);)"
    "(?P<closers>[\"'”’»)\\]」』）》〉】〕〗〙〛＂＇]*)"
    "(?=(?P<space>\\s*))"
)
_SCRIPT_QUOTES = re.compile(r"[\"“”«»„「」『』]")
# Scripts without sentence marks: a paragraph in them is cut at a space between two of their
# letters (a phrase break) once the unit has this many characters; any unspaced run without
# a mark is cut at the most (at a clause mark, else a space, else between characters).
UNMARKED_MIN_CHARS = 60
UNMARKED_MAX_CHARS = 300
_CLAUSE_MARKS = re.compile(r"[，、；：,;:]\s*|\s+")
_PHRASE_BREAK = re.compile(f"(?<=[{_SOUTHEAST_LETTERS}])\\s+(?=[{_SOUTHEAST_LETTERS}])")
_MAX_QUOTED = 320  # characters: a quotation longer than this is split into its sentences
_LINE = re.compile(r"[^\n]+")
_ABBREVIATION = re.compile(r"(?:[^\W\d_]+\.)+[^\W\d_]+")  # "U.S", "e.g", "m.in", not "3.5"
_BULLET = re.compile(r"[ \t]*(?:[-–—•*·▪►]|\d{1,2}[.)])[ \t]+(?=\S)")
# "(CNN)", "(CNN) --", "WASHINGTON (CNN) --", "LONDON, England -", "MOSCOW, March 3 (Reuters) -"
_DATELINE = re.compile(
    r"""[ \t]*(?:
        (?:[A-ZА-ЯЁ][\w.'’-]*(?:[ \t,]+[A-ZА-ЯЁ][\w.'’-]*){0,4}[ \t,]*)?
        \((?:CNN|AP|AFP|Reuters|UPI|dpa|PAP|ТАСС|TASS|РИА\ Новости|Interfax)[^)\n]{0,25}\)
        [ \t]*(?:[-–—]{1,2}[ \t]*)?
      |
        [A-ZА-ЯЁ][A-ZА-ЯЁ.'’ -]{1,30}[A-ZА-ЯЁ.]
        (?:,[ \t]*[A-Z][\w. ]{1,25})?
        (?:[ \t]*\([^)\n]{1,25}\))?
        [ \t]*[-–—]{1,2}[ \t]+
    )""",
    re.VERBOSE,
)


def _words(words: str) -> frozenset[str]:
    """The set of the words in ``words``, separated by white space (tables read best that way)."""
    return frozenset(words.split())


# Never end a sentence: titles and words that are always followed by more.
_TITLES = _words(
    """mr mrs ms mx dr prof gen col lt sgt capt cmdr adm maj brig cpl pvt gov sen rep rev
    fr st mt ft pres supt insp det hon amb messrs mme mlle sr jr esq vs v cf viz approx
    dept univ assn bros ave blvd rd sq ed eds tel ext est ca op al e.g i.e a.k.a
    hr dz ust pkt tzw np ok godz ul im pl al prof ks mgr inż
    bzw usw ca dr zb z.b d.h u.a s.o vgl evtl ggf inkl u.ä
    г гг т т.е т.д т.п ул им др проф млн млрд тыс руб стр см рис"""
)
# Never end a sentence when a number follows: "No. 1", "Art. 5", "pp. 12".
_NUMBERED = _words("no nos nr art sec ch vol vols fig figs pp p par kap s стр ст п")
# Can end a sentence too: split after them only when a typical sentence opener follows.
_SOMETIMES_FINAL = _words(
    """etc inc ltd co corp plc llc u.s u.k u.n u.s.a e.u a.m p.m jan feb mar apr jun jul aug
    sep sept oct nov dec mon tue tues wed thu thurs fri sat sun"""
)
_MONTHS = _words(
    """january february march april may june july august september october november december
    januar februar märz april mai juni juli august september oktober november dezember
    jänner"""
)
# German articles and contractions that put a number before a noun: "der 2. Weltkrieg".
_ORDINAL_ARTICLES = _words("der die das den dem des im zum zur vom beim ins")
# Words that open sentences; after "U.S." or "Inc." they mean a new sentence has begun.
_OPENER_WORDS = _words(
    """the a an he she it they we i you his her its their our this that these those there
    but and or so yet if when while after before as in on at for from to with by of
    however meanwhile still also then now some many most all no not one two three
    what who why how where which mr mrs ms dr"""
)


def split_sentences(text: str, limit: int | None = None) -> list[Span]:
    """Split ``text`` into sentences and return their ``(start, end)`` character offsets; the
    first ``limit`` of them when it is given (and the text after them is not read)."""
    spans: list[Span] = []
    caseless = text == text.lower()  # all lower case: capitals cannot mark sentence starts
    scripts = not text.isascii() and _SCRIPT_MARKS.search(text) is not None
    for start, end, first in _blocks(text):
        start = _skip_markers(text, start, end, first)
        _split_block(text, start, end, spans, caseless, limit, scripts)
        if limit is not None and len(spans) >= limit:
            return spans[:limit]
    return spans


def _blocks(text: str) -> list[tuple[int, int, bool]]:
    """Group lines into blocks: a line that continues the sentence of the previous one joins it.

    Each block is ``(start, end, first)`` where ``first`` says it opens a paragraph.
    """
    blocks: list[tuple[int, int, bool]] = []
    previous_end = -1
    for match in _LINE.finditer(text):
        start, end = match.span()
        line = match.group()
        if not line.strip():
            previous_end = -1
            continue
        if start > previous_end + 1:
            previous_end = -1  # only newlines since the last line: an empty line, a new paragraph
        if blocks and previous_end >= 0 and _continues(text, blocks[-1], start, line):
            block_start, _, first = blocks[-1]
            blocks[-1] = (block_start, end, first)
        else:
            blocks.append((start, end, previous_end < 0))
        previous_end = end
    return blocks


def _continues(text: str, block: tuple[int, int, bool], start: int, line: str) -> bool:
    """A wrapped line: the previous line stops mid-sentence and this one goes on in lower case."""
    previous = text[block[0] : block[1]].rstrip()
    if not previous or previous[-1] in _TERMINATORS or previous[-1] in ":;":
        return False
    if _BULLET.match(line):
        return False
    head = line.lstrip()
    return bool(head) and (head[0].islower() or head[0] in ",;")


def _skip_markers(text: str, start: int, end: int, first: bool) -> int:
    """Step over a bullet marker, and a dateline at the start of a paragraph."""
    bullet = _BULLET.match(text, start, end)
    if bullet:
        return bullet.end()
    if first:
        dateline = _DATELINE.match(text, start, end)
        if dateline and dateline.end() < end and _looks_like_dateline(dateline.group()):
            return dateline.end()
    return start


def _looks_like_dateline(found: str) -> bool:
    stripped = found.strip()
    if stripped.startswith("("):
        return True
    # A capitalised place, not a shouted sentence or a heading: few words before the dash.
    place = stripped.split("(")[0].rstrip(" -–—,")
    return 0 < len(place.split()) <= 5


def _split_block(
    text: str,
    start: int,
    end: int,
    spans: list[Span],
    caseless: bool,
    limit: int | None,
    scripts: bool = False,
) -> None:
    """Append the sentences of the block ``text[start:end]`` to ``spans``; ``scripts`` says
    the text holds CJK marks or a Greek question (``_SCRIPT_CANDIDATE`` finds them)."""
    sentence_start = start
    candidates, boundary_test = (
        (_SCRIPT_CANDIDATE, _is_script_boundary) if scripts else (_CANDIDATE, _is_boundary)
    )
    quote_marks = _SCRIPT_QUOTES if scripts else _QUOTES
    quotes = [m.start() for m in quote_marks.finditer(text, start, end)]
    for match in candidates.finditer(text, start, end):
        boundary = match.end()
        if quotes and _inside_short_quote(quotes, sentence_start, boundary, end):
            continue
        if boundary_test(text, match, end, caseless):
            _append(text, sentence_start, boundary, spans, limit)
            sentence_start = boundary
            if limit is not None and len(spans) >= limit:
                return
    _append(text, sentence_start, end, spans, limit)


def _inside_short_quote(quotes: list[int], start: int, position: int, limit: int) -> bool:
    """A quotation opened in this sentence and closed soon after: keep it in one sentence.

    ``quotes`` are the sorted positions of the block's quotation marks.
    """
    first = bisect_left(quotes, start)
    after = bisect_left(quotes, position, first)
    if (after - first) % 2 == 0:
        return False
    return after < len(quotes) and quotes[after] < min(limit, start + _MAX_QUOTED)


def _append(text: str, start: int, end: int, spans: list[Span], limit: int | None) -> None:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    if start >= end:
        return
    if end - start > UNMARKED_MIN_CHARS and _is_unmarked(text, start, end):
        _append_units(text, start, end, spans, limit)
    else:
        spans.append((start, end))


def _is_unmarked(text: str, start: int, end: int) -> bool:
    """Whether the span is in a script without sentence marks (Thai and its neighbours), or
    is a run of CJK longer than ``UNMARKED_MAX_CHARS`` that no mark cut: most of its
    characters are theirs."""
    if UNSPACED.search(text, start, end) is None:
        return False
    southeast = sum(m.end() - m.start() for m in SOUTHEAST_RUN.finditer(text, start, end))
    if 2 * southeast > end - start:
        return True
    if end - start <= UNMARKED_MAX_CHARS:
        return False
    cjk = sum(m.end() - m.start() for m in CJK_RUN.finditer(text, start, end))
    return 2 * cjk > end - start


def _append_units(text: str, start: int, end: int, spans: list[Span], limit: int | None) -> None:
    """Cut an unmarked span into units: at a space between two letters of a script without
    sentence marks once a unit has ``UNMARKED_MIN_CHARS``, and at ``UNMARKED_MAX_CHARS`` at
    most (after the last clause mark or space before it, else between two characters)."""
    unit = start
    for space in _PHRASE_BREAK.finditer(text, start, end):
        if limit is not None and len(spans) >= limit:
            return
        while space.start() - unit > UNMARKED_MAX_CHARS:
            unit = _append_capped(text, unit, space.start(), spans)
        if space.start() - unit >= UNMARKED_MIN_CHARS:
            spans.append((unit, space.start()))
            unit = space.end()
    while end - unit > UNMARKED_MAX_CHARS and (limit is None or len(spans) < limit):
        unit = _append_capped(text, unit, end, spans)
    if unit < end:
        spans.append((unit, end))


def _append_capped(text: str, start: int, end: int, spans: list[Span]) -> int:
    """Append one unit of at most ``UNMARKED_MAX_CHARS`` from ``start`` (``end`` is further
    on) and return where the next one starts."""
    cap = start + UNMARKED_MAX_CHARS
    cut = next_start = 0
    for mark in _CLAUSE_MARKS.finditer(text, start + UNMARKED_MIN_CHARS, cap):
        cut, next_start = mark.end(), mark.end()
        if text[mark.start()].isspace():
            cut = mark.start()
    if not cut:
        cut = next_start = cap
        while cut > start + 1 and unicodedata.category(text[cut])[0] == "M":
            cut -= 1  # not between a letter and its vowel sign or tone mark
        next_start = cut
    while cut > start and text[cut - 1].isspace():
        cut -= 1
    spans.append((start, cut))
    while next_start < end and text[next_start].isspace():
        next_start += 1
    return next_start


def _is_script_boundary(text: str, candidate: re.Match[str], limit: int, caseless: bool) -> bool:
    """``_is_boundary`` for a ``_SCRIPT_CANDIDATE`` match: a CJK mark ends a sentence
    whatever follows; any other mark needs white space after it, as in ``_CANDIDATE``, or is
    "!" or "?" right before a CJK character."""
    stop = candidate["stop"]
    if any(mark in stop for mark in _WIDE_STOPS):
        return True
    if not candidate["space"]:
        return stop[0] in "!?" and CJK_RUN.match(text, candidate.end(), limit) is not None
    return _is_boundary(text, candidate, limit, caseless)


def _is_boundary(text: str, candidate: re.Match[str], limit: int, caseless: bool) -> bool:
    """Decide whether the ``_CANDIDATE`` match ``candidate`` ends a sentence.

    In ``caseless`` text a lower-case word may open a sentence, and only abbreviations,
    initials and the like keep a period inside one.
    """
    next_start = candidate.end("space")
    following = text[next_start : min(limit, next_start + 40)]
    if not following:
        return True
    head = following[0]
    if head in _OPENERS and len(following) > 1:
        head = following[1]
    if head.islower() and not caseless:
        return False
    if not (head.isupper() or head.isdigit() or head in _OPENERS or (caseless and head.isalpha())):
        return head.isalpha() or not head.isalnum()
    if candidate["stop"] != ".":
        return True
    # A quote or bracket closed after the period ends the sentence.
    return bool(candidate["closers"]) or _period_ends_sentence(text, candidate.start(), following)


def _period_ends_sentence(text: str, term_start: int, following: str) -> bool:
    """A single period at ``term_start``, followed by ``following`` (capitalised or a digit)."""
    token = _word_before(text, term_start)
    lowered = token.lower()
    if not token:
        return True
    if len(token) == 1 and token.isalpha():
        return False  # an initial: "George W. Bush", "J. K. Rowling"
    if lowered in _TITLES:
        return False
    abbreviation = lowered in _SOMETIMES_FINAL or (
        len(token) <= 6 and "." in token and _ABBREVIATION.fullmatch(token) is not None
    )
    if not (abbreviation or token.isdigit() or lowered in _NUMBERED):
        return True  # an ordinary word, as most are: the next word need not be read
    parts = following.lstrip(_OPENERS).split(maxsplit=1)
    next_word = parts[0] if parts else ""
    next_lower = next_word.lower().rstrip(",.;:")
    if lowered in _NUMBERED and next_word[:1].isdigit():
        return False
    if token.isdigit() and len(token) <= 2 and next_lower in _MONTHS:
        return False  # a German or Polish ordinal date: "am 3. Oktober"
    if (
        token.isdigit()
        and len(token) <= 3
        and next_lower not in _OPENER_WORDS
        and _word_before(text, term_start - len(token) - 1).lower() in _ORDINAL_ARTICLES
    ):
        return False  # a German ordinal after its article: "der 2. Weltkrieg", "zum 3. Mal"
    if abbreviation:
        if next_word[:1].isdigit():
            return False
        return next_lower in _OPENER_WORDS
    return True


def _word_before(text: str, position: int) -> str:
    """The token that ends at ``position`` (at most 30 characters), without opening quotes."""
    floor = max(0, position - 30)
    space = max(
        text.rfind(" ", floor, position),
        text.rfind("\n", floor, position),
        text.rfind("\t", floor, position),
        text.rfind("\xa0", floor, position),
    )
    return text[space + 1 if space >= 0 else floor : position].lstrip(_OPENERS)
