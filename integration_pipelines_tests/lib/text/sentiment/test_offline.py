"""The offline sentiment provider and its model: artifact, featurizer, training, provider behaviour.

The shipped artifact is trained by ``train_corpora`` from the corpora the repository ships
(``sentiment/data/``); the single-corpus trainer ``train`` is still tested on ArSarcasm-v2. A missing
data file fails, it does not skip.
"""

from __future__ import annotations

import functools
import json
import subprocess
import sys
from collections import Counter
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from integration_pipelines.lib.text.preprocess import preprocess
from integration_pipelines.lib.text.sentiment import train as training
from integration_pipelines.lib.text.sentiment import train_corpora
from integration_pipelines.lib.text.sentiment.arabic_model import (
    ARTIFACT_DIR,
    DEFAULT_NORMALIZER,
    ArabicSentimentModel,
    FeatureConfig,
    HashedFeaturizer,
    basic_normalize,
    load_default_model,
    resolve_normalizer,
)
from integration_pipelines.lib.text.sentiment.base import LABELS, SentimentRequest
from integration_pipelines.lib.text.sentiment.datasets import DATASETS_DIR
from integration_pipelines.lib.text.sentiment.offline import OfflineSentimentProvider
from integration_pipelines.lib.text.sentiment.validate import CONFIG

REPO = Path(__file__).resolve().parents[4]
DATA_DIR = DATASETS_DIR / "arsarcasm_v2"
DATA = DATA_DIR / "training_data.csv"

TEXT = st.text(
    alphabet=st.sampled_from(list("ابتثجحخدذرزسشصضطظعغفقكلمنهويأإآةىءئؤـًٌٍَُِّ٠١٢abcXYZ019 #@_.!?؟😍😡👍\u200f\n\t")),
    max_size=40,
)


def _data() -> dict:
    assert DATA.exists(), f"ArSarcasm-v2 training data not found at {DATA} (the repository ships it)"
    return training.load_data(DATA)


@functools.cache
def _meta() -> dict:
    return json.loads((ARTIFACT_DIR / "arabic_sentiment.json").read_text())


@functools.cache
def _featurizer() -> HashedFeaturizer:
    return HashedFeaturizer()


def _rows(counts, i: int) -> Counter:
    mask = counts.rows == i
    return Counter(dict(zip(counts.cols[mask].tolist(), counts.values[mask].tolist(), strict=True)))


# --- artifact --------------------------------------------------------------------------------------------------


def test_artifact_is_small_numpy_only_and_documented() -> None:
    files = [
        "arabic_sentiment.npz",
        "arabic_sentiment.json",
        "arabic_lexicon.json",
        "emoji_sentiment.json",
        "MODEL_CARD.md",
    ]
    assert sum((ARTIFACT_DIR / f).stat().st_size for f in files) < 3_000_000
    with np.load(ARTIFACT_DIR / "arabic_sentiment.npz", allow_pickle=False) as z:
        assert z["coef"].dtype == np.float16 and z["idf"].dtype == np.float16
        config = FeatureConfig.from_dict(_meta()["feature_config"])
        assert z["coef"].shape == (config.n_features, 3) and config.n_hashed <= 2**18
    assert _meta()["labels"] == list(LABELS) and _meta()["model_version"] == train_corpora.MODEL_VERSION
    assert config == replace(CONFIG, lexicon=config.lexicon)  # the recipe the validation protocol measured
    card = (ARTIFACT_DIR / "MODEL_CARD.md").read_text()
    assert "## ATTRIBUTION" in card and "Abu Farha" in card and "iabufarha/ArSarcasm-v2" in card and "MIT" in card
    assert "Leave one corpus out" in card and "CC BY-SA 4.0" in card
    for name, licence in train_corpora.LICENCES.items():
        assert (ARTIFACT_DIR / licence).read_bytes() == (DATASETS_DIR / name / "LICENSE").read_bytes()
    assert not list(ARTIFACT_DIR.glob("*.csv*")), "the training data must not ship"


def test_artifact_was_trained_on_the_shipped_corpora() -> None:
    from integration_pipelines.lib.text.sentiment.datasets import load

    corpora = _meta()["training"]["corpora"]
    assert set(corpora) == set(train_corpora.LICENCES)
    for name, recorded in corpora.items():
        assert load(name).sha256 == recorded["sha256"]
        assert 0 < recorded["rows_used"] <= recorded["rows_in_file_or_split"]


def test_model_card_tables_are_the_validation_results() -> None:
    results = json.loads((ARTIFACT_DIR / "validation.json").read_text())
    card = (ARTIFACT_DIR / "MODEL_CARD.md").read_text()
    runs = {(r["name"], r["model"]): r["result"] for r in results["runs"]}
    for name in (
        "arsarcasm_v2",
        "afrisenti_maghrebi",
        "atsad_arabic_tweets",
        "arsarcasm_v2_heldout",
        "goemotions_sentiment_test",
    ):
        ours = runs[(name, "ours")]
        assert f"| {ours['n']} | {ours['macro_f1']:.3f} / {ours['f_pn']:.3f} |" in card
    assert results["recipe"] == _meta()["training"]["hyperparameters"]


def test_lexicon_baseline_in_the_card_recomputes() -> None:
    """The cheapest run of the protocol, recomputed from the shipped data, matches what the card reports."""
    from integration_pipelines.lib.text.sentiment import validate
    from integration_pipelines.lib.text.sentiment.train_pool import load_prepared

    corpus = load_prepared(["arsarcasm_v2"])["arsarcasm_v2"]
    _, held = validate.heldout_split(corpus)
    pred = validate.predict_lexicon([corpus.texts[i] for i in held])
    results = json.loads((ARTIFACT_DIR / "validation.json").read_text())
    (recorded,) = [
        r["result"] for r in results["runs"] if (r["name"], r["model"]) == ("arsarcasm_v2_heldout", "lexicon")
    ]
    assert recorded["n"] == len(held)
    assert validate.evaluate(corpus.y[held], pred, {})["macro_f1"] == recorded["macro_f1"]


def test_probe_predictions_recorded_at_training_time_still_hold() -> None:
    probes = _meta()["probes"]
    proba = load_default_model().predict_proba([p["text"] for p in probes])
    np.testing.assert_allclose(proba, [p["proba"] for p in probes], atol=1e-5)


def test_runtime_needs_neither_scikit_learn_nor_scipy() -> None:
    code = (
        "import sys\n"
        "from integration_pipelines.lib.text.sentiment.base import SentimentRequest\n"
        "from integration_pipelines.lib.text.sentiment.offline import OfflineSentimentProvider\n"
        "rows = [SentimentRequest('1', 'الخدمة ممتازة', 'ar'), SentimentRequest('2', 'ok', 'en')]\n"
        "assert len(OfflineSentimentProvider().score(rows)) == 2\n"
        "assert not {'sklearn', 'scipy'} & set(sys.modules), sorted(m for m in sys.modules if 'sci' in m)\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, cwd=REPO, timeout=120)


def test_default_model_loads_once_per_process() -> None:
    assert load_default_model() is load_default_model()
    assert OfflineSentimentProvider()._arabic is None  # constructing the provider loads nothing


# --- featurizer and runtime inference -------------------------------------------------------------------------


def test_runtime_numpy_inference_matches_sklearn() -> None:
    from sklearn.linear_model import LogisticRegression

    data = _data()
    texts, y = data["texts"][:600], data["y"][:600]
    config = FeatureConfig(char_bits=12, word_bits=10, dense=CONFIG.dense)
    featurizer = HashedFeaturizer(config)
    counts = featurizer.counts(texts)
    idf = training.fit_idf(counts)
    clf = LogisticRegression(C=4.0, max_iter=2000).fit(featurizer.weight(counts, idf).to_scipy(), y)
    model = ArabicSentimentModel(clf.coef_.T, clf.intercept_, config, LABELS, idf)
    probe = data["texts"][600:800] + ["", "   ", "الخدمة ممتازة 😍", "thanks for nothing 😡", "el 5edma msh 7elwa"]
    expected = clf.predict_proba(featurizer.weight(featurizer.counts(probe), idf).to_scipy())
    np.testing.assert_allclose(model.predict_proba(probe), expected, atol=1e-5)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(TEXT, min_size=1, max_size=8))
def test_features_of_a_text_do_not_depend_on_its_batch(texts: list[str]) -> None:
    featurizer = _featurizer()
    batch = featurizer.counts(texts)
    for i, text in enumerate(texts):
        assert _rows(batch, i) == _rows(featurizer.counts([text]), 0)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.text(alphabet="ابتثجحخلمن😍ab", min_size=1, max_size=7), min_size=1, max_size=5))
def test_char_ngrams_stay_inside_words(words: list[str]) -> None:
    featurizer = HashedFeaturizer(FeatureConfig(word_ngram=(1, 1), lexicon=None))
    whole = _rows(featurizer.counts([" ".join(words)]), 0)
    assert whole == sum((_rows(featurizer.counts([w]), 0) for w in words), Counter())


@settings(max_examples=200, deadline=None)
@given(TEXT)
def test_normaliser_is_idempotent(text: str) -> None:
    once = basic_normalize(text)
    assert basic_normalize(once) == once


def test_normaliser_removes_twitter_artefacts_and_spelling_variants() -> None:
    text = "RT @someone: أهلاً وسهلاااا #خدمة_العملاء https://t.co/x ١٢٣ 45 ٱلْمَدْرَسَةُ إلى 😍😍😍"
    assert basic_normalize(text) == "اهلا وسهلاا خدمه العملاء 0 0 المدرسه الي 😍 😍"
    assert resolve_normalizer(DEFAULT_NORMALIZER) is basic_normalize


def test_lexicon_features_see_clitics_and_negation() -> None:
    featurizer = _featurizer()
    base = featurizer.config.n_hashed
    counts = featurizer.counts(["الخدمة ممتازة", "مو حلو", "ماعجبني", "وبالمشكلة", "الطلب رقم 5"])
    hits = [dict((c - base, v) for c, v in _rows(counts, i).items() if c >= base) for i in range(5)]
    assert hits == [{0: 1.0}, {1: 1.0}, {1: 1.0}, {1: 1.0}, {}]


def test_a_custom_normaliser_can_be_plugged_in() -> None:
    calls: list[str] = []

    def normalise(text: str) -> str:
        calls.append(text)
        return basic_normalize(text)

    featurizer = HashedFeaturizer(FeatureConfig(lexicon=None), normalize=normalise)
    featurizer.counts(["نص", "آخر"])
    assert calls == ["نص", "آخر"]


# --- training --------------------------------------------------------------------------------------------------


def test_training_on_a_subsample_is_deterministic(tmp_path: Path) -> None:
    params = json.dumps({"C": 1.0, "class_weight": "balanced", "word_weight": 1.0})
    runs = []
    for name in ("a", "b"):
        out = tmp_path / name
        args = [
            "--data",
            str(DATA),
            "--out",
            str(out),
            "--limit",
            "1500",
            "--params",
            params,
            "--char-bits",
            "12",
            "--word-bits",
            "11",
        ]  # small hash space: lbfgs cost scales with it
        assert training.main(args) == 0
        with np.load(out / "arabic_sentiment.npz") as z:
            runs.append(({k: z[k] for k in z.files}, (out / "arabic_sentiment.json").read_text()))
    (arrays_a, meta_a), (arrays_b, meta_b) = runs
    assert arrays_a.keys() == arrays_b.keys()
    for key in arrays_a:
        np.testing.assert_array_equal(arrays_a[key], arrays_b[key])
    assert meta_a == meta_b
    meta = json.loads(meta_a)
    assert meta["training"]["rows_used"] == 1500 and 200 <= meta["heldout_metrics"]["n"] <= 250
    assert (tmp_path / "a" / "MODEL_CARD.md").exists() and (tmp_path / "a" / "arabic_lexicon.json").exists()


def test_search_tunes_on_validation_carved_from_train(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(training, "GRID", {"C": [0.5, 2.0], "class_weight": ["balanced"], "word_weight": [1.0]})
    meta = training.train(DATA, tmp_path, limit=1500, config=FeatureConfig(char_bits=12, word_bits=11))
    search = meta["training"]["search"]
    assert len(search["results"]) == 2 and 0 < search["validation_rows"] < meta["training"]["split"]["train_rows"]
    best = max(search["results"], key=lambda r: r["val_macro_f1"])
    assert meta["training"]["hyperparameters"] == {k: best[k] for k in ("C", "class_weight", "word_weight")}
    assert {"val_macro_f1_without_lexicon", "heldout_macro_f1_without_lexicon"} <= search.keys()


def test_corpora_training_on_a_subsample_is_deterministic(tmp_path: Path) -> None:
    runs = []
    for name in ("a", "b"):
        out = tmp_path / name
        args = [
            "--out",
            str(out),
            "--limit",
            "3000",
            "--char-bits",
            "12",
            "--word-bits",
            "11",
            "--validation",
            str(ARTIFACT_DIR / "validation.json"),
        ]
        assert train_corpora.main(args) == 0
        with np.load(out / "arabic_sentiment.npz") as z:
            runs.append(({k: z[k] for k in z.files}, (out / "arabic_sentiment.json").read_text()))
    (arrays_a, meta_a), (arrays_b, meta_b) = runs
    for key in arrays_a:
        np.testing.assert_array_equal(arrays_a[key], arrays_b[key])
    assert meta_a == meta_b and json.loads(meta_a)["training"]["rows"] == 3000
    assert "Leave one corpus out" in (tmp_path / "a" / "MODEL_CARD.md").read_text()


@pytest.mark.slow
def test_retraining_reproduces_the_shipped_artifact(tmp_path: Path) -> None:
    assert train_corpora.main(["--out", str(tmp_path), "--validation", str(ARTIFACT_DIR / "validation.json")]) == 0
    with np.load(tmp_path / "arabic_sentiment.npz") as new, np.load(ARTIFACT_DIR / "arabic_sentiment.npz") as old:
        np.testing.assert_allclose(new["coef"].astype(np.float32), old["coef"].astype(np.float32), atol=2e-3)
        np.testing.assert_allclose(new["intercept"], old["intercept"], atol=2e-3)
    fresh = json.loads((tmp_path / "arabic_sentiment.json").read_text())
    np.testing.assert_allclose(
        [p["proba"] for p in fresh["probes"]], [p["proba"] for p in _meta()["probes"]], atol=2e-3
    )


# --- provider --------------------------------------------------------------------------------------------------

CONFIDENT_ARABIC = [
    ("الخدمة ممتازة وسريعة شكرا لكم", "positive"),
    ("تعامل راقي وتوصيل سريع، أنصح فيكم", "positive"),
    ("شكرا جزيلا على المساعدة", "positive"),
    ("للأسف الطلب متأخر ومحد يرد علي", "negative"),
    ("الطلب ناقص وفيه غلط في الفاتورة", "negative"),
    ("كل مرة نفس المشكلة وما أحد يحلها", "negative"),
    ("كم سعر التوصيل للرياض؟", "neutral"),
    ("رقم الطلب 12345", "neutral"),
]


@pytest.fixture(scope="module")
def provider() -> OfflineSentimentProvider:
    return OfflineSentimentProvider()


def test_clear_arabic_customer_messages(provider: OfflineSentimentProvider) -> None:
    results = provider.score([SentimentRequest(str(i), t, "ar") for i, (t, _) in enumerate(CONFIDENT_ARABIC)])
    assert [r.label for r in results] == [label for _, label in CONFIDENT_ARABIC]
    assert all(r.confidence > 0.5 for r in results)  # the order-number message sits at ~0.51 neutral
    assert all(r.provider == "offline" and r.model == _meta()["model_version"] for r in results)
    # a question about delivery time is not praise, even if the model hesitates between neutral and negative
    (when,) = provider.score([SentimentRequest("q", "متى يوصل الطلب؟", "ar", dialect="gulf")])
    assert when.label != "positive"


def test_english_is_scored_by_the_model_with_vaders_reading_as_a_feature(provider: OfflineSentimentProvider) -> None:
    good, bad, plain = provider.score(
        [
            SentimentRequest("1", "The delivery was great, thanks!", "en"),
            SentimentRequest("2", "Terrible service, still no refund", "en"),
            SentimentRequest("3", "Where is my order?", "en"),
        ]
    )
    assert (good.label, bad.label, plain.label) == ("positive", "negative", "neutral")
    assert good.score > 0 and bad.score < 0 and plain.score == 0.0
    assert good.model == _meta()["model_version"]


def _macro_f1(gold: list[str], pred: list[str]) -> float:
    return training.macro_f1(np.array([LABELS.index(g) for g in gold]), np.array([LABELS.index(p) for p in pred]))


def _fixture(name: str) -> tuple[list[str], list[str], list[str]]:
    """(gold, this model, plain VADER) labels of a hand-written English customer-message fixture."""
    import csv

    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    with (Path(__file__).parent / "fixtures" / name).open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    provider = OfflineSentimentProvider()
    ours = [r.label for r in provider.score([SentimentRequest(str(i), r["text"], "en") for i, r in enumerate(rows)])]
    vader = SentimentIntensityAnalyzer()
    compounds = [vader.polarity_scores(r["text"])["compound"] for r in rows]
    plain = ["positive" if c >= 0.05 else "negative" if c <= -0.05 else "neutral" for c in compounds]
    return [r["label"] for r in rows], ours, plain


# The first file was written before the model was trained (its misses shaped a cue that was later
# dropped); the holdout file was written afterwards, before any model was run on it.
FIXTURES = ["english_customer_messages.csv", "english_customer_messages_holdout.csv"]


@pytest.mark.parametrize("fixture", FIXTURES)
def test_english_complaints_are_called_positive_no_more_often_than_by_vader(fixture: str) -> None:
    gold, ours, plain = _fixture(fixture)
    complaints = [i for i, g in enumerate(gold) if g == "negative"]
    assert sum(ours[i] == "positive" for i in complaints) <= sum(plain[i] == "positive" for i in complaints)
    assert sum(ours[i] == "positive" for i in complaints) <= len(complaints) // 4


@pytest.mark.parametrize("fixture", FIXTURES)
@pytest.mark.xfail(
    strict=True,
    reason="goal not met: on hand-written complaints the model is not VADER + .05 "
    "macro-F1 (complaints without sentiment words come out neutral; MODEL_CARD)",
)
def test_english_customer_messages_beat_plain_vader_by_five_points(fixture: str) -> None:
    gold, ours, plain = _fixture(fixture)
    assert _macro_f1(gold, ours) >= _macro_f1(gold, plain) + 0.05


@pytest.mark.parametrize(
    "text",
    [
        "شكرا على لا شيء",
        "يا سلام على الخدمة الرائعة، ثلاث ساعات انتظار 👏",
        "Thanks for nothing, three hours on hold again.",
    ],
)
def test_sarcastic_praise_of_a_complaint_is_not_positive(provider: OfflineSentimentProvider, text: str) -> None:
    (result,) = provider.score([SentimentRequest("s", text, preprocess(text).language)])
    assert result.label != "positive"


def test_code_switched_and_arabizi_text(provider: OfflineSentimentProvider) -> None:
    bad, good, arabizi = provider.score(
        [
            SentimentRequest("1", "الخدمة very bad", "mixed"),
            SentimentRequest("2", "thank you الخدمة ممتازة", "mixed"),
            SentimentRequest("3", "7elw awi tslamo", "arabizi"),
        ]
    )
    assert (bad.label, good.label) == ("negative", "positive")
    # Arabizi is read from AfriSenti's Moroccan rows; this Egyptian praise came out positive under the old
    # transliteration + VADER path and is neutral now (known regression, see MODEL_CARD limits)
    assert arabizi.label != "negative"
    assert bad.model == _meta()["model_version"]


def test_empty_and_whitespace_are_neutral_with_confidence(provider: OfflineSentimentProvider) -> None:
    for result in provider.score([SentimentRequest("e", "", "ar"), SentimentRequest("w", " \n\t ", "en")]):
        assert (result.label, result.score, result.confidence, result.provider) == ("neutral", 0.0, 1.0, "offline")


def test_batch_order_and_per_row_results_do_not_depend_on_batching() -> None:
    provider = OfflineSentimentProvider()
    texts = [
        ("الخدمة ممتازة", "ar"),
        ("awful", "en"),
        ("", "ar"),
        ("متى يوصل الطلب؟", "unknown"),
        ("الخدمة very bad", "mixed"),
        ("great", "unknown"),
        ("للأسف متأخر", "ar"),
    ]
    batch = [SentimentRequest(f"id-{i}", t, lang) for i, (t, lang) in enumerate(reversed(texts))]
    together = provider.score(batch)
    assert [r.id for r in together] == [r.id for r in batch]
    assert together == [provider.score([r])[0] for r in batch]
    assert provider.usage.requests == 0 and provider.usage.extra["score_calls"] == 1 + len(batch)
    assert provider.usage.extra["rows_arabic"] == 2 * 3 and provider.usage.extra["rows_empty"] == 2
    assert provider.score([]) == [] and provider.usage.requests == 0
    assert provider.usage.extra["score_calls"] == 1 + len(batch)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.tuples(TEXT, st.sampled_from(["ar", "en", "mixed", "arabizi", "unknown"])), max_size=6))
def test_label_and_score_always_agree(provider: OfflineSentimentProvider, rows: list[tuple[str, str]]) -> None:
    results = provider.score([SentimentRequest(str(i), t, lang) for i, (t, lang) in enumerate(rows)])
    assert len(results) == len(rows)
    for result in results:
        assert -1.0 <= result.score <= 1.0 and 0.0 <= result.confidence <= 1.0
        assert (result.label == "positive") == (result.score > 0)
        assert (result.label == "negative") == (result.score < 0)
