"""A persistent cache of LLM sentiment answers, so unchanged text is never paid for twice.

Keyed by (normalised text hash, provider, model, prompt version): a new model or prompt wording
misses on purpose. SQLite from the standard library: one file, safe across processes (WAL plus a
busy timeout) and, with one connection behind a lock, across threads. Only text hashes are stored,
never the text. Only answers from the LLM itself are stored — rows a fallback scored are not, so
they are retried by the LLM on the next run.
"""

from __future__ import annotations

import hashlib
import os
import re
import sqlite3
import threading
import time
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

_WHITESPACE = re.compile(r"\s+")
_SCHEMA = """
CREATE TABLE IF NOT EXISTS sentiment_cache (
    key TEXT PRIMARY KEY,
    label TEXT NOT NULL,
    score REAL NOT NULL,
    confidence REAL NOT NULL,
    model TEXT NOT NULL,
    created_at REAL NOT NULL
)
"""
_CHUNK = 500  # stays under SQLite's bound-parameter limit


@dataclass(frozen=True)
class CachedScore:
    label: str
    score: float
    confidence: float
    model: str


def normalise(text: str) -> str:
    """What counts as 'the same text': NFC, whitespace runs collapsed, ends trimmed."""
    return _WHITESPACE.sub(" ", unicodedata.normalize("NFC", text)).strip()


class SentimentCache:
    """``path=None`` keeps the cache in memory (one process, e.g. tests); a file persists across runs."""

    def __init__(self, path: str | os.PathLike[str] | None = None) -> None:
        self.path = None if path is None else Path(path)
        if self.path is not None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self._db = sqlite3.connect(
            ":memory:" if self.path is None else str(self.path),
            timeout=30.0,
            check_same_thread=False,
            isolation_level=None,
        )
        if self.path is not None:
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=NORMAL")  # a cache may lose its last writes on power loss
        self._db.execute("PRAGMA busy_timeout=30000")
        self._db.execute(_SCHEMA)

    @staticmethod
    def key(text: str, provider: str, model: str, prompt_version: str) -> str:
        digest = hashlib.sha256(normalise(text).encode()).hexdigest()
        return hashlib.sha256(f"{digest}\x1f{provider}\x1f{model}\x1f{prompt_version}".encode()).hexdigest()

    def get_many(self, keys: Sequence[str]) -> dict[str, CachedScore]:
        found: dict[str, CachedScore] = {}
        unique = list(dict.fromkeys(keys))
        with self._lock:
            for start in range(0, len(unique), _CHUNK):
                chunk = unique[start : start + _CHUNK]
                rows = self._db.execute(
                    f"SELECT key, label, score, confidence, model FROM sentiment_cache "
                    f"WHERE key IN ({','.join('?' * len(chunk))})",
                    chunk,
                ).fetchall()
                for key, label, score, confidence, model in rows:
                    found[key] = CachedScore(label, score, confidence, model)
        return found

    def put_many(self, entries: Iterable[tuple[str, CachedScore]]) -> None:
        now = time.time()
        rows = [(k, v.label, v.score, v.confidence, v.model, now) for k, v in entries]
        if not rows:
            return
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                self._db.executemany("INSERT OR REPLACE INTO sentiment_cache VALUES (?, ?, ?, ?, ?, ?)", rows)
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

    def __len__(self) -> int:
        with self._lock:
            return int(self._db.execute("SELECT count(*) FROM sentiment_cache").fetchone()[0])

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def __enter__(self) -> SentimentCache:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()
