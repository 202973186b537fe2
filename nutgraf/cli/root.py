"""The ``nutgraf`` command: a thin shell over the library.

Every command takes many sources in one process; a bad source is reported in one line
(``Error: ...``) and the others go on; the exit status is 1 when anything failed.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import click

from nutgraf.cli.lazy import LazyGroup
from nutgraf.cli.output import echo, echo_json, echo_line, echo_lines, fail
from nutgraf.controls import strip_controls
from nutgraf.errors import NutgrafError
from nutgraf.extract import extract
from nutgraf.ingest.sources import read_source
from nutgraf.nlp.summarize import summarize
from nutgraf.records import Article, Summary

# The other commands' modules, imported only when one of their commands runs (or --help
# lists them all), so that summarize and extract start without the archive, the web server
# and the distributed engine.
_LAZY_COMMANDS = (
    "nutgraf.cli.archive:ARCHIVE_COMMANDS",
    "nutgraf.cli.distributed:DISTRIBUTED_COMMANDS",
    "nutgraf.cli.manage:MANAGE_COMMANDS",
    "nutgraf.cli.backfill:backfill_command",
    "nutgraf.cli.serve:serve_command",
    "nutgraf.cli.rules:RULES_COMMANDS",
    "nutgraf.cli.stories:stories_command",
    "nutgraf.cli.users:USERS_COMMANDS",
)


@click.group(
    cls=LazyGroup,
    lazy_sources=_LAZY_COMMANDS,
    context_settings={"help_option_names": ["-h", "--help"]},
)
@click.version_option(package_name="nutgraf")
def main() -> None:
    """nutgraf: a self-hosted news desk. Extract, summarize and evaluate news offline."""


_sources = click.argument("sources", nargs=-1, metavar="[SOURCE...]")
_json = click.option("--json", "as_json", is_flag=True, help="One JSON object per line.")


@main.command("summarize")
@_sources
@click.option("--sentences", type=click.IntRange(min=1), default=3, show_default=True)
@click.option("--words", type=click.IntRange(min=1), default=None, help="Word budget.")
@_json
def summarize_command(
    sources: tuple[str, ...], sentences: int, words: int | None, as_json: bool
) -> None:
    """Summarize files, or '-' for standard input, with sentences taken from the text."""

    def show(name: str, article: Article, many: bool) -> None:
        summary = summarize(article, sentences=sentences, words=words)
        if as_json:
            _print_json(summary_json(name, article, summary))
        else:
            _print_summary(name, article, summary, many)

    _run(sources, show)


@main.command("extract")
@_sources
@_json
def extract_command(sources: tuple[str, ...], as_json: bool) -> None:
    """Print the clean article of each source: title, source, body, related links."""

    def show(name: str, article: Article, many: bool) -> None:
        if as_json:
            _print_json(article_json(name, article))
        else:
            _print_article(name, article, many)

    _run(sources, show)


@main.command("eval")
@click.argument("data", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--sentences", type=click.IntRange(min=1), default=3, show_default=True)
@click.option(
    "--reference-length",
    is_flag=True,
    help="Give each article as many sentences as its reference has lines.",
)
@click.option("--lead", is_flag=True, help="Score the Lead-N baseline instead.")
@_json
@click.option(
    "--output",
    type=click.Path(dir_okay=False, writable=True, path_type=Path),
    help="Write {id, summary} per row as JSON lines.",
)
def eval_command(
    data: Path,
    sentences: int,
    reference_length: bool,
    lead: bool,
    as_json: bool,
    output: Path | None,
) -> None:
    """Score summaries of DATA.jsonl rows {id, text, reference} with ROUGE (rouge-score)."""
    from nutgraf.evaluate import evaluate, read_rows

    try:
        rows = read_rows(data)
        report = evaluate(rows, sentences=sentences, reference_length=reference_length, lead=lead)
        if output is not None:
            with output.open("w", encoding="utf-8") as handle:
                for prediction in report.predictions:
                    handle.write(json.dumps(prediction, ensure_ascii=False) + "\n")
    except NutgrafError as error:
        _fail(str(error))
    except OSError as error:
        _fail(f"{error.filename or data}: {error.strerror}; check the path")
    if as_json:
        _print_json(report.as_json())
    else:
        echo(
            f"{report.articles} articles  ROUGE-1 {report.rouge1:.2f}  ROUGE-2 {report.rouge2:.2f}"
            f"  ROUGE-Lsum {report.rouge_lsum:.2f}  ({report.articles_per_second:.0f} articles/s)"
        )


def _run(sources: tuple[str, ...], show: Callable[[str, Article, bool], None]) -> None:
    if not sources:
        if sys.stdin is None or sys.stdin.isatty():
            _fail("give one or more files, or '-' to read standard input")
        sources = ("-",)
    failed = 0
    for name, article in _articles(sources):
        if isinstance(article, NutgrafError):
            echo_line(f"Error: {article}", err=True)
            failed += 1
            continue
        show(name, article, len(sources) > 1)
    if failed:
        sys.exit(1)


def _articles(sources: tuple[str, ...]) -> Iterator[tuple[str, Article | NutgrafError]]:
    for source in sources:
        try:
            document = read_source(source)
            yield document.name, extract(document.data, name=document.name)
        except NutgrafError as error:
            yield source, error


def summary_json(name: str, article: Article, summary: Summary) -> dict[str, Any]:
    return {
        "input": name,
        "title": article.title,
        "source": article.source,
        "language": summary.language,
        "reading_minutes": summary.reading_minutes,
        "summary": [
            {"text": s.text, "paragraph": s.paragraph, "start": s.start, "end": s.end}
            for s in summary.sentences
        ],
    }


def article_json(name: str, article: Article) -> dict[str, Any]:
    return {
        "input": name,
        "title": article.title,
        "source": article.source,
        "byline": article.byline,
        "published": article.published,
        "language": article.language,
        "subheadings": list(article.subheadings),
        "paragraphs": list(article.paragraphs),
        "related": list(article.related),
        "previous": article.previous,
        "next": article.next,
        "url": article.url,
        "blocks": [{"kind": b.kind, "text": b.text} for b in article.blocks],
        "text": article.text,
    }


def _print_json(value: dict[str, Any]) -> None:
    echo_json(value)


def _print_summary(name: str, article: Article, summary: Summary, many: bool) -> None:
    lines = [f"==> {name} <=="] if many else []
    if article.title:
        lines.append(article.title)
    lines.extend(f"- {sentence.text}" for sentence in summary.sentences)
    if many:
        lines.append("")  # a blank line between files
    echo_lines(lines)


def _print_article(name: str, article: Article, many: bool) -> None:
    if many:
        echo_line(f"==> {name} <==")
    lines = []
    if article.title:
        lines.append(f"# {strip_controls(article.title)}")
    meta = [
        f"Source: {article.source}" if article.source else "",
        f"By {article.byline}" if article.byline else "",
        article.published or "",
    ]
    if any(meta):
        lines.append(" | ".join(m for m in meta if m))
    for block in article.blocks:
        lines.append(f"## {block.text}" if block.kind == "subheading" else block.text)
    if article.related:
        lines.append("Related:\n" + "\n".join(f"- {r}" for r in article.related))
    if article.previous:
        lines.append(f"Previous: {article.previous}")
    if article.next:
        lines.append(f"Next: {article.next}")
    echo("\n\n".join(lines))
    if many:
        echo()


def _fail(message: str) -> None:
    fail(message)
