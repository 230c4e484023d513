"""Emoji polarity from the Emoji Sentiment Ranking, for texts the n-gram models cannot read.

A message made only of emoji ("😭😭", "😡") has no words for a text model to weigh, and tweet corpora
teach odd readings (Arabic Twitter uses 😭 for laughter). Such messages are scored from this table
instead, and the Arabic model also sees the summed emoji polarity as two features.

The table is derived from the Emoji Sentiment Ranking 1.0 (Kralj Novak et al. 2015, CC BY-SA 4.0):
the Laplace-smoothed score of every emoji seen at least ``MIN_OCCURRENCES`` times, plus ``OVERRIDES``
for emoji the 2013-2015 European counts read as neutral but customers use as complaints (😭, 😢) and
for emoji newer than the ranking. Being an adaptation, ``artifacts/emoji_sentiment.json`` is CC BY-SA
4.0 too (licence text in ``artifacts/LICENSE-emoji-sentiment-ranking``).
"""

from __future__ import annotations

import csv
import functools
import json
import re
from pathlib import Path

ARTIFACT = Path(__file__).parent / "artifacts" / "emoji_sentiment.json"
MIN_OCCURRENCES = 5
POLAR = 0.1  # |mean score| from which an emoji-only message is polar (the ranking's own label cut-off)
OVERRIDES: dict[str, float] = {
    "😭": -0.4,
    "😢": -0.4,
    "😿": -0.4,
    "🥺": -0.2,  # crying: near-neutral in 2015 tweets, complaints here
    "🤬": -0.6,
    "🤮": -0.6,
    "🙄": -0.3,
    "🤦": -0.3,
    "😮\u200d💨": -0.2,  # newer than the ranking
    "🙂": 0.3,
    "🥰": 0.7,
    "🤩": 0.6,
    "🤗": 0.5,
    "🤔": 0.0,
}
_VARIATION = re.compile("[\ufe0e\ufe0f\U0001f3fb-\U0001f3ff]")
_EMOJI = re.compile("[\u2190-\u21ff\u2300-\u23ff\u2600-\u27bf\u2b00-\u2bff\U0001f000-\U0001faff]\u200d?")
_WORDISH = re.compile(r"[^\W_]", re.UNICODE)


def build(ranking_csv: Path, out: Path = ARTIFACT) -> dict[str, float]:
    """Write the runtime table from ``emoji_sentiment_ranking.csv``; returns it."""
    with ranking_csv.open(encoding="utf-8") as f:
        rows = [r for r in csv.DictReader(f) if int(r["occurrences"]) >= MIN_OCCURRENCES]
    scores = {_VARIATION.sub("", r["text"]): round(float(r["smoothed_score"]), 4) for r in rows}
    scores |= OVERRIDES
    out.write_text(
        json.dumps(
            {
                "licence": "CC BY-SA 4.0 (adapted from the Emoji Sentiment Ranking 1.0; see LICENSE-emoji-sentiment-ranking)",
                "attribution": "Kralj Novak P, Smailovic J, Sluban B, Mozetic I (2015) Sentiment of Emojis. PLoS ONE "
                "10(12): e0144296. http://hdl.handle.net/11356/1048",
                "changes": f"smoothed_score of emoji with >= {MIN_OCCURRENCES} occurrences; overrides: "
                + json.dumps(OVERRIDES, ensure_ascii=False),
                "scores": dict(sorted(scores.items())),
            },
            ensure_ascii=False,
            indent=0,
        )
        + "\n",
        encoding="utf-8",
    )
    return scores


@functools.cache
def table() -> dict[str, float]:
    return json.loads(ARTIFACT.read_text(encoding="utf-8"))["scores"]


def emoji_scores(text: str) -> list[float]:
    """The score of each known emoji in ``text``, in order (skin tones and VS16 ignored)."""
    scores, lookup = [], table()
    for m in _EMOJI.finditer(_VARIATION.sub("", text)):
        s = lookup.get(m.group()) if m.group() in lookup else lookup.get(m.group()[0])
        if s is not None:
            scores.append(s)
    return scores


def is_emoji_only(text: str) -> bool:
    """True when ``text`` holds emoji and no letter or digit (punctuation and spaces are fine)."""
    stripped = _EMOJI.sub("", _VARIATION.sub("", text))
    return stripped != text and not _WORDISH.search(stripped)
