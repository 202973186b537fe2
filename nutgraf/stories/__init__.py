"""Stories: one event, many sources, one summary.

>>> from nutgraf.stories import StoryDocument, StoryIndex, summarize_story
>>> index = StoryIndex()
>>> assignment = index.add(StoryDocument(id=1, time="2024-05-07", title=title, text=text))
>>> assignment.story, assignment.reason
>>> summarize_story([(1, article), (2, other_article)]).sentences  # each cites its article
"""

from nutgraf.stories.baselines import cluster_by_tfidf, cluster_by_title_words
from nutgraf.stories.bcubed import BCubed, score_bcubed
from nutgraf.stories.cluster import (
    ArticleKey,
    Assignment,
    Moved,
    StoryDocument,
    StoryIndex,
    StoryOptions,
    cluster_documents,
    parse_time,
)
from nutgraf.stories.summary import StorySentence, StorySummary, SummaryOptions, summarize_story
from nutgraf.stories.terms import DocumentTerms, extract_terms

__all__ = [
    "ArticleKey",
    "Assignment",
    "BCubed",
    "DocumentTerms",
    "Moved",
    "StoryDocument",
    "StoryIndex",
    "StoryOptions",
    "StorySentence",
    "StorySummary",
    "SummaryOptions",
    "cluster_by_tfidf",
    "cluster_by_title_words",
    "cluster_documents",
    "extract_terms",
    "parse_time",
    "score_bcubed",
    "summarize_story",
]
