"""Intercom's search query language over pre-rendered records: filters, AND/OR groups, cursors.

Kept apart from the HTTP layer so its limits (nesting, filters per group, operators per field type)
and quirks (contacts compared by UTC day) read as one piece.
"""

from __future__ import annotations

import base64
import bisect
import json
from collections.abc import Callable, Mapping
from typing import Any

MAX_FILTERS_PER_GROUP = 15
MAX_NESTING = 2
DAY = 86_400

OPERATORS = {
    "date": ("=", "!=", "IN", "NIN", ">", "<"),
    "str": ("=", "!=", "IN", "NIN", "~", "!~", "^", "$"),
    "bool": ("=", "!="),
}
CONVERSATION_FIELDS = {
    "id": "str",
    "created_at": "date",
    "updated_at": "date",
    "waiting_since": "date",
    "state": "str",
    "open": "bool",
    "read": "bool",
    "priority": "str",
    "source.type": "str",
    "source.author.id": "str",
    "contact_ids": "str",
    "admin_assignee_id": "str",
}
CONTACT_FIELDS = {
    "id": "str",
    "external_id": "str",
    "role": "str",
    "email": "str",
    "name": "str",
    "phone": "str",
    "created_at": "date",
    "updated_at": "date",
    "signed_up_at": "date",
    "last_seen_at": "date",
}
Predicate = Callable[[Mapping[str, Any]], bool]


class QueryError(ValueError):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code, self.message = code, message


class SearchIndex:
    """One searchable object: items sorted by (updated_at, world id), each pre-serialised once."""

    def __init__(self, items: list[tuple[int, int, dict, dict]], fields: dict[str, str], day_granular: bool) -> None:
        self.fields, self.day_granular = fields, day_granular
        self.load(items)

    def load(self, items: list[tuple[int, int, dict, dict]]) -> None:
        """Replace every item (in place, so the routes holding this index serve the new ones)."""
        items.sort(key=lambda i: (i[0], i[1]))
        self.keys = [(ts, key) for ts, key, _, _ in items]
        self.values = [values for _, _, values, _ in items]
        self.bodies = [json.dumps(rec, ensure_ascii=False, separators=(",", ":")).encode() for *_, rec in items]

    def upsert(self, ts: int, key: int, values: dict, record: dict) -> None:
        """Index ``record`` at its new ``updated_at``, replacing the entry it had (changes made at run time)."""
        self.remove(key)
        at = bisect.bisect_right(self.keys, (ts, key))
        self.keys.insert(at, (ts, key))
        self.values.insert(at, values)
        self.bodies.insert(at, json.dumps(record, ensure_ascii=False, separators=(",", ":")).encode())

    def remove(self, key: int) -> bool:
        """Drop ``key`` from the index (deleted or archived: Intercom's search no longer finds it)."""
        found = next((i for i, (_, k) in enumerate(self.keys) if k == key), None)
        if found is not None:
            del self.keys[found], self.values[found], self.bodies[found]
        return found is not None

    def search(
        self, predicate: Predicate, after: tuple[int, int] | None, per_page: int
    ) -> tuple[list[bytes], int, tuple[int, int] | None]:
        """The page after ``after``, the total match count and the last key served if more remain."""
        matches = [i for i, values in enumerate(self.values) if predicate(values)]
        rest = matches if after is None else [i for i in matches if self.keys[i] > after]
        page = rest[:per_page]
        return [self.bodies[i] for i in page], len(matches), self.keys[page[-1]] if len(rest) > per_page else None

    def compile(self, query: Any, depth: int = 0) -> Predicate:
        if not isinstance(query, dict):
            raise QueryError("parameter_invalid", "query must be an object")
        operator = query.get("operator")
        if operator in ("AND", "OR"):
            if depth >= MAX_NESTING:
                raise QueryError("invalid_query", f"There's a limit of max {MAX_NESTING} nested filters")
            parts = query.get("value")
            if not isinstance(parts, list) or not parts:
                raise QueryError("parameter_invalid", f"{operator} needs a non-empty list of filters")
            if len(parts) > MAX_FILTERS_PER_GROUP:
                raise QueryError(
                    "invalid_value",
                    "Number of elements in composite query is greater than 15, please try again with a smaller list",
                )
            subs = [self.compile(part, depth + 1) for part in parts]
            if operator == "AND":
                return lambda values: all(sub(values) for sub in subs)
            return lambda values: any(sub(values) for sub in subs)
        return self._filter(query.get("field"), operator, query.get("value"))

    def _filter(self, field: Any, operator: Any, value: Any) -> Predicate:
        kind = self.fields.get(field) if isinstance(field, str) else None
        if kind is None:
            raise QueryError("invalid_field", f"{field} is not a searchable field")
        if operator not in OPERATORS[kind]:
            raise QueryError("invalid_operator", f"{field} does not support operator: {operator}")
        wanted = value if operator in ("IN", "NIN") else [value]
        if not isinstance(wanted, list) or not all(is_kind(v, kind) for v in wanted):
            raise QueryError("invalid_value", f"{value!r} is not a valid value for {field} ({kind})")
        if kind == "date" and self.day_granular:  # contacts: dates, not datetimes
            wanted = [v - v % DAY for v in wanted]
        target = wanted if operator in ("IN", "NIN") else wanted[0]
        truncate = kind == "date" and self.day_granular

        def matches(values: Mapping[str, Any]) -> bool:
            actual = values.get(field)
            if truncate and actual is not None:
                actual -= actual % DAY
            return compare(operator, actual, target)

        return matches


def is_kind(value: Any, kind: str) -> bool:
    if kind == "date":
        return isinstance(value, int) and not isinstance(value, bool)
    return isinstance(value, bool) if kind == "bool" else isinstance(value, str)


def compare(operator: str, actual: Any, target: Any) -> bool:
    if isinstance(actual, list):  # multi-valued fields (contact_ids): any element, none for negations
        if operator in ("!=", "NIN", "!~"):
            return all(compare(operator, a, target) for a in actual)
        return any(compare(operator, a, target) for a in actual)
    if actual is None:
        return operator in ("!=", "NIN", "!~")
    if operator == "=":
        return actual == target
    if operator == "!=":
        return actual != target
    if operator in ("IN", "NIN"):
        return (actual in target) == (operator == "IN")
    if operator in (">", "<"):
        return actual > target if operator == ">" else actual < target
    text, part = str(actual).lower(), str(target).lower()
    return {"~": part in text, "!~": part not in text, "^": text.startswith(part), "$": text.endswith(part)}[operator]


def encode_cursor(key: tuple[int, int], page: int) -> str:
    """Opaque like Intercom's (base64 of ``[sort value in ms, "id", page]``)."""
    raw = json.dumps([key[0] * 1000, str(key[1]), page], separators=(",", ":")).encode()
    return base64.b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[tuple[int, int], int]:
    millis, key, page = json.loads(base64.b64decode(cursor + "=" * (-len(cursor) % 4), validate=True))
    if not isinstance(millis, int) or not isinstance(page, int) or page < 1:
        raise ValueError("bad cursor")
    return (millis // 1000, int(key)), page


def searchable_values(record: Mapping[str, Any], fields: Mapping[str, str]) -> dict[str, Any]:
    """The searchable values of a rendered record, by dotted field name."""
    values: dict[str, Any] = {}
    for field in fields:
        if field == "contact_ids":
            values[field] = [c["id"] for c in record["contacts"]["contacts"]]
            continue
        value: Any = record
        for part in field.split("."):
            value = value.get(part) if isinstance(value, Mapping) else None
        values[field] = str(value) if field == "admin_assignee_id" and value is not None else value
    return values
