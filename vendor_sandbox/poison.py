"""Poison records: the broken records real vendor exports sometimes hold, served on demand.

Why: a sync must quarantine such records and keep the rest of the page, and that can only be shown
against a server that really sends them (over HTTP, in the vendor's own page format). Each kind
clones a record the dialect already serves, gives it a fresh id and the requested change time, and
breaks it one way:

- ``null_id`` / ``bad_id``: the primary key is null / not a number;
- ``null_version`` / ``bad_version``: the change time (``updated_at``) is null / not a time;
- ``lone_surrogate``: a text field holds ``\\ud83d`` alone (valid JSON, not valid Unicode);
- ``invalid_utf8``: a text field holds bytes that are not UTF-8 (the body is no longer UTF-8);
- ``oversized``: a text field of ``oversize_bytes`` bytes.

``POST /_sandbox/poison`` adds records (to any dialect stream that is an ``ExportStream``, e.g.
Zendesk's ``tickets``) and returns their ids; ``DELETE /_sandbox/poison`` removes every one added.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, datetime

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from vendor_sandbox.dialect import Dialect, json_response
from vendor_sandbox.export_stream import ExportStream

KINDS = ("null_id", "bad_id", "null_version", "bad_version", "lone_surrogate", "invalid_utf8", "oversized")
FIRST_ID = 7_000_000_000  # far above any seeded id
_MARK = "\u2063POISON\u2063"


def poison_body(template: dict, kind: str, rid: int, at: datetime, fields: dict[str, str], size: int) -> bytes:
    """The serialised record of one poison ``kind`` (see the module docstring)."""
    record = dict(template)
    id_field, version_field, text_field = fields["id"], fields["version"], fields["text"]
    record[id_field] = rid
    record[version_field] = at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    if "generated_timestamp" in record:
        record["generated_timestamp"] = int(at.timestamp())
    record[text_field] = f"poison {kind} {rid}"
    if kind == "null_id":
        record[id_field] = None
    elif kind == "bad_id":
        record[id_field] = f"not-a-number-{rid}"
    elif kind == "null_version":
        record[version_field] = None
    elif kind == "bad_version":
        record[version_field] = "sometime last week"
    elif kind == "lone_surrogate":
        record[text_field] = f"poison lone surrogate \ud83d in {rid}"
        return json.dumps(record, ensure_ascii=True, separators=(",", ":")).encode()  # "\ud83d" escape
    elif kind == "invalid_utf8":
        record[text_field] = f"poison bytes {_MARK} in {rid}"
        body = json.dumps(record, ensure_ascii=False, separators=(",", ":")).encode()
        return body.replace(_MARK.encode(), b"\xff\xfe\xc3(")
    elif kind == "oversized":
        record[text_field] = "x" * size
    else:
        raise ValueError(f"unknown poison kind {kind!r}; one of {', '.join(KINDS)}")
    return json.dumps(record, ensure_ascii=False, separators=(",", ":")).encode()


class Poisoner:
    """Adds and removes poison records in the dialects' export streams."""

    def __init__(self, dialects: Sequence[Dialect]) -> None:
        self.dialects = {d.name: d for d in dialects}
        self.added: list[tuple[ExportStream, int]] = []
        self.next_id = FIRST_ID

    def add(self, payload: dict) -> dict:
        dialect = self.dialects.get(payload.get("dialect", ""))
        stream = getattr(dialect, payload.get("stream", ""), None) if dialect else None
        if not isinstance(stream, ExportStream) or not len(stream):
            raise ValueError("dialect and stream must name a non-empty export stream (e.g. zendesk, tickets)")
        at = datetime.fromisoformat(str(payload["at"]).replace("Z", "+00:00"))
        fields = {
            "id": payload.get("id_field", "id"),
            "version": payload.get("version_field", "updated_at"),
            "text": payload.get("text_field", "subject"),
        }
        template = json.loads(stream.after((-1, -1), 1).records[0])
        size = int(payload.get("oversize_bytes", 1_200_000))
        made = []
        for kind in payload.get("kinds", KINDS):
            rid, self.next_id = self.next_id, self.next_id + 1
            stream.upsert_body(int(at.timestamp()), rid, poison_body(template, kind, rid, at, fields, size))
            self.added.append((stream, rid))
            made.append({"kind": kind, "id": rid})
        return {"records": made}

    def clear(self) -> dict:
        for stream, rid in self.added:
            stream.remove(rid)
        removed, self.added = len(self.added), []
        return {"removed": removed}


def poison_routes(dialects: Sequence[Dialect]) -> list[Route]:
    poisoner = Poisoner(dialects)

    async def add(request: Request) -> Response:
        try:
            return json_response(poisoner.add(await request.json()))
        except (KeyError, ValueError) as exc:
            return json_response({"error": str(exc)}, 422)

    async def clear(request: Request) -> Response:
        return json_response(poisoner.clear())

    return [
        Route("/_sandbox/poison", add, methods=["POST"]),
        Route("/_sandbox/poison", clear, methods=["DELETE"]),
    ]
