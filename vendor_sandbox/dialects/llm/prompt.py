"""The sentiment prompt as the sandbox's model reads it, written from the wire format alone.

A client sends its batch as the last user turn: ``{"items": [{"id": "1", "text": "..."}, ...]}``.
Reading it here, not with the client's own parser, means a client that drifts from that format gets
a 400 from the sandbox instead of a parser that drifted along with it.
"""

from __future__ import annotations

import json


def read_items(content: str) -> list[dict[str, str]]:
    """Each item's id and text; ValueError if the turn is not that shape."""
    try:
        data = json.loads(content)
    except ValueError:
        raise ValueError("the user message is not JSON") from None
    items = data.get("items") if isinstance(data, dict) else None
    if not isinstance(items, list):
        raise ValueError('the user message must be {"items": [...]}')
    read = []
    for position, item in enumerate(items):
        if not (isinstance(item, dict) and isinstance(item.get("id"), str) and isinstance(item.get("text"), str)):
            raise ValueError(f"item {position} needs a string id and a string text")
        read.append({"id": item["id"], "text": item["text"]})
    return read
