"""Hashed n-gram features for the Arabic model, shared by training and inference.

Both sides call the same ``HashedFeaturizer`` so the shipped coefficients mean exactly what they meant
when fitted; everything that decides a feature index is in ``FeatureConfig``, which the artifact records.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from integration_pipelines.lib.text.sentiment.arabic_normalize import resolve_normalizer
from integration_pipelines.lib.text.sentiment.dense_features import dense, width

ARTIFACT_DIR = Path(__file__).parent / "artifacts"
LEXICON_FILE = "arabic_lexicon.json"
# Recorded in the shipped artifact's metadata, so it keeps naming the module the normaliser was first in.
DEFAULT_NORMALIZER = "integration_pipelines.lib.text.sentiment.arabic_model:basic_normalize"

# --- hashing featurizer --------------------------------------------------------------------------
_P = 0x100000001B3  # odd, so invertible mod 2**64: substring hashes come from one prefix sum
_Q = pow(_P, -1, 2**64)
_SPACE = 32
_powers_lock = threading.Lock()
_powers: tuple[np.ndarray, np.ndarray] = (np.ones(1, np.uint64), np.ones(1, np.uint64))


def _power_tables(n: int) -> tuple[np.ndarray, np.ndarray]:
    """P**i and Q**i (mod 2**64) for i < n, cached and grown geometrically."""
    global _powers
    pp, qq = _powers
    if len(pp) < n:
        with _powers_lock:
            size = max(n, 2 * len(_powers[0]), 4096)
            pp, qq = np.full(size, _P, dtype=np.uint64), np.full(size, _Q, dtype=np.uint64)
            pp[0] = qq[0] = 1
            pp, qq = np.cumprod(pp, dtype=np.uint64), np.cumprod(qq, dtype=np.uint64)
            _powers = (pp, qq)
    return pp, qq


def _fmix64(h: np.ndarray) -> np.ndarray:
    """MurmurHash3 finaliser: spreads the polynomial hash over the low bits we keep."""
    h = h ^ (h >> np.uint64(33))
    h = h * np.uint64(0xFF51AFD7ED558CCD)
    h = h ^ (h >> np.uint64(33))
    h = h * np.uint64(0xC4CEB9FE1A85EC53)
    return h ^ (h >> np.uint64(33))


def _tag(h: np.ndarray, tag: int) -> np.ndarray:
    return _fmix64(h + np.uint64(tag * 0x9E3779B97F4A7C15 % 2**64))


def _word_bounds(sp: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """[start, end) of each run of non-space code points."""
    start = np.flatnonzero(~sp & np.concatenate([[True], sp[:-1]]))
    return start, np.flatnonzero(~sp & np.concatenate([sp[1:], [True]])) + 1


def _member(sorted_set: np.ndarray, values: np.ndarray) -> np.ndarray:
    """``np.isin`` for a pre-sorted set without re-sorting it on every batch."""
    if not len(sorted_set):
        return np.zeros(len(values), dtype=bool)
    return sorted_set[np.minimum(np.searchsorted(sorted_set, values), len(sorted_set) - 1)] == values


_PREFIXES = ("", "و", "ف", "ب", "ك", "ل", "ال", "وال", "بال", "فال", "كال", "لل", "ولل", "وب", "ول", "وبال")
_NEGATING_PREFIXES = ("ما", "وما")
_SUFFIXES = ("", "ه", "ها", "هم", "كم", "ك", "ي", "ني", "نا", "ين", "ات", "ون", "وا", "تي")


@dataclass(frozen=True)
class FeatureConfig:
    """Everything that decides a feature index or value; stored in the artifact metadata."""

    char_ngram: tuple[int, int] = (2, 5)
    word_ngram: tuple[int, int] = (1, 2)
    char_bits: int = 17
    word_bits: int = 17
    sublinear_tf: bool = True
    use_idf: bool = True
    word_weight: float = 1.0
    lexicon: str | None = LEXICON_FILE  # file beside the artifact; None = no lexicon features
    lexicon_weight: float = 1.0
    normalizer: str = DEFAULT_NORMALIZER
    hash_version: int = 1
    dense: tuple[str, ...] = ()  # ``dense_features.BLOCKS`` appended after the lexicon, unnormalised

    @property
    def n_hashed(self) -> int:
        return (1 << self.char_bits) + (1 << self.word_bits)

    @property
    def dense_start(self) -> int:
        return self.n_hashed + (2 if self.lexicon else 0)

    @property
    def n_features(self) -> int:
        return self.dense_start + width(self.dense)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> FeatureConfig:
        data = dict(data)
        data["char_ngram"], data["word_ngram"] = tuple(data["char_ngram"]), tuple(data["word_ngram"])
        data["dense"] = tuple(data.get("dense", ()))
        return cls(**data)


@dataclass
class SparseRows:
    """COO rows sorted by (row, col), one entry per distinct feature of a document."""

    rows: np.ndarray
    cols: np.ndarray
    values: np.ndarray
    shape: tuple[int, int]

    def to_scipy(self) -> Any:
        from scipy.sparse import csr_matrix  # training and tests only

        return csr_matrix((self.values, (self.rows, self.cols)), shape=self.shape)


@dataclass
class HashedFeaturizer:
    """Word-boundary char n-grams + word n-grams, hashed into two fixed blocks, vectorised per batch."""

    config: FeatureConfig = field(default_factory=FeatureConfig)
    normalize: Callable[[str], str] | None = None
    lexicon_dir: Path = ARTIFACT_DIR

    def __post_init__(self) -> None:
        if self.normalize is None:
            self.normalize = resolve_normalizer(self.config.normalizer)
        self._lexicon: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None
        if self.config.lexicon:
            lex = json.loads((self.lexicon_dir / self.config.lexicon).read_text(encoding="utf-8"))
            pos, neg = (self._variants(lex[k]) for k in ("positive", "negative"))
            explicit = [{self.normalize(w) for w in lex[k]} for k in ("positive", "negative")]  # type: ignore[misc]
            pos_set = (pos[0] | neg[1]) - (neg[0] | pos[1]) | explicit[0]
            neg_set = (neg[0] | pos[1]) - (pos[0] | neg[1]) | explicit[1]
            negators = {self.normalize(w) for w in lex["negators"]}  # type: ignore[misc]
            self._lexicon = tuple(np.unique(self._word_hashes(sorted(s))) for s in (pos_set, neg_set, negators))

    def _variants(self, words: Sequence[str]) -> tuple[set[str], set[str]]:
        """(same polarity, flipped) spellings with clitics and suffixes; a fused ما/وما negates the word."""
        same, flipped = set(), set()
        for word in filter(None, map(self.normalize, words)):  # type: ignore[arg-type]
            stems = [(word, s) for s in _SUFFIXES]
            stems += [(word[:-1] + "ت", s) for s in _SUFFIXES[1:]] if word.endswith("ه") else []
            same |= {p + stem + s for p in _PREFIXES for stem, s in stems}
            flipped |= {p + stem + s for p in _NEGATING_PREFIXES for stem, s in stems}
        return same, flipped

    def _word_hashes(self, words: Sequence[str]) -> np.ndarray:
        c, _, sp, sub_hash = self._encode([f" {w} " for w in words])
        w_start, w_end = _word_bounds(sp)
        return sub_hash(w_start, w_end)

    @staticmethod
    def _encode(docs: list[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray, Callable[..., np.ndarray]]:
        c = np.frombuffer("".join(docs).encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
        pp, qq = _power_tables(len(c) + 1)
        prefix = np.zeros(len(c) + 1, dtype=np.uint64)
        np.cumsum(c * qq[: len(c)], out=prefix[1:])

        def sub_hash(a: np.ndarray, b: np.ndarray) -> np.ndarray:
            return pp[b - 1] * (prefix[b] - prefix[a])

        return c, prefix, c == _SPACE, sub_hash

    def counts(self, texts: Sequence[str]) -> SparseRows:
        """Raw term counts (before tf/idf/L2), so idf can be fitted on exactly these features."""
        cfg, norm = self.config, self.normalize
        normalized = list(map(norm, texts))  # type: ignore[arg-type]
        docs = [f" {d} " if d else "" for d in normalized]
        lengths = np.fromiter(map(len, docs), dtype=np.int64, count=len(docs))
        c, prefix, sp, sub_hash = self._encode(docs)
        n = len(c)
        doc_of = np.repeat(np.arange(len(docs), dtype=np.int64), lengths)
        sp_cum = np.concatenate([[0], np.cumsum(sp)])
        keys, docs_of = [], []
        char_mask, word_off = np.uint64((1 << cfg.char_bits) - 1), 1 << cfg.char_bits
        for k in range(cfg.char_ngram[0], cfg.char_ngram[1] + 1):
            if n < k:
                break
            start = np.arange(n - k + 1)
            ok = sp_cum[start + k - 1] == sp_cum[start + 1]  # no space strictly inside the n-gram
            if k == 2:
                ok &= ~(sp[:-1] & sp[1:])
            start = start[ok]
            keys.append((_tag(sub_hash(start, start + k), k) & char_mask).astype(np.int64))
            docs_of.append(doc_of[start])
        w_start, w_end = _word_bounds(sp)
        w_hash = sub_hash(w_start, w_end)
        word_mask = np.uint64((1 << cfg.word_bits) - 1)
        if cfg.word_ngram[0] <= 1:
            keys.append((_tag(w_hash, 101) & word_mask).astype(np.int64) + word_off)
            docs_of.append(doc_of[w_start])
        pair = np.flatnonzero(w_start[1:] == w_end[:-1] + 1)  # one space apart = same document
        if cfg.word_ngram[1] >= 2:
            h2 = _tag(w_hash[pair], 102) * np.uint64(_P) + w_hash[pair + 1]
            keys.append((_tag(h2, 103) & word_mask).astype(np.int64) + word_off)
            docs_of.append(doc_of[w_start[pair]])
        if self._lexicon is not None:
            pos, neg, negators = (_member(h, w_hash) for h in self._lexicon)
            negated = np.zeros(len(w_hash), dtype=bool)
            negated[pair + 1] = negators[pair]
            polar = pos | neg
            keys.append(cfg.n_hashed + (neg[polar] ^ negated[polar]).astype(np.int64))
            docs_of.append(doc_of[w_start[polar]])
        n_feat = cfg.n_features
        flat = np.concatenate([d * n_feat + k for d, k in zip(docs_of, keys, strict=True)] or [np.zeros(0, np.int64)])
        uniq, cnt = np.unique(flat, return_counts=True)
        rows, cols, values = uniq // n_feat, uniq % n_feat, cnt.astype(np.float64)
        if cfg.dense:  # appended per row after the (sorted) sparse part, then re-sorted by (row, col)
            extra = dense(cfg.dense, texts, normalized)
            r, c = np.nonzero(extra)
            rows, cols = np.concatenate([rows, r]), np.concatenate([cols, c + cfg.dense_start])
            values = np.concatenate([values, extra[r, c]])
            order = np.argsort(rows * n_feat + cols, kind="stable")
            rows, cols, values = rows[order], cols[order], values[order]
        return SparseRows(rows, cols, values, (len(docs), n_feat))

    def weight(self, counts: SparseRows, idf: np.ndarray | None) -> SparseRows:
        """tf (sublinear) x idf, L2 per block (chars, words); lexicon hits and dense values stay unnormalised."""
        cfg, cols = self.config, counts.cols
        block = (cols >= (1 << cfg.char_bits)).astype(np.int64) + (cols >= cfg.n_hashed) + (cols >= cfg.dense_start)
        v = counts.values.copy()
        if cfg.sublinear_tf:
            v = np.where(block < 3, 1.0 + np.log(np.where(block < 3, v, 1.0)), v)
        if cfg.use_idf and idf is not None:
            v *= np.where(block < 2, idf[np.minimum(cols, len(idf) - 1)], 1.0)
        seg = counts.rows * 4 + block
        norms = np.sqrt(np.bincount(seg, weights=v * v, minlength=4 * counts.shape[0]))
        norms[2::4] = norms[3::4] = 1.0
        norms[norms == 0] = 1.0
        v = v / norms[seg] * np.array([1.0, cfg.word_weight, cfg.lexicon_weight, 1.0])[block]
        return SparseRows(counts.rows, cols, v, counts.shape)
