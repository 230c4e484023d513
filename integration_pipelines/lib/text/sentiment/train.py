"""Reproducible training of the offline Arabic sentiment artifact from ArSarcasm-v2.

    python -m integration_pipelines.lib.text.sentiment.train \
        --data ../shared/data/arsarcasm_v2/training_data.csv --out integration_pipelines/lib/text/sentiment/artifacts/

Split: a stratified (sentiment x dialect) held-out set is removed first and never used for fitting or
tuning; hyper-parameters are chosen on a validation split carved from the rest, then the model is
refitted on train+validation. Metrics are computed on the float16 artifact as written, with the runtime
code. scikit-learn is needed here only; the runtime is numpy.
"""

from __future__ import annotations

import argparse
import hashlib
import itertools
import json
import shutil
import sys
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np

from integration_pipelines.lib.text.sentiment.arabic_model import (
    ARTIFACT_DIR,
    LEXICON_FILE,
    ArabicSentimentModel,
    FeatureConfig,
    HashedFeaturizer,
    SparseRows,
)

LABEL_MAP = {"NEG": "negative", "NEU": "neutral", "POS": "positive"}
LABELS = ("negative", "neutral", "positive")
DIALECTS = ("msa", "egypt", "gulf", "levant", "magreb")
MODEL_VERSION = "arsarcasm-v2-linear-1"
DEFAULT_SEED = 20210419
GRID: dict[str, list[Any]] = {
    "C": [0.5, 1.0, 2.0],
    "class_weight": [None, "balanced"],
    "word_weight": [0.5, 1.0],
}
CITATION = (
    'Ibrahim Abu Farha, Wajdi Zaghouani, Walid Magdy. "Overview of the WANLP 2021 Shared Task on Sarcasm and '
    'Sentiment Detection in Arabic". Proceedings of the Sixth Arabic Natural Language Processing Workshop '
    "(WANLP 2021)."
)
PROBES = (
    "الخدمة ممتازة وسريعة شكرا لكم",
    "للأسف الطلب متأخر ومحد يرد علي",
    "متى يوصل الطلب؟",
    "والله تجربة سيئة جدا وما راح اتعامل معكم مرة ثانية",
    "الموظف كان محترم جدا وحل المشكلة بسرعة 👍",
    "بدي استفسر عن الفاتورة",
    "",
)


def load_data(path: Path) -> dict[str, Any]:
    """Rows in file order plus the file's sha256, so the metadata pins the exact data."""
    import pandas as pd

    df = pd.read_csv(path, dtype={"tweet": str, "sentiment": str, "dialect": str}, keep_default_na=False)
    return {
        "texts": df["tweet"].tolist(),
        "y": np.array([LABELS.index(LABEL_MAP[s]) for s in df["sentiment"]], dtype=np.int64),
        "dialect": df["dialect"].to_numpy(dtype=str),
        "sarcasm": df["sarcasm"].astype(str).str.upper().eq("TRUE").to_numpy(),
        "sha256": hashlib.sha256(path.read_bytes()).hexdigest(),
    }


def stratified_split(strata: np.ndarray, fraction: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """(rest, held) row indices, both sorted; same strata, fraction and seed give the same split."""
    from sklearn.model_selection import StratifiedShuffleSplit

    strata = strata.astype(str)
    for coarser in (np.char.partition(strata, "|")[:, 0], np.full(len(strata), "rare")):
        values, counts = np.unique(strata, return_counts=True)
        rare = np.isin(strata, values[counts < 4])  # too small to split: coarsen (sentiment only, then pooled)
        strata = np.where(rare, coarser, strata)
    values, counts = np.unique(strata, return_counts=True)
    strata = np.where(np.isin(strata, values[counts < 2]), values[np.argmax(counts)], strata)
    sss = StratifiedShuffleSplit(n_splits=1, test_size=fraction, random_state=seed)
    rest, held = next(sss.split(np.zeros(len(strata)), strata))
    return np.sort(rest), np.sort(held)


def macro_f1(y_true: np.ndarray, y_pred: np.ndarray, n_labels: int = 3) -> float:
    """Macro-F1 over the labels present in y_true or y_pred (sklearn's default behaviour)."""
    scores = []
    for k in range(n_labels):
        tp = np.sum((y_pred == k) & (y_true == k))
        fp, fn = np.sum((y_pred == k) & (y_true != k)), np.sum((y_pred != k) & (y_true == k))
        if tp + fp + fn:
            scores.append(2 * tp / (2 * tp + fp + fn))
    return float(np.mean(scores)) if scores else 0.0


def fit_idf(counts: SparseRows) -> np.ndarray:
    """Smooth idf as in scikit-learn: log((1 + n) / (1 + df)) + 1."""
    df = np.bincount(counts.cols, minlength=counts.shape[1])
    return np.log((1.0 + counts.shape[0]) / (1.0 + df)) + 1.0


def subset(counts: SparseRows, rows: np.ndarray) -> SparseRows:
    """Rows of a counts matrix, renumbered 0..len(rows)-1 (rows sorted ascending)."""
    pos = np.full(counts.shape[0], -1, dtype=np.int64)
    pos[rows] = np.arange(len(rows))
    keep = pos[counts.rows] >= 0
    return SparseRows(pos[counts.rows[keep]], counts.cols[keep], counts.values[keep], (len(rows), counts.shape[1]))


def fit(counts: SparseRows, y: np.ndarray, config: FeatureConfig, params: dict[str, Any], seed: int,
        lexicon_dir: Path = ARTIFACT_DIR) -> ArabicSentimentModel:
    """Multinomial logistic regression (lbfgs: deterministic) on the runtime featurizer's features."""
    from sklearn.linear_model import LogisticRegression

    config = replace(config, word_weight=float(params["word_weight"]))
    idf = fit_idf(counts) if config.use_idf else None
    model = ArabicSentimentModel(np.zeros((counts.shape[1], len(LABELS))), np.zeros(len(LABELS)), config, LABELS,
                                 idf, {}, directory=lexicon_dir)
    clf = LogisticRegression(C=params["C"], class_weight=params["class_weight"], max_iter=3000, tol=1e-5,
                             random_state=seed)
    clf.fit(model.featurizer.weight(counts, idf).to_scipy(), y)
    model.coef, model.intercept = clf.coef_.T.astype(np.float32), clf.intercept_.astype(np.float64)
    return model


def predict_counts(model: ArabicSentimentModel, counts: SparseRows) -> np.ndarray:
    """Argmax labels from precomputed counts (the same path as ``decision_function``)."""
    x = model.featurizer.weight(counts, model.idf)
    z = np.tile(model.intercept, (x.shape[0], 1))
    for j in range(z.shape[1]):
        z[:, j] += np.bincount(x.rows, weights=model.coef[x.cols, j] * x.values, minlength=x.shape[0])
    return z.argmax(axis=1)


def search(counts: SparseRows, y: np.ndarray, strata: np.ndarray, config: FeatureConfig, seed: int,
           lexicon_dir: Path) -> dict[str, Any]:
    """Grid search on a validation split carved from the non-held-out rows; also records a no-lexicon ablation."""
    fit_rows, val_rows = stratified_split(strata, 0.15, seed + 1)
    c_fit, c_val = subset(counts, fit_rows), subset(counts, val_rows)
    results = []
    for values in itertools.product(*GRID.values()):
        params = dict(zip(GRID, values, strict=True))
        model = fit(c_fit, y[fit_rows], config, params, seed, lexicon_dir)
        score = macro_f1(y[val_rows], predict_counts(model, c_val))
        results.append({**params, "val_macro_f1": round(score, 4)})
        print(f"  {params} -> val macro-F1 {score:.4f}", file=sys.stderr)
    best = max(results, key=lambda r: r["val_macro_f1"])
    best_params = {k: best[k] for k in GRID}
    ablation = {}
    if config.lexicon:  # the lexicon is a fixed domain prior, not tuned on tweets; report what it costs here
        model = fit(c_fit, y[fit_rows], replace(config, lexicon_weight=0.0), best_params, seed, lexicon_dir)
        ablation["val_macro_f1_without_lexicon"] = round(macro_f1(y[val_rows], predict_counts(model, c_val)), 4)
    return {"best": best_params, "results": results, "validation_rows": len(val_rows), "ablation": ablation}


def evaluate(y: np.ndarray, pred: np.ndarray, dialect: np.ndarray) -> dict[str, Any]:
    """Macro-F1 overall, per dialect, per class F1 and the confusion matrix (rows = truth)."""
    confusion = np.zeros((3, 3), dtype=np.int64)
    np.add.at(confusion, (y, pred), 1)
    per_class = {}
    for k, name in enumerate(LABELS):
        tp, fp, fn = confusion[k, k], confusion[:, k].sum() - confusion[k, k], confusion[k].sum() - confusion[k, k]
        per_class[name] = round(float(2 * tp / max(2 * tp + fp + fn, 1)), 4)
    by_dialect = {
        d: {"macro_f1": round(macro_f1(y[dialect == d], pred[dialect == d]), 4), "n": int(np.sum(dialect == d))}
        for d in DIALECTS
    }
    return {
        "macro_f1": round(macro_f1(y, pred), 4),
        "accuracy": round(float(np.mean(y == pred)), 4),
        "n": len(y),
        "f1_per_class": per_class,
        "by_dialect": by_dialect,
        "confusion": confusion.tolist(),
    }


def train(data_path: Path, out: Path, *, seed: int = DEFAULT_SEED, holdout: float = 0.15, limit: int | None = None,
          params: dict[str, Any] | None = None, config: FeatureConfig | None = None,
          lexicon_dir: Path = ARTIFACT_DIR) -> dict[str, Any]:
    """End to end: split, tune (unless ``params``), refit, write artifact + model card; returns metadata."""
    data = load_data(data_path)
    config = config or FeatureConfig()
    strata = np.char.add(np.char.add(np.array(LABELS)[data["y"]], "|"), data["dialect"])
    rows = np.arange(len(data["y"]))
    if limit is not None and limit < len(rows):
        _, rows = stratified_split(strata, limit / len(rows), seed + 2)
    rest, held = (rows[i] for i in stratified_split(strata[rows], holdout, seed))
    counts = HashedFeaturizer(config, lexicon_dir=lexicon_dir).counts([data["texts"][i] for i in rest])
    y = data["y"]
    tuning = {"best": params, "results": [], "validation_rows": 0, "ablation": {}} if params else search(
        counts, y[rest], strata[rest], config, seed, lexicon_dir)
    model = fit(counts, y[rest], config, tuning["best"], seed, lexicon_dir)
    if tuning["ablation"]:  # reported, not used for any choice: the lexicon is a fixed design decision
        plain = fit(counts, y[rest], replace(config, lexicon_weight=0.0), tuning["best"], seed, lexicon_dir)
        held_counts = plain.featurizer.counts([data["texts"][i] for i in held])
        tuning["ablation"]["heldout_macro_f1_without_lexicon"] = round(
            macro_f1(y[held], predict_counts(plain, held_counts)), 4)
    coef16 = model.coef.astype(np.float16)
    model.metadata = {
        "model_version": MODEL_VERSION,
        "coef_sha256": hashlib.sha256(coef16.tobytes()).hexdigest(),
        "training": {
            "data_file": data_path.name,
            "data_sha256": data["sha256"],
            "rows_total": len(data["y"]),
            "rows_used": len(rows),
            "limit": limit,
            "seed": seed,
            "split": {"holdout_fraction": holdout, "stratified_by": "sentiment x dialect", "train_rows": len(rest),
                      "heldout_rows": len(held), "heldout_index": "heldout_idx in the .npz (0-based CSV data rows)",
                      "heldout_sha256": hashlib.sha256(held.astype(np.int64).tobytes()).hexdigest()},
            "label_map": LABEL_MAP,
            "class_distribution_train": {k: int(np.sum(y[rest] == i)) for i, k in enumerate(LABELS)},
            "hyperparameters": tuning["best"],
            "search": {"grid": GRID, "validation_rows": tuning["validation_rows"], "results": tuning["results"],
                       **tuning["ablation"]},
            "estimator": "sklearn LogisticRegression(lbfgs, multinomial, max_iter=3000, tol=1e-5)",
            "sarcasm_column": "not used as a feature (absent at runtime); sarcastic rows keep their sentiment label",
            "versions": _versions(),
        },
    }
    if config.lexicon:
        lexicon = lexicon_dir / config.lexicon
        model.metadata["lexicon_sha256"] = hashlib.sha256(lexicon.read_bytes()).hexdigest()
        out.mkdir(parents=True, exist_ok=True)
        if lexicon.resolve() != (out / config.lexicon).resolve():
            shutil.copyfile(lexicon, out / config.lexicon)
    extra = {"heldout_idx": held.astype(np.int32)}
    model.save(out, extra_arrays=extra)
    shipped = ArabicSentimentModel.load(out)  # evaluate exactly what ships (float16 weights, runtime code)
    pred = shipped.predict_proba([data["texts"][i] for i in held]).argmax(axis=1)
    shipped.metadata["heldout_metrics"] = evaluate(y[held], pred, data["dialect"][held])
    probe_proba = shipped.predict_proba(PROBES)
    shipped.metadata["probes"] = [{"text": t, "proba": [round(float(p), 6) for p in row]}
                                  for t, row in zip(PROBES, probe_proba, strict=True)]
    shipped.save(out, extra_arrays=extra)
    meta = json.loads((out / "arabic_sentiment.json").read_text())
    licence = data_path.parent / "LICENSE"
    if licence.exists():
        shutil.copyfile(licence, out / "LICENSE-arsarcasm-v2")
    write_model_card(out / "MODEL_CARD.md", meta, sum(p.stat().st_size for p in out.glob("arabic_sentiment.*")))
    return meta


def write_model_card(path: Path, meta: dict[str, Any], artifact_bytes: int) -> None:
    """Human-readable summary of the metadata JSON (which stays the source of truth)."""
    m, t = meta["heldout_metrics"], meta["training"]
    cfg = meta["feature_config"]
    dialect_rows = "\n".join(f"| {d} | {v['n']} | {v['macro_f1']:.3f} |" for d, v in m["by_dialect"].items())
    class_rows = "\n".join(f"| {k} | {v:.3f} |" for k, v in m["f1_per_class"].items())
    conf = "\n".join(f"| {LABELS[i]} | " + " | ".join(map(str, r)) + " |" for i, r in enumerate(m["confusion"]))
    path.write_text(f"""# Model card: {meta["model_version"]}

Offline Arabic sentiment (negative / neutral / positive) for `OfflineSentimentProvider`: hashed character
2-5-grams (word-boundary aware) and word uni/bigrams, sublinear tf x idf, L2 per block, multinomial logistic
regression. Runtime is pure numpy (`arabic_model.py`); English text is scored by VADER instead.

## Intended use and limits
- Fallback/default scorer for Arabic customer messages when no LLM is used or the LLM path fails.
- Trained on tweets (politics, news, sport, daily life), not on customer-service conversations: expect a
  domain shift; sarcasm and negation are handled only as far as n-grams capture them.
- Maghrebi has {m["by_dialect"]["magreb"]["n"]} held-out rows, so its score is anecdotal; Arabizi (Latin-script Arabic)
  is not in the training data.
- Twitter artefacts are normalised away (URLs, @mentions, `#`, `RT`, digits -> `0`); emoji are kept.

## Data
ArSarcasm-v2 `{t["data_file"]}` (sha256 `{t["data_sha256"][:16]}...`), {t["rows_total"]} rows; labels
NEG->negative, NEU->neutral, POS->positive. The sarcasm column is not used (it is not available at runtime).
The training data is not shipped.

## Training
- Held-out split: {t["split"]["holdout_fraction"]:.0%} stratified by sentiment x dialect, seed {t["seed"]}
  ({t["split"]["heldout_rows"]} rows; indices in the `.npz` as `heldout_idx`). Never used for fitting or tuning.
- Hyper-parameters chosen by macro-F1 on a 15% validation split of the remaining rows, grid
  `{json.dumps(t["search"]["grid"])}`; chosen: `{json.dumps(t["hyperparameters"])}`. Then refitted on
  train+validation ({t["split"]["train_rows"]} rows).
- Features: char n-grams {cfg["char_ngram"]} in 2^{cfg["char_bits"]} buckets, word n-grams {cfg["word_ngram"]}
  in 2^{cfg["word_bits"]} buckets, normaliser `{cfg["normalizer"]}`, plus two lexicon features (hits of the
  hand-curated polarity words in `{cfg["lexicon"]}`, negation-flipped). The lexicon is a fixed prior for
  customer-service vocabulary that tweets rarely contain (e.g. "سيئة" never occurs in the training file); it is
  not tuned on tweets. Ablation of the chosen setting without the lexicon (reported, not used for choices):
  validation macro-F1 {t["search"].get("val_macro_f1_without_lexicon", "n/a")} (with:
  {max((r["val_macro_f1"] for r in t["search"]["results"]), default="n/a")}), held-out macro-F1
  {t["search"].get("heldout_macro_f1_without_lexicon", "n/a")} (with: {m["macro_f1"]}).
- Reproduce (from the repository root; versions {json.dumps(t["versions"])}):
  `python -m integration_pipelines.lib.text.sentiment.train --data ../shared/data/arsarcasm_v2/training_data.csv
  --out integration_pipelines/lib/text/sentiment/artifacts/`

## Held-out results (float16 artifact, runtime code)
Macro-F1 **{m["macro_f1"]:.3f}**, accuracy {m["accuracy"]:.3f}, n = {m["n"]}.

| dialect | n | macro-F1 |
|---|---|---|
{dialect_rows}

| class | F1 |
|---|---|
{class_rows}

Confusion (rows = truth, columns = predicted negative / neutral / positive):

| truth | neg | neu | pos |
|---|---|---|---|
{conf}

## Artifact
`arabic_sentiment.npz` (float16 coefficients and idf, float32 intercepts) + `arabic_sentiment.json`
(metadata, metrics, probe predictions): {artifact_bytes / 1e6:.2f} MB.

## ATTRIBUTION
Trained on ArSarcasm-v2 (https://github.com/iabufarha/ArSarcasm-v2), MIT licence; the licence text is in
`LICENSE-arsarcasm-v2` beside this card. Citation: {CITATION}
""")


def _versions() -> dict[str, str]:
    import sklearn

    return {"python": sys.version.split()[0], "numpy": np.__version__, "scikit-learn": sklearn.__version__}


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, required=True)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--holdout", type=float, default=0.15)
    parser.add_argument("--limit", type=int, default=None, help="stratified subsample (fast determinism checks)")
    parser.add_argument("--params", type=json.loads, default=None, help='skip the search, e.g. {"C": 4, ...}')
    parser.add_argument("--normalizer", default=FeatureConfig.normalizer, help="module:function used before hashing")
    parser.add_argument("--char-bits", type=int, default=FeatureConfig.char_bits, help="log2 of char n-gram buckets")
    parser.add_argument("--word-bits", type=int, default=FeatureConfig.word_bits, help="log2 of word n-gram buckets")
    parser.add_argument("--lexicon-dir", type=Path, default=ARTIFACT_DIR, help=f"where {LEXICON_FILE} is read from")
    args = parser.parse_args(argv)
    config = FeatureConfig(normalizer=args.normalizer, char_bits=args.char_bits, word_bits=args.word_bits)
    meta = train(args.data, args.out, seed=args.seed, holdout=args.holdout, limit=args.limit, params=args.params,
                 config=config, lexicon_dir=args.lexicon_dir)
    print(json.dumps({"heldout_macro_f1": meta["heldout_metrics"]["macro_f1"],
                      "by_dialect": meta["heldout_metrics"]["by_dialect"]}, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
