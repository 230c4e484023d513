"""Render the shared voice scripts as Retell phone-call objects (the v2 get-call / v3 list-calls shape).

One call per ``voices.scripts(world, "voice")`` script: the customer's phone and one of the company's
lines, inbound (the customer rings) or outbound (the agent calls back), the script's customer turns
as ``user`` and agent turns as ``agent`` with evenly spaced word timings, ``call_analysis.user_sentiment``
read from the customer's words (Retell's ``Positive``/``Negative``/``Neutral``/``Unknown``), a
``disconnection_reason`` from Retell's enum and the cost in cents. Everything is drawn from an RNG seeded
by the world seed and the script number, so a call renders the same on every run and in the tests.
Voicemail (outbound only) keeps just the agent's first turn: no customer spoke.
"""

from __future__ import annotations

import hashlib
import random
from datetime import UTC, datetime

from vendor_sandbox.dialects.llm.sentiment import score_text
from vendor_sandbox.voices import Script, Turn
from vendor_sandbox.world import World

COMPANY_NUMBERS = ("+97145550100", "+97145550188")  # the company's two Retell lines
AGENTS = {"inbound": "agent_5b1e0c9a7f2d4e6a8c3b1d0f2e", "outbound": "agent_9d4c2a0e6b8f1a3c5e7d9b1f4a"}
AGENT_NAMES = {"inbound": "Support line", "outbound": "Callback agent"}
ROLE = {"customer": "user", "agent": "agent"}
SENTIMENT = {"positive": "Positive", "negative": "Negative", "neutral": "Neutral"}
# Retell's disconnection_reason values for a call that connected, with how often each ends a call here
ENDINGS = (
    ("user_hangup", 0.55),
    ("agent_hangup", 0.25),
    ("call_transfer", 0.08),
    ("inactivity", 0.05),
    ("max_duration_reached", 0.03),
    ("voicemail_reached", 0.04),
)
PLATFORM_CENTS_PER_SECOND = 0.1167  # ~$0.07 a minute
VOICE_CENTS_PER_SECOND = 0.05


def epoch_ms(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)


def from_ms(ms: int) -> datetime:
    return datetime.fromtimestamp(ms / 1000, UTC)


def call_id(seed: int, number: int) -> str:
    """``call_`` and 28 hex, stable per world seed and call number (Retell's ids are opaque strings)."""
    return "call_" + hashlib.sha256(f"retell:{seed}:{number}".encode()).hexdigest()[:28]


def _rng(seed: int, number: int) -> random.Random:
    return random.Random(f"retell-call:{seed}:{number}")


def user_sentiment(turns: tuple[Turn, ...]) -> str:
    """Retell's reading of the caller, from the customer's own words; Unknown when the customer said nothing."""
    said = " ".join(t.text for t in turns if t.role == "customer")
    return SENTIMENT[str(score_text(said)["label"])] if said.strip() else "Unknown"


def _words(text: str, start: float, seconds: float) -> list[dict]:
    words = text.split()
    step = seconds / max(1, len(words))
    return [
        {"word": w, "start": round(start + i * step, 3), "end": round(start + (i + 1) * step, 3)}
        for i, w in enumerate(words)
    ]


def call(world: World, script: Script, number: int | None = None, at: datetime | None = None) -> dict:
    """The call record of ``script`` (``number``/``at`` override the script's, for calls the feed adds)."""
    seed = world.config.seed
    number = script.number if number is None else number
    rng = _rng(seed, number)
    direction = "inbound" if rng.random() < 0.7 else "outbound"
    line = COMPANY_NUMBERS[rng.randrange(len(COMPANY_NUMBERS))]
    phone = script.customer.phone or ""
    reasons, weights = zip(*ENDINGS, strict=True)
    reason = rng.choices(reasons, weights)[0]
    if reason == "voicemail_reached" and direction == "inbound":
        reason = "user_hangup"  # only a call we place can reach a voicemail
    voicemail = reason == "voicemail_reached"
    turns = script.turns
    if voicemail:
        turns = tuple(t for t in turns if t.role == "agent")[:1] or (Turn("agent", "Hello, this is a callback."),)
    elif direction == "outbound" and turns[0].role == "customer":
        turns = (Turn("agent", "Hello, I'm calling back about your request."), *turns)
    started = epoch_ms(at or script.at) + rng.randrange(1000)
    transcript_object, clock = [], 0.0
    for turn in turns:
        seconds = max(2.0, len(turn.text.split()) / 2.5) + rng.uniform(0.3, 1.5)
        transcript_object.append(
            {"role": ROLE[turn.role], "content": turn.text, "words": _words(turn.text, clock, seconds)}
        )
        clock += seconds + rng.uniform(0.4, 1.2)
    duration_ms = int(clock * 1000)
    sentiment = "Unknown" if voicemail else user_sentiment(turns)
    seconds = duration_ms / 1000
    platform = round(seconds * PLATFORM_CENTS_PER_SECOND, 4)
    voice = round(seconds * VOICE_CENTS_PER_SECOND, 4)
    cid = call_id(seed, number)
    return {
        "call_type": "phone_call",
        "from_number": phone if direction == "inbound" else line,
        "to_number": line if direction == "inbound" else phone,
        "direction": direction,
        "call_id": cid,
        "agent_id": AGENTS[direction],
        "agent_version": 1,
        "agent_name": AGENT_NAMES[direction],
        "call_status": "ended",
        "metadata": {"customer_email": script.customer.email},
        "retell_llm_dynamic_variables": {"customer_name": script.customer.name},
        "collected_dynamic_variables": {},
        "data_storage_setting": "everything",
        "opt_in_signed_url": False,
        "start_timestamp": started,
        "end_timestamp": started + duration_ms,
        "duration_ms": duration_ms,
        "transcript": "\n".join(
            f"{'User' if t['role'] == 'user' else 'Agent'}: {t['content']}" for t in transcript_object
        ),
        "transcript_object": transcript_object,
        "recording_url": f"https://dxc03zgurdly9.cloudfront.net/{cid}/recording.wav",
        "public_log_url": f"https://dxc03zgurdly9.cloudfront.net/{cid}/public.log",
        "disconnection_reason": reason,
        "latency": {},
        "call_cost": {
            "product_costs": [
                {"product": "retell_platform", "unit_price": PLATFORM_CENTS_PER_SECOND, "cost": platform},
                {"product": "elevenlabs_tts", "unit_price": VOICE_CENTS_PER_SECOND, "cost": voice},
            ],
            "total_duration_seconds": round(seconds),
            "total_duration_unit_price": PLATFORM_CENTS_PER_SECOND + VOICE_CENTS_PER_SECOND,
            "combined_cost": round(platform + voice, 4),
        },
        "call_analysis": analysis(script, sentiment, voicemail, reason, rng),
        "telephony_identifier": {"twilio_call_sid": "CA" + hashlib.md5(cid.encode()).hexdigest()},
    }


def analysis(script: Script, sentiment: str, voicemail: bool, reason: str, rng: random.Random) -> dict:
    return {
        "call_summary": f"The caller {script.customer.name} called about: {script.conversation.subject}",
        "in_voicemail": voicemail,
        "user_sentiment": sentiment,
        "call_successful": not voicemail and reason in ("user_hangup", "agent_hangup") and rng.random() < 0.8,
        "custom_analysis_data": {},
    }
