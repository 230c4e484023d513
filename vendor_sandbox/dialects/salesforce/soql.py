"""The SOQL subset the sandbox understands: exactly what the connector emits, nothing more.

    SELECT field, field, ... | COUNT()  FROM Object
    [WHERE SystemModstamp >= 2026-10-01T00:00:00Z AND SystemModstamp < 2026-10-02T00:00:00Z]
    [ORDER BY SystemModstamp[, Id]]

Anything else (LIMIT, OR, functions, relationship fields, other filters) is a 400 MALFORMED_QUERY
with Salesforce's row/column pointer; unknown objects are INVALID_TYPE and unknown fields INVALID_FIELD.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from vendor_sandbox.dialects.salesforce.render import SObjectTable, epoch_ms

_TOKEN = re.compile(
    r"""\s*(?:
    (?P<datetime>\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,3})?(?:Z|[+-]\d{2}:\d{2}))
  | (?P<number>\d+(?:\.\d+)?)
  | (?P<string>'(?:[^'\\]|\\.)*')
  | (?P<name>[A-Za-z_][A-Za-z0-9_.]*)
  | (?P<op>>=|<=|!=|=|<|>)
  | (?P<punct>[,()])
)""",
    re.VERBOSE,
)
_KEYWORDS = {"select", "from", "where", "and", "order", "by", "asc", "count"}


class SoqlError(Exception):
    """A query Salesforce would reject: ``code`` is its errorCode (MALFORMED_QUERY, INVALID_FIELD...)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code, self.message = code, message


@dataclass(frozen=True)
class Soql:
    sobject: str  # canonical object name
    fields: tuple[str, ...] | None  # canonical field names, in SELECT order; None for COUNT()
    lower: tuple[int, bool] | None = None  # (epoch ms, inclusive) on SystemModstamp
    upper: tuple[int, bool] | None = None
    ordered: bool = False


@dataclass(frozen=True)
class _Tok:
    kind: str
    text: str
    column: int


def _tokens(text: str) -> list[_Tok]:
    out, pos = [], 0
    while pos < len(text):
        match = _TOKEN.match(text, pos)
        if match is None or match.end() == pos:
            if text[pos:].strip() == "":
                break
            start = pos + len(text[pos:]) - len(text[pos:].lstrip())
            raise _unexpected(text, start, text[start:].split()[0])
        kind = match.lastgroup or ""
        out.append(_Tok(kind, match.group(kind), match.start(kind)))
        pos = match.end()
    return out


def _unexpected(text: str, column: int, token: str) -> SoqlError:
    return SoqlError(
        "MALFORMED_QUERY", f"\n{text}\n{' ' * column}^\nERROR at Row:1:Column:{column + 1}\nunexpected token: '{token}'"
    )


class _Parser:
    def __init__(self, text: str) -> None:
        self.text, self.toks, self.i = text, _tokens(text), 0

    def peek(self, word: str | None = None) -> bool:
        if self.i >= len(self.toks):
            return False
        return word is None or self.toks[self.i].text.lower() == word

    def take(self, word: str | None = None, kind: str | None = None) -> _Tok:
        if self.i >= len(self.toks):
            raise _unexpected(self.text, len(self.text), "<EOF>")
        tok = self.toks[self.i]
        if (word is not None and tok.text.lower() != word) or (kind is not None and tok.kind != kind):
            raise _unexpected(self.text, tok.column, tok.text)
        self.i += 1
        return tok

    def name(self) -> _Tok:
        tok = self.take(kind="name")
        if tok.text.lower() in _KEYWORDS or "." in tok.text:
            raise _unexpected(self.text, tok.column, tok.text)
        return tok


def parse(text: str, tables: Mapping[str, SObjectTable]) -> Soql:
    """Parse and resolve names against the sandbox's objects; raises SoqlError as Salesforce would."""
    if not text.strip():
        raise SoqlError("MALFORMED_QUERY", "A query string has to be specified")
    p = _Parser(text)
    p.take("select")
    raw_fields: list[_Tok] | None = None
    if p.peek("count"):
        p.take("count")
        p.take("(")
        p.take(")")
    else:
        raw_fields = [p.name()]
        while p.peek(","):
            p.take(",")
            raw_fields.append(p.name())
    p.take("from")
    object_tok = p.name()
    table = next((t for n, t in tables.items() if n.lower() == object_tok.text.lower()), None)
    if table is None:
        raise SoqlError(
            "INVALID_TYPE",
            f"\n{text}\n{' ' * object_tok.column}^\nERROR at Row:1:Column:"
            f"{object_tok.column + 1}\nsObject type '{object_tok.text}' is not "
            "supported.",
        )
    fields = None if raw_fields is None else tuple(_resolve(text, table, tok) for tok in raw_fields)
    if fields is not None and len(set(fields)) != len(fields):
        duplicate = next(f for f in fields if fields.count(f) > 1)
        raise SoqlError("MALFORMED_QUERY", f"duplicate field selected: {duplicate}")
    lower = upper = None
    if p.peek("where"):
        p.take("where")
        while True:
            lower, upper = _condition(p, lower, upper)
            if not p.peek("and"):
                break
            p.take("and")
    ordered = False
    if p.peek("order"):
        if fields is None:
            raise _unexpected(text, p.toks[p.i].column, p.toks[p.i].text)
        p.take("order")
        p.take("by")
        _order_key(p, "systemmodstamp")
        if p.peek(","):
            p.take(",")
            _order_key(p, "id")
        ordered = True
    if p.i < len(p.toks):
        raise _unexpected(text, p.toks[p.i].column, p.toks[p.i].text)
    return Soql(table.name, fields, lower, upper, ordered)


def _resolve(text: str, table: SObjectTable, tok: _Tok) -> str:
    found = table.field(tok.text)
    if found is None:
        raise SoqlError(
            "INVALID_FIELD",
            f"\n{text}\n{' ' * tok.column}^\nERROR at Row:1:Column:{tok.column + 1}\n"
            f"No such column '{tok.text}' on entity '{table.name}'. If you are "
            "attempting to use a custom field, be sure to append the '__c' after the "
            "custom field name.",
        )
    return found.name


def _condition(
    p: _Parser, lower: tuple[int, bool] | None, upper: tuple[int, bool] | None
) -> tuple[tuple[int, bool] | None, tuple[int, bool] | None]:
    p.take("systemmodstamp")
    op = p.take(kind="op")
    literal = p.take(kind="datetime")
    ms = epoch_ms(datetime.fromisoformat(literal.text.replace("Z", "+00:00")))
    new_lower = (ms, op.text != ">") if op.text in (">=", ">", "=") else None
    new_upper = (ms, op.text != "<") if op.text in ("<=", "<", "=") else None
    if op.text == "!=" or (new_lower and lower) or (new_upper and upper):
        raise _unexpected(p.text, op.column, op.text)  # one bound each way is all the sandbox supports
    return new_lower or lower, new_upper or upper


def _order_key(p: _Parser, name: str) -> None:
    p.take(name)
    if p.peek("asc"):
        p.take("asc")
