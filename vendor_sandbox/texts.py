"""The sandbox world's phrase pools and local facts, read from ``data/phrases.json``.

Kept as data so phrases can be added without touching the composer (``compose.py``); the JSON's
lists are read back as tuples (and the two sets as frozensets), the shapes the composer and the
world builder were written for, so the same seed still builds the same world.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

PHRASES_FILE = Path(__file__).resolve().parent / "data" / "phrases.json"

Pool = tuple[str, ...]
ByVariety = dict[str, Pool]
Weighted = tuple[tuple[str, float], ...]


def _tuples(value: Any) -> Any:
    if isinstance(value, list):
        return tuple(_tuples(v) for v in value)
    if isinstance(value, dict):
        return {k: _tuples(v) for k, v in value.items()}
    return value


_DATA: dict[str, Any] = {k: _tuples(v) for k, v in json.loads(PHRASES_FILE.read_text(encoding="utf-8")).items()}

# ---------------------------------------------------------------- varieties and topics
VARIETIES: Pool = _DATA["VARIETIES"]
ARABIC_SCRIPT: frozenset[str] = frozenset(_DATA["ARABIC_SCRIPT"])
TOPICS: Pool = _DATA["TOPICS"]
TOPIC_WEIGHTS: tuple[int, ...] = _DATA["TOPIC_WEIGHTS"]
TOPIC_TAGS: ByVariety = _DATA["TOPIC_TAGS"]
COUNTRY_BY_VARIETY: dict[str, Weighted] = _DATA["COUNTRY_BY_VARIETY"]  # where a variety's writer most plausibly lives
COMPANY_COUNTRIES: Weighted = _DATA["COMPANY_COUNTRIES"]
NEIGHBORS: ByVariety = _DATA["NEIGHBORS"]  # a customer drifts to a "neighbouring" variety, not a random one
AGENT_VARIETY: dict[str, Weighted] = _DATA["AGENT_VARIETY"]  # agents answer in MSA/English or mirror the dialect

# ---------------------------------------------------------------- people, companies
FIRST_MALE: tuple[tuple[str, str], ...] = _DATA["FIRST_MALE"]  # (latin, arabic)
FIRST_FEMALE: tuple[tuple[str, str], ...] = _DATA["FIRST_FEMALE"]
FIRST_WESTERN: tuple[tuple[str, str], ...] = _DATA["FIRST_WESTERN"]
FAMILY_GULF: Pool = _DATA["FAMILY_GULF"]
FAMILY_EGYPT: Pool = _DATA["FAMILY_EGYPT"]
FAMILY_WESTERN: Pool = _DATA["FAMILY_WESTERN"]
PERSONAL_DOMAINS: Pool = _DATA["PERSONAL_DOMAINS"]
SUPPORT_DOMAIN: str = _DATA["SUPPORT_DOMAIN"]
COMPANY_STEMS: tuple[tuple[str, str, str, str | None], ...] = _DATA["COMPANY_STEMS"]  # latin, arabic, slug, only-in
COMPANY_TYPES: tuple[tuple[str, str, str], ...] = _DATA["COMPANY_TYPES"]  # latin, arabic pattern, slug
COMPANY_SUFFIX: dict[str, str] = _DATA["COMPANY_SUFFIX"]
TLDS: ByVariety = _DATA["TLDS"]
# country -> (calling code, mobile prefixes of the national number, digits after prefix)
PHONE_PLANS: dict[str, tuple[str, Pool, int]] = _DATA["PHONE_PLANS"]
TRUNK_ZERO: frozenset[str] = frozenset(_DATA["TRUNK_ZERO"])
UTC_OFFSET: dict[str, int] = _DATA["UTC_OFFSET"]
WEEKEND: dict[str, tuple[int, int]] = _DATA["WEEKEND"]  # others: Friday/Saturday

# ---------------------------------------------------------------- money, products, dates
CURRENCY: dict[str, str] = _DATA["CURRENCY"]
CURRENCY_AR: ByVariety = _DATA["CURRENCY_AR"]
CURRENCY_SYMBOL: dict[str, str] = _DATA["CURRENCY_SYMBOL"]
AMOUNT_RANGE: dict[str, tuple[int, int]] = _DATA["AMOUNT_RANGE"]
PRODUCTS_EN: Pool = _DATA["PRODUCTS_EN"]
PRODUCTS_AR: Pool = _DATA["PRODUCTS_AR"]
WEEKDAYS_AR: Pool = _DATA["WEEKDAYS_AR"]
WEEKDAYS_EN: Pool = _DATA["WEEKDAYS_EN"]
WEEKDAYS_ARABIZI: Pool = _DATA["WEEKDAYS_ARABIZI"]
DATE_WORDS: ByVariety = _DATA["DATE_WORDS"]
ORDER_FORMATS: Pool = _DATA["ORDER_FORMATS"]

# ---------------------------------------------------------------- customer parts (per variety)
GREETINGS: ByVariety = _DATA["GREETINGS"]
PROBLEMS: dict[str, ByVariety] = _DATA["PROBLEMS"]  # variety -> topic -> phrases
DETAILS: ByVariety = _DATA["DETAILS"]
CONTACTS: ByVariety = _DATA["CONTACTS"]
ASKS: ByVariety = _DATA["ASKS"]
CLOSINGS: ByVariety = _DATA["CLOSINGS"]
SARCASM: ByVariety = _DATA["SARCASM"]
FOLLOWUPS: ByVariety = _DATA["FOLLOWUPS"]
THANKS: ByVariety = _DATA["THANKS"]

# ---------------------------------------------------------------- agent parts (per variety)
AGENT_OPEN: ByVariety = _DATA["AGENT_OPEN"]
AGENT_INTRO: ByVariety = _DATA["AGENT_INTRO"]
AGENT_APOLOGY: ByVariety = _DATA["AGENT_APOLOGY"]
AGENT_ACTIONS: dict[str, ByVariety] = _DATA["AGENT_ACTIONS"]  # variety -> topic -> phrases
AGENT_ASKS: ByVariety = _DATA["AGENT_ASKS"]
AGENT_PROGRESS: ByVariety = _DATA["AGENT_PROGRESS"]
AGENT_RESOLVED: ByVariety = _DATA["AGENT_RESOLVED"]
AGENT_CLOSE: ByVariety = _DATA["AGENT_CLOSE"]
NOTES: ByVariety = _DATA["NOTES"]
SYSTEM: dict[str, ByVariety] = _DATA["SYSTEM"]  # kind (auto, survey) -> variety -> phrases
SUBJECTS: ByVariety = _DATA["SUBJECTS"]  # two per topic, in TOPICS order

# ---------------------------------------------------------------- noise
EMOJI: ByVariety = _DATA["EMOJI"]  # by mood
AGENT_EMOJI: Pool = _DATA["AGENT_EMOJI"]
EMOJI_RATE: dict[str, float] = _DATA["EMOJI_RATE"]
TATWEEL_RATE: dict[str, float] = _DATA["TATWEEL_RATE"]
TASHKEEL_RATE: dict[str, float] = _DATA["TASHKEEL_RATE"]
ELONGATE_RATE: dict[str, float] = _DATA["ELONGATE_RATE"]
HARAKAT: Pool = _DATA["HARAKAT"]  # the first three (tanween) only ever end a word
