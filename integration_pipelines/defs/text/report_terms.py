"""What negative messages talk about: frequent words and two-word phrases, for the sentiment report.

Counted on ``feedback_preprocessed.tokens`` (normalised, redacted, lower-cased), so the report never
sees raw text. Placeholders (``[PHONE]``), numbers, emoji and one-letter tokens are dropped, and so are
English and Arabic (MSA, Gulf, Egyptian) function words: "the", "من", "وش", "مش" would top every list.
The stop words go through the same preprocessing as messages, so their folded spellings match.
"""

from collections import Counter
from collections.abc import Iterable, Sequence
from functools import cache

from integration_pipelines.lib.text.preprocess import preprocess

_ENGLISH_STOP = """a about above after again all also am an and any are as at be because been before being below
between both but by can could did do does doing don down during each few for from further get got
had has have having he her here hers him his how i if in into is it its just me more most my no nor
not now of off on once only or other our ours out over own please same she should so some still such
than that the their them then there these they this those through to too under until up very was we
were what when where which while who whom why will with would you your yours hi hello thanks thank
dear team im ive dont cant its u ur pls plz ok okay"""
ENGLISH_STOP = tuple(_ENGLISH_STOP.split())

_ARABIC_STOP = """من في على الى إلى عن مع ما لا لم لن ان أن إن كان كانت هذا هذه ذلك تلك هو هي هم انا أنا انت أنت نحن
انتم هل او أو ثم حتى قد كل بعد قبل عند غير بين اي أي التي الذي الذين لي لك له لها لنا لكم به بها فيه
فيها عليه عليها منه منها عنه ال و ف ب ل يا الله ان شاء شكرا مرحبا السلام عليكم وش ايش اللي الي عشان
علشان يعني مش مو مب ده دي كده بس لسه ليش ليه وين فين ازاي متى كيف كم هذي ذا شي حق حقي بتاع بتاعي
عندي عندكم انه انها اني انكم ولا وال وشكرا لو ايه زي حد هلا جماعة الحين صار عايز ابي ابغى لما اذا كده"""
ARABIC_STOP = tuple(_ARABIC_STOP.split())


@cache
def stop_words() -> frozenset[str]:
    """The stop words as they appear in ``tokens`` after preprocessing."""
    return frozenset(t for word in ENGLISH_STOP + ARABIC_STOP for t in preprocess(word).tokens)


def content(token: str) -> bool:
    """A word worth counting: letters only (any script), longer than one, not a stop word or placeholder."""
    return len(token) > 1 and token.isalpha() and token not in stop_words()


def top_phrases(messages: Iterable[Sequence[str]], limit: int = 15, min_bigram: int = 2) -> list[tuple[str, int]]:
    """The ``limit`` most frequent words and adjacent word pairs (pairs seen at least ``min_bigram``
    times), most frequent first, ties alphabetical. Each message counts a term once."""
    counts: Counter[str] = Counter()
    bigrams: Counter[str] = Counter()
    for tokens in messages:
        kept = [t if content(t) else None for t in tokens]
        counts.update({t for t in kept if t})
        bigrams.update({f"{a} {b}" for a, b in zip(kept, kept[1:], strict=False) if a and b})
    counts.update({pair: n for pair, n in bigrams.items() if n >= min_bigram})
    return sorted(counts.items(), key=lambda item: (-item[1], item[0]))[:limit]
