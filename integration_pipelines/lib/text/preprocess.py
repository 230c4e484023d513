"""One call from a raw customer message to text that may leave the machine, plus its metadata.

Order of operations (each step relies on the previous one):

1. ``arabic.fold`` -- compatibility forms, digits to ASCII, invisible/bidi marks dropped, Arabic
   letter folding, whitespace collapsed.  Redaction must see ``٠٥٠‏١٢٣٤٥٦٧`` as ``0501234567``.
2. ``pii.redact`` -- emails, phones, cards, IBANs become ``[EMAIL]``/``[PHONE]``/``[CARD]``/``[IBAN]``.
3. ``arabic.reduce_elongation`` -- only now, so squeezing letters cannot break an IBAN or email
   before it is found.
4. ``language.tokenize`` and ``language.classify`` on the final text, so nothing downstream ever
   sees unredacted text.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from integration_pipelines.lib.text.arabic import NormalizeOptions, fold, reduce_elongation
from integration_pipelines.lib.text.language import classify, tokenize
from integration_pipelines.lib.text.pii import redact_parts

__all__ = ["Preprocessed", "preprocess", "preprocess_many"]


@dataclass(frozen=True, slots=True)
class Preprocessed:
    normalized: str  # redacted + normalised: the only form of the text that may leave the machine
    language: str  # "ar" | "en" | "arabizi" | "mixed" | "unknown"
    script: str  # "arabic" | "latin" | "mixed" | "none"
    dialect: str | None  # "gulf" | "egyptian" | "msa" | None
    pii_counts: dict[str, int]  # {"email": n, "phone": n, "card": n, "iban": n}
    tokens: tuple[str, ...]  # lower-cased words, numbers, emoji, placeholders


def preprocess(text: str, options: NormalizeOptions | None = None) -> Preprocessed:
    """Fold, redact, squeeze, then detect language and tokenise (see module doc for why)."""
    redacted, counts, _ = redact_parts(fold(text, options))
    normalized = reduce_elongation(redacted, options)
    tokens = tokenize(normalized)
    language, script, dialect = classify(tokens, normalized)
    return Preprocessed(normalized, language, script, dialect, counts, tuple(tokens))


def preprocess_many(texts: Iterable[str], options: NormalizeOptions | None = None) -> list[Preprocessed]:
    """Batch helper (single process): one ``Preprocessed`` per input, in order."""
    return [preprocess(t, options) for t in texts]
