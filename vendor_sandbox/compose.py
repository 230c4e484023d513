"""Compose sandbox message texts from the phrase pools in ``texts``.

Messages are assembled from independent parts (greeting, problem, detail, contact, ask, closing)
picked per language variety, then decorated with noise (``noise.py``); the combinatorics keep
bodies distinct. Every choice draws from the caller's rng in a fixed order: the same seed must
build the same world.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date

from vendor_sandbox.noise import decorate, is_arabic_word, tashkeel, touch_word
from vendor_sandbox.texts import (
    AGENT_ACTIONS,
    AGENT_APOLOGY,
    AGENT_ASKS,
    AGENT_CLOSE,
    AGENT_EMOJI,
    AGENT_INTRO,
    AGENT_OPEN,
    AGENT_PROGRESS,
    AGENT_RESOLVED,
    AGENT_VARIETY,
    ARABIC_SCRIPT,
    ASKS,
    CLOSINGS,
    CONTACTS,
    CURRENCY_AR,
    CURRENCY_SYMBOL,
    DATE_WORDS,
    DETAILS,
    FOLLOWUPS,
    GREETINGS,
    NEIGHBORS,
    NOTES,
    ORDER_FORMATS,
    PHONE_PLANS,
    PROBLEMS,
    PRODUCTS_AR,
    PRODUCTS_EN,
    SARCASM,
    SUBJECTS,
    SYSTEM,
    THANKS,
    TOPICS,
    TRUNK_ZERO,
    WEEKDAYS_AR,
    WEEKDAYS_ARABIZI,
    WEEKDAYS_EN,
)

_ARABIC_INDIC = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")
_PERSIAN = str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹")


@dataclass(frozen=True)
class Facts:
    """What a conversation is about; every message renders these consistently."""

    order: str
    invoice: str
    amount: float
    currency: str
    product: int
    order_date: date
    email: str
    alt_email: str
    phone: str | None
    alt_phone: str
    country: str
    customer_first: tuple[str, str]
    agent_first: tuple[str, str]


def pick_weighted(rng: random.Random, pairs: tuple[tuple[str, float], ...]) -> str:
    """Choose from (value, weight) pairs; tiny tables, so a linear scan is fine."""
    x = rng.random() * sum(w for _, w in pairs)
    for value, weight in pairs:
        x -= weight
        if x < 0:
            return value
    return pairs[-1][0]


def neighbor(rng: random.Random, variety: str) -> str:
    return rng.choice(NEIGHBORS[variety])


def agent_variety(rng: random.Random, customer_variety: str) -> str:
    return pick_weighted(rng, AGENT_VARIETY[customer_variety])


def format_phone(rng: random.Random, e164: str, country: str) -> str:
    """Render an E.164 number the way people type it: local, spaced or international."""
    cc = PHONE_PLANS[country][0]
    national = e164[1 + len(cc) :]
    local = ("0" + national) if country in TRUNK_ZERO else national
    r = rng.random()
    if r < 0.3:
        return local
    if r < 0.45:
        return e164
    if r < 0.55:
        return "00" + cc + national
    if r < 0.75:
        return _group(local, _LOCAL_CUTS.get(len(local), (4,)))
    cuts = _INTL_CUTS.get(country) or _INTL_CUTS.get(len(national), (4,))
    return f"+{cc} " + _group(national, cuts)


_LOCAL_CUTS = {10: (3, 6), 11: (3, 7), 8: (4,)}
_INTL_CUTS: dict[int | str, tuple[int, ...]] = {9: (2, 5), 10: (2, 6), "GB": (4,), "US": (3, 6)}


def _group(digits: str, cuts: tuple[int, ...]) -> str:
    return " ".join(digits[a:b] for a, b in zip((0, *cuts), (*cuts, None), strict=True))


class _Slots(dict):
    """Placeholder values rendered lazily, once per message, so unused slots cost nothing."""

    def __init__(self, rng: random.Random, variety: str, facts: Facts) -> None:
        super().__init__()
        self.rng, self.variety, self.facts = rng, variety, facts
        self.arabic = variety in ARABIC_SCRIPT

    def __missing__(self, key: str) -> str:
        value = getattr(self, "_" + key)()
        self[key] = value
        return value

    def _digits(self, s: str) -> str:
        if not self.arabic:
            return s
        r = self.rng.random()
        if r < 0.25:
            return s.translate(_ARABIC_INDIC)
        if r < 0.29:
            return s.translate(_PERSIAN)
        return s

    def _order(self) -> str:
        return self._digits(self.rng.choice(ORDER_FORMATS).format(self.facts.order))

    def _invoice(self) -> str:
        return self._digits(self.facts.invoice)

    def _amount(self) -> str:
        f, rng = self.facts, self.rng
        three = f.currency in ("KWD", "BHD", "OMR")
        num = f"{f.amount:.3f}" if three else (f"{f.amount:,.0f}" if rng.random() < 0.6 else f"{f.amount:.2f}")
        num = self._digits(num)
        if self.arabic and (self.variety != "code_switched" or rng.random() < 0.5):
            return f"{num} {rng.choice(CURRENCY_AR[f.currency])}"
        symbol = CURRENCY_SYMBOL.get(f.currency)
        if symbol and rng.random() < 0.5:
            return symbol + num
        return f"{num} {f.currency}" if rng.random() < 0.6 else f"{f.currency} {num}"

    def _product(self) -> str:
        pool = PRODUCTS_AR if self.variety in ("msa", "gulf", "egyptian") else PRODUCTS_EN
        return self._digits(pool[self.facts.product])

    def _date(self) -> str:
        d, rng = self.facts.order_date, self.rng
        if rng.random() < 0.45:
            text = f"{d.day}/{d.month}" if rng.random() < 0.6 else f"{d.day}/{d.month}/{d.year}"
            return self._digits(text)
        wd = d.weekday()
        name = (
            WEEKDAYS_EN if self.variety == "english" else WEEKDAYS_ARABIZI if self.variety == "arabizi" else WEEKDAYS_AR
        )[wd]
        return rng.choice(DATE_WORDS[self.variety]).format(wd=name)

    def _email(self) -> str:
        return self.facts.email if self.rng.random() < 0.75 else self.facts.alt_email

    def _phone(self) -> str:
        f = self.facts
        e164 = f.phone if f.phone and self.rng.random() < 0.75 else f.alt_phone
        return self._digits(format_phone(self.rng, e164, f.country))

    def _cname(self) -> str:
        return self.facts.customer_first[1 if self.arabic else 0]

    def _aname(self) -> str:
        return self.facts.agent_first[1 if self.arabic else 0]


def _join(rng: random.Random, parts: list[str], arabic: bool) -> str:
    out = parts[0]
    comma = "، " if arabic else ", "
    for part in parts[1:]:
        if out[-1] in ".!?؟،,:" or out[-1] > "\u2000":
            out += rng.choice((" ", " ", "\n"))
        else:
            out += rng.choice((" ", comma, "\n", ". " if not arabic else " "))
        out += part
    return out


def customer_first(rng: random.Random, variety: str, topic: str, facts: Facts, mood: str, casual: bool) -> str:
    """Opening message: greeting + problem + optional detail/contact/ask/closing."""
    slots = _Slots(rng, variety, facts)
    parts = [rng.choice(GREETINGS[variety])] if rng.random() < 0.65 else []
    parts.append(rng.choice(PROBLEMS[variety][topic]))
    if rng.random() < 0.6:
        parts.append(rng.choice(DETAILS[variety]))
    if rng.random() < (0.35 if topic == "login_otp" else 0.12):
        parts.append(rng.choice(CONTACTS[variety]))
    if mood == "angry" and rng.random() < 0.12:
        parts.append(rng.choice(SARCASM[variety]))
    if rng.random() < 0.45:
        parts.append(rng.choice(ASKS[variety]))
    if rng.random() < 0.45:
        parts.append(rng.choice(CLOSINGS[variety]))
    text = _join(rng, parts, variety in ARABIC_SCRIPT).format_map(slots)
    return decorate(rng, text, variety, mood, casual)


def customer_next(
    rng: random.Random, variety: str, topic: str, facts: Facts, mood: str, casual: bool, thanks: bool
) -> str:
    """A chase-up or a thank-you, with references so replies are not all identical."""
    slots = _Slots(rng, variety, facts)
    parts = [rng.choice(GREETINGS[variety])] if rng.random() < 0.2 else []
    parts.append(rng.choice((THANKS if thanks else FOLLOWUPS)[variety]))
    if rng.random() < 0.45:
        parts.append(rng.choice(DETAILS[variety]))
    if rng.random() < 0.08:
        parts.append(rng.choice(CONTACTS[variety]))
    if not thanks:
        if mood == "angry" and rng.random() < 0.15:
            parts.append(rng.choice(SARCASM[variety]))
        if rng.random() < 0.35:
            parts.append(rng.choice(ASKS[variety]))
    if rng.random() < 0.35:
        parts.append(rng.choice(CLOSINGS[variety]))
    text = _join(rng, parts, variety in ARABIC_SCRIPT).format_map(slots)
    return decorate(rng, text, variety, "happy" if thanks else mood, casual)


def _agent_tail(rng: random.Random, variety: str, parts: list[str], facts: Facts) -> str:
    if rng.random() < 0.55:
        parts.append(rng.choice(AGENT_CLOSE[variety]))
    text = _join(rng, parts, variety in ARABIC_SCRIPT).format_map(_Slots(rng, variety, facts))
    if variety == "msa" and rng.random() < 0.04:
        text = touch_word(rng, text, is_arabic_word, tashkeel)
    if rng.random() < 0.04:
        text += " " + rng.choice(AGENT_EMOJI)
    return text


def agent_first(rng: random.Random, variety: str, topic: str, facts: Facts, mood: str, ask: bool) -> str:
    """First public agent reply: greeting, intro, apology for complaints, then action or question."""
    parts = [rng.choice(AGENT_OPEN[variety])] if rng.random() < 0.85 else []
    if rng.random() < 0.4:
        parts.append(rng.choice(AGENT_INTRO[variety]))
    if rng.random() < (0.7 if mood == "angry" else 0.15) and topic != "praise":
        parts.append(rng.choice(AGENT_APOLOGY[variety]))
    parts.append(rng.choice(AGENT_ASKS[variety] if ask else AGENT_ACTIONS[variety][topic]))
    return _agent_tail(rng, variety, parts, facts)


def agent_next(rng: random.Random, variety: str, topic: str, facts: Facts, resolving: bool) -> str:
    """Later agent reply: progress update, or the action that resolves the case."""
    parts = [rng.choice(AGENT_OPEN[variety])] if rng.random() < 0.4 else []
    if resolving:
        parts.append(rng.choice(AGENT_ACTIONS[variety][topic]))
        parts.append(rng.choice(AGENT_RESOLVED[variety]))
    else:
        parts.append(rng.choice(AGENT_PROGRESS[variety]))
    return _agent_tail(rng, variety, parts, facts)


def agent_note(rng: random.Random, variety: str, facts: Facts, colleague: tuple[str, str] | None) -> str:
    """Internal note (english or msa); agents write these tersely."""
    slots = _Slots(rng, variety, facts)
    notes = NOTES[variety]
    parts = [rng.choice(notes)]
    if rng.random() < 0.35:
        parts.append(rng.choice(notes))
    if colleague is not None:
        parts.append(f"@{colleague[0]}" if variety == "english" else f"@{colleague[1]} للمتابعة")
    return " ".join(parts).format_map(slots)


def system_text(rng: random.Random, variety: str, kind: str) -> str:
    return rng.choice(SYSTEM[kind][variety])


def subject(rng: random.Random, variety: str, topic: str, facts: Facts) -> str:
    """Short subject line in the conversation's variety, sometimes with the order number."""
    i = TOPICS.index(topic) * 2 + rng.randint(0, 1)
    line = SUBJECTS[variety][i]
    if rng.random() < 0.3 and topic != "praise":
        line += " - " + _Slots(rng, variety, facts)["order"]
    return line
