"""Single-corpus training of an Arabic sentiment model from ArSarcasm-v2 (the previous shipped recipe).

The shipped artifact is now trained from several corpora by ``train_corpora`` and validated by
``validate``; this trainer stays for single-file experiments and as the reference it was measured against.

    python -m integration_pipelines.lib.text.sentiment.train \
        --data integration_pipelines/lib/text/sentiment/data/arsarcasm_v2/training_data.csv --out integration_pipelines/lib/text/sentiment/artifacts/

Split: a stratified (sentiment x dialect) held-out set is removed first and never used for fitting or
tuning; hyper-parameters are chosen on a validation split carved from the rest, then the model is
refitted on train+validation. Metrics are computed on the float16 artifact as written, with the runtime
code. scikit-learn is needed here only; the runtime is numpy.

This module runs the steps; data and splits are in ``train_data``, fitting and tuning in ``train_fit``,
metrics in ``train_eval``, the card in ``model_card``. Their names stay importable from here.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import shutil
import sys
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np

from integration_pipelines.lib.text.sentiment.arabic_features import (
    ARTIFACT_DIR,
    LEXICON_FILE,
    FeatureConfig,
    HashedFeaturizer,
)
from integration_pipelines.lib.text.sentiment.arabic_model import ArabicSentimentModel
from integration_pipelines.lib.text.sentiment.model_card import CITATION, write_model_card
from integration_pipelines.lib.text.sentiment.train_data import (
    DIALECTS,
    LABEL_MAP,
    LABELS,
    load_data,
    stratified_split,
    subset,
)
from integration_pipelines.lib.text.sentiment.train_eval import evaluate, macro_f1
from integration_pipelines.lib.text.sentiment.train_fit import fit, fit_idf, predict_counts, search

# Re-exported so callers keep reaching every training step through this module.
__all__ = [
    "CITATION",
    "DEFAULT_SEED",
    "DIALECTS",
    "GRID",
    "LABELS",
    "LABEL_MAP",
    "MODEL_VERSION",
    "PROBES",
    "evaluate",
    "fit",
    "fit_idf",
    "load_data",
    "macro_f1",
    "main",
    "predict_counts",
    "search",
    "stratified_split",
    "subset",
    "train",
    "write_model_card",
]

MODEL_VERSION = "arsarcasm-v2-linear-1"
DEFAULT_SEED = 20210419
GRID: dict[str, list[Any]] = {
    "C": [0.5, 1.0, 2.0],
    "class_weight": [None, "balanced"],
    "word_weight": [0.5, 1.0],
}
PROBES = (
    "الخدمة ممتازة وسريعة شكرا لكم",
    "للأسف الطلب متأخر ومحد يرد علي",
    "متى يوصل الطلب؟",
    "والله تجربة سيئة جدا وما راح اتعامل معكم مرة ثانية",
    "الموظف كان محترم جدا وحل المشكلة بسرعة 👍",
    "بدي استفسر عن الفاتورة",
    "",
)


def train(
    data_path: Path,
    out: Path,
    *,
    seed: int = DEFAULT_SEED,
    holdout: float = 0.15,
    limit: int | None = None,
    params: dict[str, Any] | None = None,
    config: FeatureConfig | None = None,
    lexicon_dir: Path = ARTIFACT_DIR,
) -> dict[str, Any]:
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
    tuning = (
        {"best": params, "results": [], "validation_rows": 0, "ablation": {}}
        if params
        else search(counts, y[rest], strata[rest], config, seed, lexicon_dir, GRID)
    )
    model = fit(counts, y[rest], config, tuning["best"], seed, lexicon_dir)
    if tuning["ablation"]:  # reported, not used for any choice: the lexicon is a fixed design decision
        plain = fit(counts, y[rest], replace(config, lexicon_weight=0.0), tuning["best"], seed, lexicon_dir)
        held_counts = plain.featurizer.counts([data["texts"][i] for i in held])
        tuning["ablation"]["heldout_macro_f1_without_lexicon"] = round(
            macro_f1(y[held], predict_counts(plain, held_counts)), 4
        )
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
            "split": {
                "holdout_fraction": holdout,
                "stratified_by": "sentiment x dialect",
                "train_rows": len(rest),
                "heldout_rows": len(held),
                "heldout_index": "heldout_idx in the .npz (0-based CSV data rows)",
                "heldout_sha256": hashlib.sha256(held.astype(np.int64).tobytes()).hexdigest(),
            },
            "label_map": LABEL_MAP,
            "class_distribution_train": {k: int(np.sum(y[rest] == i)) for i, k in enumerate(LABELS)},
            "hyperparameters": tuning["best"],
            "search": {
                "grid": GRID,
                "validation_rows": tuning["validation_rows"],
                "results": tuning["results"],
                **tuning["ablation"],
            },
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
    shipped.metadata["probes"] = [
        {"text": t, "proba": [round(float(p), 6) for p in row]} for t, row in zip(PROBES, probe_proba, strict=True)
    ]
    shipped.save(out, extra_arrays=extra)
    meta = json.loads((out / "arabic_sentiment.json").read_text())
    licence = data_path.parent / "LICENSE"
    if licence.exists():
        shutil.copyfile(licence, out / "LICENSE-arsarcasm-v2")
    write_model_card(out / "MODEL_CARD.md", meta, sum(p.stat().st_size for p in out.glob("arabic_sentiment.*")))
    return meta


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
    meta = train(
        args.data,
        args.out,
        seed=args.seed,
        holdout=args.holdout,
        limit=args.limit,
        params=args.params,
        config=config,
        lexicon_dir=args.lexicon_dir,
    )
    print(
        json.dumps(
            {
                "heldout_macro_f1": meta["heldout_metrics"]["macro_f1"],
                "by_dialect": meta["heldout_metrics"]["by_dialect"],
            },
            indent=2,
        )
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
