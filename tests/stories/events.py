"""Invented news for the story tests: a few events, each told by one or more outlets, and a
wire copy. Written for nutgraf; every place, person and number is made up."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from nutgraf.batch.pipeline import Origin, archive_item, save
from nutgraf.records import Article, Block
from nutgraf.store.base import Store


@dataclass(frozen=True, slots=True)
class Report:
    key: str
    outlet: str
    site: str
    published: str
    title: str
    paragraphs: tuple[str, ...]
    language: str = "en"


BRIDGE_NORTH = Report(
    "bridge-north",
    "North Post",
    "https://northpost.test/",
    "2031-03-02T07:00:00+00:00",
    "Vellmar Gorge glass bridge closed after engineers find crack",
    (
        "The glass footbridge over Vellmar Gorge was closed on Sunday after engineers found a "
        "crack in one of its 48 deck panels, the regional transport office said.",
        "Inspector Maren Quist said the crack ran across panel 17 and that no visitor had been "
        "hurt. The bridge carries about 3,400 walkers on a busy weekend.",
        "Repairs will take at least three weeks while a replacement panel is cast in Dorrel. "
        "Walkers can use the old rope path on the eastern rim until then.",
    ),
)
BRIDGE_VALLEY = Report(
    "bridge-valley",
    "Valley Herald",
    "https://valleyherald.test/",
    "2031-03-02T09:30:00+00:00",
    "Crack shuts Vellmar Gorge glass bridge for weeks",
    (
        "Walkers were turned away from the Vellmar Gorge glass bridge on Sunday after "
        "engineers found a cracked glass panel in its deck, the transport office said.",
        "Inspector Maren Quist said a falling rock had cracked panel 17. The Vellmar Gorge "
        "bridge will stay closed for three weeks while a new panel is cast in Dorrel.",
        "Cafe owners on the western rim of the gorge fear losing trade over the spring "
        "holidays, when the glass bridge draws the most walkers.",
    ),
)
BRIDGE_COAST = Report(
    "bridge-coast",
    "Coast Wire",
    "https://coastwire.test/",
    "2031-03-02T12:15:00+00:00",
    "Vellmar Gorge bridge: falling rock blamed for cracked glass panel",
    (
        "A falling rock cracked a glass panel of the Vellmar Gorge footbridge, inspectors "
        "said on Sunday, closing the attraction for at least three weeks.",
        "The transport office said the replacement panel would be cast in Dorrel and lifted "
        "into place by crane. Maren Quist said the other 47 panels were sound.",
        "The footbridge opened in 2027 and spans 180 metres between the two rims of the gorge.",
    ),
)
TRAM_TIDE = Report(
    "tram-tide",
    "Tidewater Daily",
    "https://tidewaterdaily.test/",
    "2031-03-03T18:00:00+00:00",
    "Tidewater council approves night tram line to the harbour",
    (
        "Tidewater city council voted 31 to 12 on Monday to run trams through the night on the "
        "harbour line from September.",
        "Councillor Ivo Brannick said the night trams would serve 6,000 shift workers at the "
        "harbour and the Kestrel hospital. Each tram will run every 20 minutes after midnight.",
        "The service will cost 4.2 million crowns a year, paid from the parking levy.",
    ),
)
TRAM_NORTH = Report(
    "tram-north",
    "North Post",
    "https://northpost.test/",
    "2031-03-03T20:00:00+00:00",
    "Night trams to run on Tidewater harbour line",
    (
        "Trams will run all night on the Tidewater harbour line from September after the city "
        "council backed the plan by 31 votes to 12.",
        "Ivo Brannick, who proposed it, said harbour shift workers and Kestrel hospital staff "
        "had waited years for a way home after midnight.",
        "Opponents said the parking levy should fund road repairs instead of the night trams.",
    ),
)
HONEY = Report(
    "honey",
    "Valley Herald",
    "https://valleyherald.test/",
    "2031-03-04T08:00:00+00:00",
    "Orchard Vale beekeepers report a record winter honey store",
    (
        "Beekeepers in Orchard Vale say their hives came through the winter with more honey "
        "than in any year since records began in 1988.",
        "Lotte Ferrand, who keeps 120 hives above the Vale, credited a long flowering season "
        "of heather. The cooperative expects to sell 90 tonnes at the spring market.",
        "Young beekeepers can borrow hives from the cooperative for their first two seasons.",
    ),
)
ALL = (BRIDGE_NORTH, BRIDGE_VALLEY, TRAM_TIDE, BRIDGE_COAST, TRAM_NORTH, HONEY)


def article(report: Report, *, site: str | None = None, outlet: str | None = None) -> Article:
    return Article(
        title=report.title,
        blocks=tuple(Block("paragraph", p) for p in report.paragraphs),
        source=outlet or report.outlet,
        published=report.published,
        language=report.language,
        url=f"{site or report.site}{report.key}",
    )


def ingest(store: Store, report: Report, *, copy_to: str | None = None) -> int:
    """Store the report (through the pipeline: summary, copies found); ``copy_to``: as a wire
    copy run by another site, with that name."""
    site = f"https://{copy_to.lower().replace(' ', '')}.test/" if copy_to else report.site
    item = archive_item(
        article(report, site=site, outlet=copy_to),
        origin=Origin(url=f"{site}{report.key}", site=site, source=copy_to or report.outlet),
        fetched=report.published[:19] + "Z",
    )
    return save(store, item).id


SAMPLES = Path(__file__).resolve().parents[1] / "data" / "stories"


def sample_reports(
    *events_wanted: str, sample: str = "clusters-sample.jsonl"
) -> tuple[Report, ...]:
    """A sample's articles of these events, as reports to ingest, in time order."""
    reports = []
    for line in (SAMPLES / sample).read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        if row["cluster"] in events_wanted:
            reports.append(
                Report(
                    row["id"],
                    row["source"],
                    f"https://{row['source'].lower().replace(' ', '')}.test/",
                    row["time"] + "+00:00",
                    row["title"],
                    tuple(row["text"].split("\n\n")),
                    row["lang"],
                )
            )
    return tuple(reports)
