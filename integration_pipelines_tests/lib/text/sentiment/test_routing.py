"""Routing by script: links and hashtags do not make Arabic code-switched, English is not Arabizi,
and emoji-only messages are read from the emoji table."""

from __future__ import annotations

import json

import pytest

from integration_pipelines.lib.text.preprocess import preprocess
from integration_pipelines.lib.text.sentiment import emoji_lexicon
from integration_pipelines.lib.text.sentiment.base import SentimentRequest
from integration_pipelines.lib.text.sentiment.datasets import DATASETS_DIR
from integration_pipelines.lib.text.sentiment.offline import EMOJI_MODEL, OfflineSentimentProvider
from integration_pipelines.lib.text.sentiment.routing import english_outweighs_arabizi, latin_words, route


def _route(text: str) -> str:
    pre = preprocess(text)
    return route(pre.normalized, pre.language)


@pytest.mark.parametrize(
    "text",
    [
        "الخدمة سيئة جدا https://t.co/AbC123",
        "تجربة رائعة مع الفريق #customer_service #happy",
        "@airline_support ليش ما احد يرد على الشكوى",
        "رقم الطلب ORD-5521 وصلني ناقص SAR",
    ],
)
def test_links_hashtags_handles_and_codes_keep_arabic_text_arabic(text: str) -> None:
    assert _route(text) == "arabic"


@pytest.mark.parametrize("text", ["الـ order اتأخر و the tracking مش شغال", "الخدمة very bad"])
def test_real_code_switching_is_still_mixed(text: str) -> None:
    assert _route(text) == "mixed"


@pytest.mark.parametrize(
    "text",
    [
        "ya man this is bad w terrible",
        "law firm called me about the refund, still nothing",
        "thanks for nothing, el manager never called back and the service is awful",
    ],
)
def test_english_that_preprocessing_calls_arabizi_goes_to_english(text: str) -> None:
    assert _route(text) == "english"


@pytest.mark.parametrize("text", ["7elw awi tslamo", "ana 3ayez a3raf el order fein", "el 5edma msh kwayesa"])
def test_real_arabizi_stays_arabizi(text: str) -> None:
    assert preprocess(text).language == "arabizi" and _route(text) == "arabizi"


def test_latin_words_ignore_links_handles_tags_and_placeholders() -> None:
    assert latin_words("@bob see https://x.co/a #Fail [PHONE] OTP great") == ["see", "great"]
    assert english_outweighs_arabizi(["the", "service", "is", "bad"])
    assert not english_outweighs_arabizi(["ana", "3ayez", "el", "order"])


@pytest.mark.parametrize(
    ("text", "label"),
    [
        ("😭😭", "negative"),
        ("😡", "negative"),
        ("🤬!!", "negative"),
        ("😍😍", "positive"),
        ("👍🏽", "positive"),
        ("🤔", "neutral"),
    ],
)
def test_emoji_only_messages_follow_the_emoji_table(text: str, label: str) -> None:
    (result,) = OfflineSentimentProvider().score([SentimentRequest("1", text, "unknown")])
    assert (result.label, result.model) == (label, EMOJI_MODEL)
    assert (result.score > 0) == (label == "positive") and (result.score < 0) == (label == "negative")


def test_emoji_table_is_rebuilt_from_the_ranking_with_its_licence(tmp_path) -> None:
    shipped = json.loads(emoji_lexicon.ARTIFACT.read_text(encoding="utf-8"))
    rebuilt = emoji_lexicon.build(
        DATASETS_DIR / "emoji_sentiment_ranking" / "emoji_sentiment_ranking.csv", tmp_path / "emoji.json"
    )
    assert rebuilt == shipped["scores"] and "CC BY-SA 4.0" in shipped["licence"]
    licence = emoji_lexicon.ARTIFACT.parent / "LICENSE-emoji-sentiment-ranking"
    assert licence.read_bytes() == (DATASETS_DIR / "emoji_sentiment_ranking" / "LICENSE").read_bytes()
    assert shipped["scores"]["😍"] > 0.5 and shipped["scores"]["😭"] < 0


def test_dense_features_read_script_emoji_vader_and_cues() -> None:
    from integration_pipelines.lib.text.sentiment.arabic_normalize import basic_normalize
    from integration_pipelines.lib.text.sentiment.dense_features import dense, width

    texts = [
        "شكرا على لا شيء",
        "يا سلام على الخدمة الرائعة، ثلاث ساعات انتظار 👏",
        "great service 😍",
        "الخدمة ممتازة",
        "the order is late 😡",
    ]
    x = dense(("script", "emoji", "vader", "cues"), texts, [basic_normalize(t) for t in texts])
    assert x.shape == (5, width(("script", "emoji", "vader", "cues"))) == (5, 8)
    assert x[:, 0].tolist() == [0, 0, 1, 0, 1]  # Latin only
    assert x[2, 2] > 0.5 and x[4, 3] > 0 and x[3, 2:4].tolist() == [0, 0]  # emoji polarity
    assert x[2, 4] > 0 and x[4, 5] == 0 and x[0, 4:6].tolist() == [0, 0]  # VADER only on Latin words
    assert x[1, 6] == 1 and x[3, 6] == 0  # praise next to a complaint fact
    assert x[0, 7] == 1 and x[3, 7] == 0  # "thanks for nothing"
