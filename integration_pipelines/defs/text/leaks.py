"""A PII detector for the leak check, written apart from the redactor (``lib/text/pii.py``) on purpose.

It shares no pattern or helper with the redactor, so a regression there (a pattern narrowed, a
validation step skipped) shows up as a failed check instead of being repeated here. It is narrower
than the redactor where looser would flag honest text: it looks for

* **email**: ``local@domain.tld``;
* **card**: 13-19 digits starting 2-6 (the card networks' ranges), compact or in groups joined by a
  single space or dash, whose Luhn checksum holds;
* **iban**: a country that issues IBANs, two check digits and 11-30 letters or digits (compact or in
  blocks), whose ISO 7064 mod-97 remainder is 1 (one run of letters and digits in 97 passes the
  checksum by chance: Arabizi such as "ta25eer akkedlena" did, so the country must be one of the
  registry's);
* **phone**: ``+`` or ``00`` and 8-15 digits; Gulf, Egyptian and UK mobiles written nationally
  (``05X XXX XXXX``, ``01[0125]X XXX XXXX``, ``07XXX XXXXXX``) or with their country code and no
  ``+`` (``9665…``, ``9715…``, ``201…``, ``447…``). Bare 8-digit and North American numbers are left
  to the redactor: without context they cannot be told from order numbers.

Digit groups glued to letters (``ORD-0501234567``, ``INV2025…``) are ids, not contact details.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

KINDS = ("email", "phone", "card", "iban")

_TO_ASCII = str.maketrans("٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹", "01234567890123456789")
_EMAIL = re.compile(r"[\w.+%'-]+@[\w-]+(?:\.[\w-]+)*\.[^\W\d_]{2,}")
# digit groups joined by one separator; a leading + or ( belongs to the chain
_CHAIN = re.compile(r"(?<![\w+])(?<!\w[-./#])\+?\(?\d+(?:[ \u00a0.\-()]{1,2}\d+)*(?![\w])")
_GROUP = re.compile(r"\d+")
_IBAN_START = re.compile(r"(?<![A-Za-z0-9])[A-Za-z]{2}\d{2}[A-Za-z0-9]*(?:[ \-][A-Za-z0-9]+)*")
_IBAN_PIECE = re.compile(r"[A-Za-z0-9]+")
# the countries of the IBAN registry (SWIFT): two letters outside it start no IBAN
IBAN_COUNTRIES = frozenset(
    re.findall(
        r"[A-Z]{2}",
        "AD AE AL AT AZ BA BE BG BH BI BR BY CH CR CY CZ DE DJ DK DO EE EG ES FI FK FO FR GB GE GI GL GR "
        "GT HN HR HU IE IL IQ IS IT JO KW KZ LB LC LI LT LU LV LY MC MD ME MK MN MR MT MU NI NL NO OM PK "
        "PL PS PT QA RO RS RU SA SC SD SE SI SK SM SO ST SV TL TN TR UA VA VG XK YE",
    )
)
_NATIONAL_MOBILE = re.compile(r"05\d{8}|01[0125]\d{8}|07\d{9}")
_CC_MOBILE = re.compile(r"9665\d{8}|9715\d{8}|201[0125]\d{8}|447\d{9}")


def luhn(digits: str) -> bool:
    """The payment-card checksum: double every second digit from the right; the sum ends in 0."""
    total = 0
    for i, ch in enumerate(reversed(digits)):
        n = int(ch) * (2 if i % 2 else 1)
        total += n - 9 if n > 9 else n
    return total % 10 == 0


def mod97(candidate: str) -> bool:
    """ISO 7064 MOD 97-10 as IBANs use it: move the first four characters last, letters to 10-35."""
    s = candidate.upper()
    if not (15 <= len(s) <= 34 and s[:2].isalpha() and s[2:4].isdigit() and s.isalnum() and s.isascii()):
        return False
    rotated = s[4:] + s[:4]
    return int("".join(str(int(c, 36)) for c in rotated)) % 97 == 1


def _windows(groups: list[str]) -> Iterable[tuple[int, str]]:
    """(first group index, digits) of every run of consecutive groups."""
    for i in range(len(groups)):
        digits = ""
        for group in groups[i:]:
            digits += group
            if len(digits) > 19:
                break
            yield i, digits


def _is_phone(digits: str, after_plus: bool) -> bool:
    if after_plus:
        return 8 <= len(digits) <= 15
    if digits.startswith("00"):
        return 10 <= len(digits) <= 17 and digits[2] != "0"
    return bool(_NATIONAL_MOBILE.fullmatch(digits) or _CC_MOBILE.fullmatch(digits))


def _chain_kinds(chain: str) -> set[str]:
    groups = _GROUP.findall(chain)
    plus = chain.startswith("+")
    found: set[str] = set()
    for first, digits in _windows(groups):
        if 13 <= len(digits) <= 19 and digits[0] in "23456" and luhn(digits):
            found.add("card")
        if _is_phone(digits, plus and first == 0):
            found.add("phone")
    return found


def _has_iban(text: str) -> bool:
    for match in _IBAN_START.finditer(text):
        if match.group()[:2].upper() not in IBAN_COUNTRIES:
            continue
        pieces = _IBAN_PIECE.findall(match.group())
        compact = ""
        for piece in pieces:  # blocks may be followed by ordinary words: try every block boundary
            compact += piece
            if len(compact) > 34:
                break
            if mod97(compact):
                return True
    return False


def pii_kinds(text: str | None) -> set[str]:
    """Which kinds of PII ``text`` still carries (placeholders such as ``[EMAIL]`` carry none)."""
    if not text:
        return set()
    text = text.translate(_TO_ASCII)
    found = {"email"} if _EMAIL.search(text) else set()
    for chain in _CHAIN.finditer(text):
        found |= _chain_kinds(chain.group())
    if _has_iban(text):
        found.add("iban")
    return found
