"""PII redaction: emails, phone numbers, payment cards and IBANs become typed placeholders.

Inside ``preprocess`` this runs on text that has been through ``arabic.fold`` (ASCII digits, bidi
marks gone, single spaces), so ``٠٥٠‏١٢٣٤٥٦٧`` is seen as ``0501234567``.  It also works on raw
text: ``\\d`` matches Arabic-Indic digits and candidates are converted to ASCII before validation.

One regex finds candidates -- an email, an IBAN shape (country code, check digits, then exactly the
country's length, compact or in blocks of 4), or a *chain*: digit groups joined by single spaces,
dashes, dots or parentheses.  Python then validates.  A group glued to letters or ids is never part
of a match (``ORD-20261105``, ``#45678``, ``INV-2025-00042``, ``1Z999AA10123456784``, ``v2.3.1``),
and neither is a group glued to ``,`` ``:`` ``/`` digits (``1,250.00``, ``10:30``, ``05/11/2026``).
Cards need 13-19 digits starting 2-6 and the Luhn checksum; IBANs need mod-97.  A window of
consecutive groups is a **phone** when its digits (separators removed) are:

* strong -- may be cut out of a longer chain:  ``+`` then 8-15 digits (E.164);  ``00`` then 8-15
  digits;  a country code without ``+`` followed by a Gulf/Egypt/UK mobile (9665…, 9715…,
  965[569]…, 974[3567]…, 973[36]…, 968[79]…, 201[0125]…, 447…);  a trunk-``0`` national number of
  9-11 digits (Saudi/UAE ``05X XXX XXXX``, Egypt ``01[0125]X XXX XXXX``, landlines ``011``/``02``/
  ``04``…, UK ``07…``) whose groups after the first have 3+ digits (so ``05-11-2026`` is a date);
* weak -- 8 digits starting 3/5/6/7/9, bare or 4-4 (Kuwait 5/6/9, Qatar 3/5/6/7, Bahrain 3/6 and
  Oman 7/9 mobiles have no trunk prefix), or 10 digits starting 2-9, bare or 3-3-4 (North American
  numbers); only as a whole chain, a space-delimited piece, or a window not flanked by another
  4-digit group (card-like runs), and never right after an order word ("order #", "رقم الطلب").

Anything else -- dates, times, amounts, versions, short numbers, order ids -- is left alone.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass

__all__ = ["IBAN_LENGTHS", "PII_TYPES", "PLACEHOLDERS", "Redaction", "iban_ok", "luhn_ok", "redact", "redact_parts"]

PII_TYPES = ("email", "phone", "card", "iban")
PLACEHOLDERS = {"email": "[EMAIL]", "phone": "[PHONE]", "card": "[CARD]", "iban": "[IBAN]"}

# ISO 13616 IBAN lengths (SWIFT IBAN registry).
IBAN_LENGTHS = {
    "AD": 24,
    "AE": 23,
    "AL": 28,
    "AT": 20,
    "AZ": 28,
    "BA": 20,
    "BE": 16,
    "BG": 22,
    "BH": 22,
    "BI": 27,
    "BR": 29,
    "BY": 28,
    "CH": 21,
    "CR": 22,
    "CY": 28,
    "CZ": 24,
    "DE": 22,
    "DJ": 27,
    "DK": 18,
    "DO": 28,
    "EE": 20,
    "EG": 29,
    "ES": 24,
    "FI": 18,
    "FK": 18,
    "FO": 18,
    "FR": 27,
    "GB": 22,
    "GE": 22,
    "GI": 23,
    "GL": 18,
    "GR": 27,
    "GT": 28,
    "HR": 21,
    "HU": 28,
    "IE": 22,
    "IL": 23,
    "IQ": 23,
    "IS": 26,
    "IT": 27,
    "JO": 30,
    "KW": 30,
    "KZ": 20,
    "LB": 28,
    "LC": 32,
    "LI": 21,
    "LT": 20,
    "LU": 20,
    "LV": 21,
    "LY": 25,
    "MC": 27,
    "MD": 24,
    "ME": 22,
    "MK": 19,
    "MN": 20,
    "MR": 27,
    "MT": 31,
    "MU": 30,
    "NI": 28,
    "NL": 18,
    "NO": 15,
    "OM": 23,
    "PK": 24,
    "PL": 28,
    "PS": 29,
    "PT": 25,
    "QA": 29,
    "RO": 24,
    "RS": 22,
    "RU": 33,
    "SA": 24,
    "SC": 31,
    "SD": 18,
    "SE": 24,
    "SI": 19,
    "SK": 24,
    "SM": 27,
    "SO": 23,
    "ST": 25,
    "SV": 28,
    "TL": 23,
    "TN": 24,
    "TR": 26,
    "UA": 29,
    "VA": 22,
    "VG": 24,
    "XK": 20,
    "YE": 30,
}

_SEP = " \u00a0\u2009\u202f.\\-\u2010-\u2013"  # one of these may join two digit groups
_DASHES = "-\u2010\u2011\u2012\u2013"


def _iban_pattern() -> str:
    by_len: dict[int, list[str]] = {}
    for cc, n in IBAN_LENGTHS.items():
        by_len.setdefault(n, []).append(cc)
    alts = []
    for n, ccs in sorted(by_len.items(), reverse=True):
        blocks, rest = divmod(n - 4, 4)
        tail = f"(?:[ -]?[A-Z0-9]{{{rest}}})" if rest else ""
        alts.append(f"(?:{'|'.join(sorted(ccs))})\\d\\d(?:[ -]?[A-Z0-9]{{4}}){{{blocks}}}{tail}")
    return f"(?<![A-Za-z0-9])(?i:{'|'.join(alts)})(?![A-Za-z0-9])"


_EMAIL = re.compile(r"(?<![\w.%+'\-])[\w.%+'\-]*\w@\w[\w\-]*(?:\.[\w\-]+)*\.[^\W\d_]{2,}(?![\w@])")
_IBAN = re.compile(f"(?=[A-Za-z]{{2}}\\d\\d){_iban_pattern()}")
_IBAN_HINT = re.compile(r"(?<![A-Za-z0-9])[A-Za-z]{2}\d\d(?:[ -]?[A-Za-z0-9]){10}")
# A chain holds at least 8 digits and is maximal: it cannot start right after a digit, or after a
# digit and one or two separators, so it is always judged as a whole.  The leading lookahead is a
# cheap first test (lookbehinds are costly when evaluated at every position).
_J = f"[(){_SEP}]"
_CHAIN = re.compile(rf"(?=[+(\d])(?<!\d)(?<!\d{_J})(?<!\d{_J}{{2}})[+(]?\d(?:{_J}{{0,3}}\d){{7}}[\d(){_SEP}]*")
_HAS_8_DIGITS = re.compile(r"\d(?:\D{0,3}\d){7}")
_GROUP = re.compile(r"\d+")
_GLUED_BEFORE = re.compile(r"(?:[A-Za-z_#@/\\&]|[A-Za-z0-9][._\-]|\d[,:/])$")
_GLUED_AFTER = re.compile(r"[A-Za-z0-9_@/\\#%&]|[.,:/]\d|-\d")
_ORDER_WORD = re.compile(
    r"(?:order|ord|ref|reference|invoice|inv|tracking|awb|shipment|ticket|case"
    r"|طلب|الطلب|طلبي|[اأ]وردر|ال[اأ]وردر|فاتور[ةه]|الفاتور[ةه]|شحن[ةه]|الشحن[ةه]|مرجع|المرجع)"
    r"[\s:#.\-]*(?:no\.?|number|num|nr|id|is|#|رقم|رقمه|رقمها|هو)?[\s:#.\-]*$",
    re.IGNORECASE,
)
_CC_MOBILE = re.compile(
    r"9665\d{8}|9715\d{8}|965[569]\d{7}|974[3567]\d{7}|973[36]\d{7}|968[79]\d{7}"
    r"|201[0125]\d{8}|447\d{9}"
)
_MIN_PII_DIGITS = 8  # the shortest phone (8 digits: Gulf mobiles, +E.164 minimum); cards need 13
_TRUNK = re.compile(r"0[1-9]\d{7,9}")
_GULF8 = re.compile(r"[35679]\d{7}")
_NANP = re.compile(r"[2-9]\d{9}")
_TO_ASCII = str.maketrans(
    {**{chr(0x0660 + i): str(i) for i in range(10)}, **{chr(0x06F0 + i): str(i) for i in range(10)}}
)


@dataclass(frozen=True)
class Redaction:
    """Redacted text, counts per type, and (type, start, end) spans in the text given to ``redact``."""

    text: str
    counts: dict[str, int]
    spans: tuple[tuple[str, int, int], ...]


def _ascii(digits: str) -> str:
    """ASCII digits for validation; ``\\d`` also matches other scripts' digits."""
    digits = digits.translate(_TO_ASCII)
    return digits if digits.isascii() else "".join(str(unicodedata.digit(c, 0)) for c in digits)


def luhn_ok(digits: str) -> bool:
    """Luhn checksum (payment cards)."""
    total, parity = 0, len(digits) % 2
    for i, ch in enumerate(digits):
        d = ord(ch) - 48
        if i % 2 == parity:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


def iban_ok(candidate: str) -> bool:
    """ISO 13616: known country, exact length, and mod 97 == 1 after moving the first 4 chars."""
    s = re.sub(r"[ \-]", "", candidate).upper().translate(_TO_ASCII)
    if IBAN_LENGTHS.get(s[:2]) != len(s) or not s.isascii() or not s.isalnum() or not s[2:4].isdigit():
        return False
    return int("".join(str(int(c, 36)) for c in s[4:] + s[:4])) % 97 == 1


def _is_phone(plus: bool, digits: str, sizes: list[int], weak_ok: Callable[[], bool]) -> bool:
    """Strong formats first; ``weak_ok`` (a look at the neighbours and the words before) is asked
    only when a weak format's digits fit, since it is the costly part."""
    n = len(digits)
    if plus:
        return 8 <= n <= 15 and digits[0] != "0"
    if digits.startswith("00"):
        return 10 <= n <= 17 and digits[2] != "0"
    if _CC_MOBILE.fullmatch(digits):
        return True
    if _TRUNK.fullmatch(digits):
        return sizes[0] >= 2 and all(s >= 3 for s in sizes[1:])
    if n == 8:
        return sizes in ([8], [4, 4]) and _GULF8.fullmatch(digits) is not None and weak_ok()
    if n == 10:
        return sizes in ([10], [3, 3, 4]) and _NANP.fullmatch(digits) is not None and weak_ok()
    return False


def _sep_ok(sep: str) -> bool:
    """Separators allowed *inside* one number: one space/dash/dot, or parentheses around a group."""
    core = sep.replace(" ", "").replace("\u00a0", "").replace("\u202f", "").replace("\u2009", "")
    return (
        len(sep) - len(core) <= 2
        and (len(core) <= 1 or core in (")-", "-(", ")("))
        and all(c in "().-\u2010\u2011\u2012\u2013" for c in core)
    )


def _weak_window_ok(
    i: int, j: int, n: int, first: int, last: int, digits: list[str], hard: list[bool], spaced: list[bool]
) -> bool:
    """Weak formats: the whole chain, a space-delimited piece, or a window not flanked by another
    4-digit group -- "5123 4567 300" holds a Kuwaiti number, "5532 0151 1283 0368" (a card number
    failing Luhn) does not."""
    if (i == 0 and j == n) or ((i == 0 or spaced[i - 1]) and (j == n or spaced[j - 1]) and not any(spaced[i : j - 1])):
        return True
    before = i > first and not hard[i - 1] and len(digits[i - 1]) == 4
    after = j < last and not hard[j - 1] and len(digits[j]) == 4
    return not (before or after)


def _chain(text: str, start: int, end: int, edits: list[tuple[int, int, str]]) -> None:
    """Find the cards/phones inside one chain ``text[start:end]``; append (start, end, type) edits."""
    groups = [(m.start(), m.end()) for m in _GROUP.finditer(text, start, end)]
    n = len(groups)
    plus = text[start] == "+" or text[start : start + 2] == "(+"
    digits = [_ascii(text[a:b]) for a, b in groups]
    seps = [text[groups[k][1] : groups[k + 1][0]] for k in range(n - 1)]
    hard = [not _sep_ok(s) for s in seps]
    spaced = [any(c in s for c in " \u00a0\u202f\u2009") for s in seps]
    first = i = 1 if _GLUED_BEFORE.search(text, max(0, start - 2), start) else 0
    last = n - 1 if _GLUED_AFTER.match(text, groups[-1][1]) else n
    # No phone has fewer than 8 digits and no card fewer than 13: a chain whose usable groups hold
    # fewer (an order id after "INV-", a date) has nothing to find, and a window that short ends the
    # search from that group, since windows only shrink as ``j`` falls.
    if sum(len(d) for d in digits[first:last]) < _MIN_PII_DIGITS:
        return
    while i < last:
        found = None
        for j in range(last, i, -1):
            if any(hard[i : j - 1]):
                continue
            d = "".join(digits[i:j])
            if len(d) > 19:
                continue
            if len(d) < _MIN_PII_DIGITS:
                break
            wplus = plus and i == 0
            if (
                not wplus
                and 13 <= len(d) <= 19
                and d[0] in "23456"
                and luhn_ok(d)
                and all(len(s) == 1 and s in " " + _DASHES for s in seps[i : j - 1])
            ):
                found = "card"
                break
            s0 = groups[i][0]

            def weak_ok(i: int = i, j: int = j, s0: int = s0) -> bool:
                return _weak_window_ok(i, j, n, first, last, digits, hard, spaced) and not _ORDER_WORD.search(
                    text, max(0, s0 - 40), s0
                )

            if _is_phone(wplus, d, [len(x) for x in digits[i:j]], weak_ok):
                found = "phone"
                break
        if found is None:
            i += 1
            continue
        a, b = groups[i][0], groups[j - 1][1]
        if i == 0:
            a = start  # include a leading "+", "(" or "(+"
        elif text[a - 1] == "(":
            a -= 1
        if text[a:b].count("(") > text[a:b].count(")") and text[b : b + 1] == ")":
            b += 1
        edits.append((a, b, found))
        i = j


def _overlaps(edit: tuple[int, int, str], claimed: list[tuple[int, int, str]]) -> bool:
    return any(a < edit[1] and edit[0] < b for a, b, _ in claimed)


def redact(text: str) -> Redaction:
    """Replace emails, phones, cards and IBANs by ``[EMAIL]``/``[PHONE]``/``[CARD]``/``[IBAN]``."""
    return Redaction(*redact_parts(text))


def redact_parts(text: str) -> tuple[str, dict[str, int], tuple[tuple[str, int, int], ...]]:
    """``redact`` as a plain tuple (text, counts, spans), the hot path of ``preprocess``.

    Independent passes collect edits on the input, so spans are input offsets; later passes skip
    what an earlier one claimed (an email's digits are never a phone, nor an IBAN's).  Texts without
    an ``@`` and without 8 digits close together skip every pass (most messages).
    """
    counts = {"email": 0, "phone": 0, "card": 0, "iban": 0}  # PII_TYPES; a literal is twice as fast
    has_at = "@" in text
    if not has_at and not _HAS_8_DIGITS.search(text):
        return text, counts, ()
    claimed = [(m.start(), m.end(), "email") for m in _EMAIL.finditer(text)] if has_at else []
    if _IBAN_HINT.search(text):  # a failing IBAN is claimed too, as an id to leave alone
        ibans = [(m.start(), m.end(), "iban" if iban_ok(m.group()) else "") for m in _IBAN.finditer(text)]
        claimed += [e for e in ibans if not _overlaps(e, claimed)]
    numbers: list[tuple[int, int, str]] = []
    for m in _CHAIN.finditer(text):
        _chain(text, m.start(), m.end(), numbers)
    edits = sorted(e for e in claimed + [e for e in numbers if not _overlaps(e, claimed)] if e[2])
    if not edits:
        return text, counts, ()
    out, cursor = [], 0
    for a, b, kind in edits:
        out.append(text[cursor:a])
        out.append(PLACEHOLDERS[kind])
        counts[kind] += 1
        cursor = b
    out.append(text[cursor:])
    return "".join(out), counts, tuple((kind, a, b) for a, b, kind in edits)
