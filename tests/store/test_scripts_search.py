"""Search and "Read also" in Chinese and Japanese (issue 16), on every backend (the ``store``
fixture is in tests/store/conftest.py): unicode61 and the ``simple`` tsvector take a run of
CJK for one word, so nutgraf indexes such runs as their character bigrams."""

from __future__ import annotations

import json
from pathlib import Path

from nutgraf.records import Article, Block
from nutgraf.relate import related_terms
from nutgraf.store import Store
from tests.store.test_sqlite import item

EXCERPTS = json.loads(
    (Path(__file__).parent.parent / "data" / "scripts" / "excerpts.json").read_text("utf-8")
)
# Three real items of ../shared/data/feeds/kc0011-gb2312.rss (a coin collectors' forum): two
# offer Taishan coins from Nanjing, one a Xinhai Revolution roll.
TAISHAN_6 = (
    "南京版泰山6桶",
    "南京版泰山6桶，银行原卷，卷筒未打开，售价18.8元/枚，包邮！手机上不了图，可加微信看图！"
    "江浙沪皖朋友优先！",
)
TAISHAN_5 = (
    "出南京泰山5盒，原盒看图",
    "半天了也没有上传成功，一会儿让朋友帮忙上传，原盒品相号19.1/枚，江浙沪包邮",
)
XINHAI = (
    "辛亥革命2原卷",
    "商品名称：辛亥革命2原卷商品说明：售：辛亥革命2原卷，无字无裂包快 ，16/枚，有意请电联！",
)


def test_a_chinese_or_japanese_word_finds_the_articles_holding_it(store: Store) -> None:
    ids = {}
    for name in ("zh-gmw", "zh-youth", "ja-yahoo-4"):
        text = EXCERPTS[name]["text"]
        ids[name] = store.save(item(text, url=f"https://a.test/{name}", title=name)).id
    english = store.save(item("An English article about space stations.", url="https://a.test/en"))

    def found(query: str) -> set[int]:
        return {stored.id for stored in store.search(query)}

    assert found("宇航员") == {ids["zh-gmw"]}  # inside a run of the gmw text
    assert found("鸡尾酒") == {ids["zh-gmw"]}
    assert found("留学") == {ids["zh-youth"]}
    assert found("暗号化") == {ids["ja-yahoo-4"]}  # kanji inside a Japanese run
    assert found("フリー") == {ids["ja-yahoo-4"]}
    assert found("酒精 宇航员") == {ids["zh-gmw"]}  # every word
    assert found("酒精 留学") == set()
    assert found("翱") == {ids["zh-gmw"]}  # one character: any run holding it
    assert found("Wi-Fi 暗号化") == {ids["ja-yahoo-4"]}  # Latin and CJK in one query
    assert found("为什么不能让宇航员") == {ids["zh-gmw"]}
    assert found("宇航员为什么") == set()  # a phrase: its characters in a row
    assert found("stations") == {english.id}  # Latin search as before


def test_read_also_relates_two_chinese_articles_on_one_topic(store: Store) -> None:
    def save(entry: tuple[str, str], n: int) -> tuple[int, Article]:
        title, text = entry
        saved = item(text, url=f"https://kc0011.test/{n}", title=title)
        return store.save(saved).id, saved.article

    me, article = save(TAISHAN_6, 1)
    same_topic, _ = save(TAISHAN_5, 2)
    other, _ = save(XINHAI, 3)
    for n, name in enumerate(("zh-gmw", "zh-youth"), start=4):
        store.save(item(EXCERPTS[name]["text"], url=f"https://kc0011.test/{n}", title=name))
    terms = related_terms(article)
    assert "泰山" in terms and "南京" in terms
    found = [h.id for h, _ in store.related(me, terms)]
    assert found[:1] == [same_topic]
    assert other not in found[:1]


def test_related_terms_of_chinese_are_bigrams() -> None:
    article = Article(
        title="南京版泰山",
        blocks=(Block("paragraph", "泰山红包卡。泰山原卷。"),),
        language="zh",
    )
    terms = related_terms(article)
    assert terms[:4] == ("南京", "京版", "版泰", "泰山")
