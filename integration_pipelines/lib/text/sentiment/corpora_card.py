"""MODEL_CARD.md for the corpora-trained artifact: the metadata plus the validation protocol's tables.

The card is generated, never edited by hand, so its figures are always the ones ``validate.py``
measured; ``validation.json`` beside it holds every number in full.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

MODELS = ("ours", "ngram_lr", "lexicon")
HEADER = "| held-out set | n | this model: macro-F1 / F-PN | n-gram LR | lexicon |\n|---|---:|---|---|---|"
NAMES = {
    "arsarcasm_v2": "ArSarcasm-v2 (whole file)",
    "afrisenti_maghrebi": "AfriSenti Algerian + Moroccan",
    "atsad_arabic_tweets": "ATSAD (emoji masked; binary)",
    "arsarcasm_v2_heldout": "ArSarcasm-v2 15% near-dup split",
    "goemotions_sentiment_test": "GoEmotions test split (English)",
}


def _cell(r: dict[str, Any] | None) -> str:
    return f"{r['macro_f1']:.3f} / {r['f_pn']:.3f}" if r and r.get("macro_f1") is not None else "n/a"


def _runs(results: dict[str, Any]) -> dict[tuple[str, str], dict[str, Any]]:
    return {(r["name"], r["model"]): r["result"] for r in results["runs"]}


def _table(runs: dict[tuple[str, str], dict[str, Any]], names: list[str]) -> str:
    rows = []
    for name in names:
        ours = runs.get((name, "ours"))
        if ours:
            rows.append(
                f"| {NAMES.get(name, name)} | {ours['n']} | "
                + " | ".join(_cell(runs.get((name, m))) for m in MODELS)
                + " |"
            )
    return HEADER + "\n" + "\n".join(rows)


def _groups(runs: dict[tuple[str, str], dict[str, Any]], name: str, group: str) -> str:
    ours = runs.get((name, "ours"), {}).get(f"by_{group}", {})
    out = [f"| {group} | n | this model | n-gram LR | lexicon |", "|---|---:|---|---|---|"]
    for value, r in ours.items():
        cells = [_cell(runs.get((name, m), {}).get(f"by_{group}", {}).get(value)) for m in MODELS]
        out.append(f"| {value} | {r['n']} | " + " | ".join(cells) + " |")
    return "\n".join(out)


def goals_section(results: dict[str, Any] | None) -> str:
    """The issue's goals against their closest proxies here (the hidden sets are not available)."""
    if not results:
        return ""
    runs = _runs(results)
    held, eng = runs.get(("arsarcasm_v2_heldout", "ours")), runs.get(("goemotions_sentiment_test", "ours"))
    vader = runs.get(("goemotions_sentiment_test", "lexicon"))
    rows = ["| goal | proxy measured here | value | met |", "|---|---|---|---|"]

    def row(goal: str, proxy: str, value: float | None, ok: bool | None) -> None:
        shown = "n/a" if value is None else f"{value:.3f}"
        rows.append(f"| {goal} | {proxy} | {shown} | {'n/a' if ok is None else 'yes' if ok else '**no**'} |")

    if held:
        row("Arabic tweets macro-F1 >= .65", "ArSarcasm near-dup split", held["macro_f1"], held["macro_f1"] >= 0.65)
        row("Arabic tweets F-PN >= .70", "ArSarcasm near-dup split", held["f_pn"], held["f_pn"] >= 0.70)
        dialects = {d: r["macro_f1"] for d, r in held.get("by_dialect", {}).items() if r["n"] >= 50}
        worst = min(dialects.values()) if dialects else None
        row(
            "no dialect below .55 (n >= 50)",
            f"worst: {min(dialects, key=dialects.get) if dialects else '-'}",
            worst,
            None if worst is None else worst >= 0.55,
        )
        rate = held.get("sarcastic_negative_called_positive")
        row(
            "sarcastic negatives mostly not positive",
            "share called positive",
            rate,
            None if rate is None else rate < 0.5,
        )
    if eng and vader:
        row(
            "English >= VADER + .05 macro-F1",
            f"GoEmotions test (VADER {vader['macro_f1']:.3f})",
            eng["macro_f1"],
            eng["macro_f1"] >= vader["macro_f1"] + 0.05,
        )
    return "\n".join(rows)


def validation_section(results: dict[str, Any] | None) -> str:
    if not results:
        return "Validation results not available (run `validate.py`)."
    runs = _runs(results)
    held = "arsarcasm_v2_heldout"
    lines = [
        "### Leave one corpus out (train on all the others, test on this one whole)",
        _table(runs, ["arsarcasm_v2", "afrisenti_maghrebi", "atsad_arabic_tweets"]),
        "",
        "### ArSarcasm-v2: 15% held out by near-duplicate key, the rest joins the other corpora",
        _table(runs, [held]),
        "",
    ]
    plain = runs.get((f"{held}/plain_lr_on_arsarcasm_only", "ngram_lr"))
    if plain:
        lines.append(f"Plain n-gram LR trained on the ArSarcasm training rows alone, same split: {_cell(plain)}.\n")
    lines += [_groups(runs, held, "dialect"), ""]
    sarc = {m: runs.get((held, m), {}) for m in MODELS}
    lines += [
        "| sarcastic tweets | n | this model | n-gram LR | lexicon |",
        "|---|---:|---|---|---|",
        f"| macro-F1 / F-PN | {sarc['ours'].get('sarcastic', {}).get('n', 0)} | "
        + " | ".join(_cell(sarc[m].get("sarcastic")) for m in MODELS)
        + " |",
        "| sarcastic negatives called positive | | "
        + " | ".join(str(sarc[m].get("sarcastic_negative_called_positive")) for m in MODELS)
        + " |",
        "",
    ]
    lines += [
        "### AfriSenti (left out) by script and dialect",
        _groups(runs, "afrisenti_maghrebi", "script"),
        "",
        _groups(runs, "afrisenti_maghrebi", "dialect"),
        "",
    ]
    lines += [
        "### English: GoEmotions' own test split (lexicon = plain VADER)",
        _table(runs, ["goemotions_sentiment_test"]),
        "",
    ]
    ablations = [(n.split("/", 1)[1], r) for (n, m), r in runs.items() if n.startswith(f"{held}/") and m == "ours"]
    if ablations:
        lines += [
            "### Ablations on the ArSarcasm near-dup split (reported, not used to choose)",
            "| variant | macro-F1 / F-PN |",
            "|---|---|",
            f"| full recipe | {_cell(runs.get((held, 'ours')))} |",
        ]
        lines += [f"| {name.replace('_', ' ')} | {_cell(r)} |" for name, r in ablations]
    return "\n".join(lines)


def selection_section(selection: dict[str, Any] | None) -> str:
    """How the recipe was chosen: the DEV grid of ``select_recipe`` (the test split was not used)."""
    if not selection:
        return ""
    rows = [
        "| ATSAD weight | C | gulf/levant weight | DEV macro-F1 | DEV F-PN | mean | gulf | levant |",
        "|---:|---:|---:|---|---|---|---|---|",
    ]
    chosen = selection.get("chosen", {})
    for r in selection["results"]:
        mark = "**" if all(r[k] == v for k, v in chosen.items()) else ""
        rows.append(
            f"| {r['atsad_weight']} | {r['C']} | {r['small_dialect_weight']} | {r['dev_macro_f1']:.3f} | "
            f"{r['dev_f_pn']:.3f} | {mark}{r['dev_score']:.3f}{mark} | {r['dev_by_dialect']['gulf']:.3f} | "
            f"{r['dev_by_dialect']['levant']:.3f} |"
        )
    n = selection["results"][0]["dev_rows"]
    return f"""## Recipe selection on a dev slice (`select_recipe.py`)
DEV = {n} ArSarcasm-v2 rows carved from the rows the near-dup split keeps for training (15% by near-duplicate
key, stratified by label x dialect); each point is fitted on the pool minus DEV and TEST. Rule fixed before
looking: maximise mean(macro-F1, F-PN) on DEV, ties (3 decimals) to the smallest change from the previous
recipe (ATSAD 0.3, C 1, no dialect weight). The test split and the leave-one-corpus-out sets were then
scored once with the chosen recipe (bold) and are the figures above.

{chr(10).join(rows)}
"""


def write_card(
    path: Path,
    meta: dict[str, Any],
    results: dict[str, Any] | None,
    artifact_bytes: int,
    selection: dict[str, Any] | None = None,
) -> None:
    t, cfg = meta["training"], meta["feature_config"]
    corpora = "\n".join(
        f"| {name} | {c['rows_used']} | {c['weight']} | `{c['sha256'][:12]}` |" for name, c in t["corpora"].items()
    )
    path.write_text(
        f"""# Model card: {meta["model_version"]}

Offline sentiment (negative / neutral / positive) for `OfflineSentimentProvider`, one model for Arabic
(MSA, Gulf, Egyptian, Levantine, Maghrebi), Arabizi, English and code-switched text: hashed character
2-5-grams and word uni/bigrams of the normalised text (sublinear tf x idf, L2 per block), two Arabic
polarity-lexicon features, and dense features `{list(cfg["dense"])}` (script, emoji polarity from the
Emoji Sentiment Ranking, VADER on the Latin words, sarcasm cues: praise next to a complaint fact,
"thanks for nothing"); multinomial logistic regression. Inference is numpy (+ the VADER package for
Latin text). Emoji-only messages are scored from the emoji table, empty ones are neutral.

## Data (all in `sentiment/data/`, licences beside this card)
| corpus | rows used | weight | sha256 |
|---|---:|---:|---|
{corpora}

Near-duplicates (same letters once URLs, handles, digits, emoji and punctuation are removed) are kept
once. ATSAD's labels were set by emoji that are still in its text: they are masked and the rows weighted
{t["corpora"].get("atsad_arabic_tweets", {}).get("weight")}. GoEmotions' test split is not trained on.

## Validation protocol (`validate.py`; every figure below is on rows the model never trained on)
Same recipe in every run (`{json.dumps(t["hyperparameters"])}`, chosen before these runs and never tuned
on a test corpus); baselines on the same rows: **n-gram LR** = scikit-learn char_wb 2-5 + word 1-2 tf-idf
logistic regression (no normaliser, lexicon or dense features) on the same training pool; **lexicon** =
sign of polar-lexicon hits + emoji scores for Arabic, plain VADER for Latin text. Macro-F1 over the three
classes (ATSAD has no neutral: macro-F1 over positive/negative, neutral predictions count as errors);
F-PN = mean F1 of positive and negative.

{validation_section(results)}

### Goals against the closest proxies available here
{goals_section(results)}

{selection_section(selection)}
## Intended use and limits
- Default scorer and LLM fallback for customer messages. Trained on tweets and Reddit comments, not on
  customer service: the leave-one-corpus-out rows show how much a new source costs (a lot).
- Not measured here (no such data in the repository): Arabic product reviews, Levantine-only binary sets,
  airline complaints. English customer complaints are covered only by two small hand-written fixture
  sets in the tests: the model calls far fewer complaints positive than VADER, but it does **not** reach
  VADER + .05 macro-F1 on either (complaints without sentiment words, "paid extra, got the middle seat",
  come out neutral); that goal is kept as a strict expected failure in the tests.
- Arabizi is learnt from AfriSenti's Moroccan rows only; Egyptian/Gulf Arabizi praise ("7elw awi") is often
  neutral (the previous transliteration + VADER path called it positive).
- Sarcasm is handled only through n-grams and two cue features with hand-set priors (praise next to a
  complaint fact; "thanks for nothing"): they flip the obvious cases but tweets rarely show them.
- Design note: a third cue (any complaint fact, fixed negative prior) was tried and dropped; with it the
  ArSarcasm near-dup split measured macro-F1 .655 / F-PN .620 and GoEmotions .703, and the second English
  fixture set still failed.

## Artifact
`arabic_sentiment.npz` (float16 coefficients and idf, float32 intercepts) + `arabic_sentiment.json`
(metadata, probe predictions): {artifact_bytes / 1e6:.2f} MB; `emoji_sentiment.json` (CC BY-SA 4.0).

## Reproduce (versions {json.dumps(t["versions"])})
```
python -m integration_pipelines.lib.text.sentiment.select_recipe --out integration_pipelines/lib/text/sentiment/artifacts/recipe_selection.json
python -m integration_pipelines.lib.text.sentiment.validate --out integration_pipelines/lib/text/sentiment/artifacts/validation.json
python -m integration_pipelines.lib.text.sentiment.train_corpora --out integration_pipelines/lib/text/sentiment/artifacts/
```

## ATTRIBUTION
- ArSarcasm-v2 (https://github.com/iabufarha/ArSarcasm-v2), MIT, `LICENSE-arsarcasm-v2`: Ibrahim Abu Farha,
  Wajdi Zaghouani, Walid Magdy, "Overview of the WANLP 2021 Shared Task on Sarcasm and Sentiment Detection in
  Arabic", WANLP 2021.
- AfriSenti-SemEval 2023 (Algerian, Moroccan), CC BY 4.0, `LICENSE-afrisenti`: Muhammad et al., "SemEval-2023
  Task 12: Sentiment Analysis for African Languages (AfriSenti-SemEval)", SemEval 2023.
- ATSAD, Apache-2.0, `LICENSE-atsad`: Abu Kwaik, Chatzikyriakidis, Dobnik, Saad, Johansson, "An Arabic Tweets
  Sentiment Analysis Dataset (ATSAD) using Distant Supervision and Self Training", OSACT 2020.
- GoEmotions, CC BY 4.0, `LICENSE-goemotions`: Demszky et al., "GoEmotions: A Dataset of Fine-Grained
  Emotions", ACL 2020 (emotions mapped to sentiment with the dataset's own grouping).
- Emoji Sentiment Ranking 1.0, CC BY-SA 4.0, `LICENSE-emoji-sentiment-ranking`: Kralj Novak, Smailović, Sluban,
  Mozetič, "Sentiment of Emojis", PLoS ONE 10(12), 2015. `emoji_sentiment.json` is an adaptation and is
  licensed CC BY-SA 4.0.
- VADER (runtime dependency and dense feature), MIT: Hutto & Gilbert, ICWSM 2014.
""",
        encoding="utf-8",
    )
