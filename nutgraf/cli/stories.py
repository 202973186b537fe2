"""``nutgraf stories``: bring the stories up to date, then list the latest ones."""

from __future__ import annotations

import click

from nutgraf.cli.archive import _archive, _settings, db_option
from nutgraf.cli.output import echo, echo_json, echo_line
from nutgraf.stories.archive import story_options, update_stories
from nutgraf.stories.read import read_story, story_json


@click.command("stories")
@db_option
@click.option("--json", "as_json", is_flag=True, help="One JSON object per story, a line each.")
@click.option("--limit", type=click.IntRange(1, 100), default=20, show_default=True)
@click.option("--all", "every", is_flag=True, help="Stories of one outlet too, not only 2+.")
def stories_command(db: str | None, as_json: bool, limit: int, every: bool) -> None:
    """Group new articles into stories, then list the latest stories told by two or more
    outlets: headline, articles, outlets, who reported first, and the summary."""
    settings = _settings()
    with _archive(db) as store:
        if store.read_only:
            echo("note: the archive is read-only: the stories as last grouped", err=True)
        else:
            update_stories(store, options=story_options(settings))
        listed = store.latest_stories(limit=limit, min_sources=1 if every else 2)
        for digest in listed:
            story = read_story(store, digest.id)
            if story is None:
                continue
            if as_json:
                echo_json(story_json(story))
                continue
            sources, first = ", ".join(story.sources), ", ".join(story.first_reported_by)
            echo_line(f"{story.id:>6}  {story.headline}")
            count = story.digest.articles
            echo_line(f"        {count} articles from {sources}; first reported by {first}")
            for sentence in story.sentences:
                echo_line(f"        - {sentence.text} [{sentence.source or sentence.article}]")
        if not listed and not as_json:
            which = "stories" if every else "stories told by two or more outlets"
            echo(f"No {which} yet.")
