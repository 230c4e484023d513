"""Reproducible training of the shipped offline sentiment artifact from the corpora in ``data/``.

    python -m integration_pipelines.lib.text.sentiment.train_corpora --out integration_pipelines/lib/text/sentiment/artifacts/

The recipe (features, C, class weights, corpus weights) is the one chosen on a DEV slice of the
training pool (``select_recipe.py``) and measured by the validation protocol (``validate.py``); this
fits it once on every training row: all of ArSarcasm-v2, AfriSenti Maghrebi and ATSAD (emoji masked, weight 0.1), and GoEmotions' train+dev splits (its test split and
its near-duplicates stay out, so the English figure in the card is still held-out). The artifact is
written, reloaded, and its probe predictions recorded from the float16 copy that ships. scikit-learn
is needed here only; inference is numpy.
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

from integration_pipelines.lib.text.sentiment.arabic_features import ARTIFACT_DIR, LEXICON_FILE, FeatureConfig
from integration_pipelines.lib.text.sentiment.arabic_model import ArabicSentimentModel
from integration_pipelines.lib.text.sentiment.corpora_card import write_card
from integration_pipelines.lib.text.sentiment.datasets import DATASETS_DIR, LABELS
from integration_pipelines.lib.text.sentiment.train_pool import (
    ARABIC_CORPORA,
    ENGLISH_CORPORA,
    WEIGHTS,
    Pool,
    build_pool,
    load_prepared,
)
from integration_pipelines.lib.text.sentiment.validate import CONFIG, RECIPE, SEED, fit_ours

MODEL_VERSION = "corpora-linear-3"
LICENCES = {
    "arsarcasm_v2": "LICENSE-arsarcasm-v2",
    "afrisenti_maghrebi": "LICENSE-afrisenti",
    "atsad_arabic_tweets": "LICENSE-atsad",
    "goemotions_sentiment": "LICENSE-goemotions",
}
PROBES = (
    "الخدمة ممتازة وسريعة شكرا لكم",
    "للأسف الطلب متأخر ومحد يرد علي",
    "متى يوصل الطلب؟",
    "شكرا على لا شيء",
    "يا سلام على الخدمة الرائعة، ثلاث ساعات انتظار 👏",
    "el 5edma msh kwayesa khales",
    "Thanks for nothing, three hours on hold again.",
    "Where is my order?",
    "The agent was lovely and sorted it in minutes",
    "",
)


def training_pool(limit: int | None = None) -> tuple[Pool, dict[str, Any]]:
    """All training rows (GoEmotions test excluded) and a description of where they came from."""
    corpora = load_prepared([*ARABIC_CORPORA, *ENGLISH_CORPORA])
    test = corpora.pop("goemotions_sentiment_test")
    pool = build_pool(list(corpora.values()), exclude=[test], weights=WEIGHTS)
    if limit is not None and limit < len(pool):
        rows = np.sort(np.random.default_rng(SEED).choice(len(pool), limit, replace=False))
        pool = Pool([pool.texts[i] for i in rows], pool.y[rows], pool.weight[rows], pool.source[rows])
    described = {
        name.removesuffix("_train"): {
            "sha256": c.sha256,
            "rows_in_file_or_split": len(c),
            "rows_used": int(np.sum(pool.source == c.name)),
            "weight": WEIGHTS[c.name],
        }
        for name, c in corpora.items()
    }
    return pool, described


def train(
    out: Path, *, limit: int | None = None, config: FeatureConfig = CONFIG, validation: Path | None = None
) -> dict[str, Any]:
    """Fit, write the artifact and the model card; returns the metadata."""
    pool, described = training_pool(limit)
    model = fit_ours(pool, config)
    coef16 = model.coef.astype(np.float16)
    model.metadata = {
        "model_version": MODEL_VERSION,
        "coef_sha256": hashlib.sha256(coef16.tobytes()).hexdigest(),
        "training": {
            "corpora": described,
            "rows": len(pool),
            "limit": limit,
            "seed": SEED,
            "class_distribution": {k: int(np.sum(pool.y == i)) for i, k in enumerate(LABELS)},
            "hyperparameters": RECIPE,
            "near_duplicates": "kept once; GoEmotions test and its near-duplicates excluded",
            "atsad": "labelling emoji masked from the text, weight " + str(WEIGHTS["atsad_arabic_tweets"]),
            "estimator": "sklearn LogisticRegression(lbfgs, multinomial, class_weight=balanced, sample weights)",
            "versions": _versions(),
        },
    }
    out.mkdir(parents=True, exist_ok=True)
    if config.lexicon and (ARTIFACT_DIR / config.lexicon).resolve() != (out / config.lexicon).resolve():
        shutil.copyfile(ARTIFACT_DIR / config.lexicon, out / config.lexicon)
    for name, licence in LICENCES.items():
        shutil.copyfile(DATASETS_DIR / name / "LICENSE", out / licence)
    model.save(out)
    shipped = ArabicSentimentModel.load(out)  # probes are recorded from exactly what ships
    proba = shipped.predict_proba(list(PROBES))
    shipped.metadata["probes"] = [
        {"text": t, "proba": [round(float(p), 6) for p in row]} for t, row in zip(PROBES, proba, strict=True)
    ]
    shipped.save(out)
    return write_card_for(out, validation)


def write_card_for(out: Path, validation: Path | None) -> dict[str, Any]:
    """MODEL_CARD.md from the artifact in ``out`` and the validation results; returns the metadata."""
    meta = json.loads((out / "arabic_sentiment.json").read_text())
    results = json.loads(validation.read_text()) if validation and validation.exists() else None
    size = sum(p.stat().st_size for p in out.glob("arabic_sentiment.*"))
    selection_file = ARTIFACT_DIR / "recipe_selection.json"
    selection = json.loads(selection_file.read_text()) if selection_file.exists() else None
    write_card(out / "MODEL_CARD.md", meta, results, size, selection)
    return meta


def _versions() -> dict[str, str]:
    import sklearn

    return {"python": sys.version.split()[0], "numpy": np.__version__, "scikit-learn": sklearn.__version__}


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--limit", type=int, default=None, help="random subsample of the pool (fast checks)")
    parser.add_argument("--char-bits", type=int, default=CONFIG.char_bits)
    parser.add_argument("--word-bits", type=int, default=CONFIG.word_bits)
    parser.add_argument(
        "--validation",
        type=Path,
        default=ARTIFACT_DIR / "validation.json",
        help="validate.py's results, tabled in the model card",
    )
    parser.add_argument("--card-only", action="store_true", help="rewrite MODEL_CARD.md from --out's artifact")
    args = parser.parse_args(argv)
    if args.card_only:
        write_card_for(args.out, args.validation)
        return 0
    config = replace(CONFIG, char_bits=args.char_bits, word_bits=args.word_bits, lexicon=LEXICON_FILE)
    meta = train(args.out, limit=args.limit, config=config, validation=args.validation)
    print(json.dumps({"model_version": meta["model_version"], "rows": meta["training"]["rows"]}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
