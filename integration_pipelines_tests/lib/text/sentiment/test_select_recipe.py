"""The DEV slice used to choose the recipe never touches the test split, and the choice rule is fixed."""

from __future__ import annotations

import numpy as np

from integration_pipelines.lib.text.sentiment.select_recipe import TODAY, choose, dev_split
from integration_pipelines.lib.text.sentiment.train_pool import build_pool, load_prepared, near_dup_key
from integration_pipelines.lib.text.sentiment.validate import heldout_split


def test_dev_rows_never_overlap_test_rows_or_their_near_duplicates() -> None:
    corpus = load_prepared(["arsarcasm_v2"])["arsarcasm_v2"]
    fit_rows, dev_rows, test_rows = dev_split(corpus)
    rest, held = heldout_split(corpus)
    np.testing.assert_array_equal(test_rows, held)  # TEST is exactly validate.py's split
    assert np.array_equal(np.sort(np.concatenate([fit_rows, dev_rows])), rest)  # nothing lost, nothing added
    assert len(corpus) == len(fit_rows) + len(dev_rows) + len(test_rows) == 12548
    assert len(dev_rows) == 1611
    keys = {
        name: {near_dup_key(corpus.texts[i]) for i in rows}
        for name, rows in (("fit", fit_rows), ("dev", dev_rows), ("test", test_rows))
    }
    assert not keys["dev"] & keys["test"]
    assert not keys["dev"] & keys["fit"]
    assert not set(dev_rows.tolist()) & set(test_rows.tolist())
    dialects = set(corpus.groups["dialect"][dev_rows].tolist())
    assert dialects == {"msa", "egypt", "gulf", "levant", "magreb"}  # stratified: every dialect is on DEV


def test_small_dialect_weight_multiplies_only_those_rows() -> None:
    corpus = load_prepared(["arsarcasm_v2"])["arsarcasm_v2"]
    plain = build_pool([corpus], weights={"arsarcasm_v2": 1.0}, dialect_weights={})
    boosted = build_pool([corpus], weights={"arsarcasm_v2": 1.0}, dialect_weights={"gulf": 2.0, "levant": 2.0})
    assert plain.texts == boosted.texts
    small = set()
    for text, dialect in zip(corpus.texts, corpus.groups["dialect"].tolist(), strict=True):
        if dialect in ("gulf", "levant"):
            small.add(text)
    doubled = boosted.weight == 2.0
    assert doubled.sum() > 0 and set(np.flatnonzero(doubled)) == {i for i, t in enumerate(plain.texts) if t in small}
    assert np.all(boosted.weight[~doubled] == 1.0) and np.all(plain.weight == 1.0)


def test_choice_rule_ties_go_to_the_smaller_change_from_today() -> None:
    today = {**TODAY, "dev_score": 0.6504}
    bolder = {"atsad_weight": 0.0, "C": 2.0, "small_dialect_weight": 2.0, "dev_score": 0.6496}
    assert choose([bolder, today]) is today
    better = {**bolder, "dev_score": 0.652}
    assert choose([today, better]) is better
