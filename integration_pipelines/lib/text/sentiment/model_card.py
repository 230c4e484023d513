"""The model card written beside the artifact: a readable summary of its metadata JSON."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from integration_pipelines.lib.text.sentiment.train_data import LABELS

CITATION = (
    'Ibrahim Abu Farha, Wajdi Zaghouani, Walid Magdy. "Overview of the WANLP 2021 Shared Task on Sarcasm and '
    'Sentiment Detection in Arabic". Proceedings of the Sixth Arabic Natural Language Processing Workshop '
    "(WANLP 2021)."
)


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
The training data is in the repository (`sentiment/data/arsarcasm_v2/`, with its licence); it is not
part of the installed package.

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
  `python -m integration_pipelines.lib.text.sentiment.train --data integration_pipelines/lib/text/sentiment/data/arsarcasm_v2/training_data.csv
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
