"""nutgraf: a self-hosted news desk. Extract clean articles and summarize them offline.

>>> from nutgraf import extract, summarize
>>> article = extract(open("page.txt").read())
>>> for sentence in summarize(article, sentences=3).sentences:
...     print(sentence.text, sentence.start, sentence.end)
"""

from nutgraf.errors import InputError, NutgrafError
from nutgraf.extract import extract
from nutgraf.nlp.summarize import summarize
from nutgraf.records import Article, Block, Summary, SummarySentence

__version__ = "0.1.0"

__all__ = [
    "Article",
    "Block",
    "InputError",
    "NutgrafError",
    "Summary",
    "SummarySentence",
    "extract",
    "summarize",
]
