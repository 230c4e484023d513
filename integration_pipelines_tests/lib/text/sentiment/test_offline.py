"""The offline sentiment provider and its Arabic model: artifact, featurizer, training, routing.

The held-out score in the artifact's metadata is recomputed here from the training file, which the
repository ships (``sentiment/data/arsarcasm_v2``): a missing file fails, it does not skip.
"""

from __future__ import annotations

import functools
import hashlib
import json
import subprocess
import sys
from collections import Counter
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from integration_pipelines.lib.text.sentiment import train as training
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
from integration_pipelines.lib.text.sentiment.offline import (
    OfflineSentimentProvider,
    arabizi_to_arabic,
    vader_distribution,
)

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
    files = ["arabic_sentiment.npz", "arabic_sentiment.json", "arabic_lexicon.json", "MODEL_CARD.md"]
    assert sum((ARTIFACT_DIR / f).stat().st_size for f in files) < 3_000_000
    with np.load(ARTIFACT_DIR / "arabic_sentiment.npz", allow_pickle=False) as z:
        assert z["coef"].dtype == np.float16 and z["idf"].dtype == np.float16
        config = FeatureConfig.from_dict(_meta()["feature_config"])
        assert z["coef"].shape == (config.n_features, 3) and config.n_hashed <= 2**18
    assert _meta()["labels"] == list(LABELS)
    assert _meta()["training"]["label_map"] == {"NEG": "negative", "NEU": "neutral", "POS": "positive"}
    card = (ARTIFACT_DIR / "MODEL_CARD.md").read_text()
    assert "## ATTRIBUTION" in card and "Abu Farha" in card and "iabufarha/ArSarcasm-v2" in card and "MIT" in card
    for dialect, scores in _meta()["heldout_metrics"]["by_dialect"].items():
        assert f"| {dialect} | {scores['n']} | {scores['macro_f1']:.3f} |" in card
    assert (ARTIFACT_DIR / "LICENSE-arsarcasm-v2").read_bytes() == (DATA_DIR / "LICENSE").read_bytes()
    assert not list(ARTIFACT_DIR.glob("*.csv")), "the training data must not ship"


def test_heldout_macro_f1_recomputes_from_artifact_and_data() -> None:
    from sklearn.metrics import f1_score

    data = _data()
    assert data["sha256"] == _meta()["training"]["data_sha256"]
    with np.load(ARTIFACT_DIR / "arabic_sentiment.npz") as z:
        held = z["heldout_idx"].astype(np.int64)
    assert hashlib.sha256(held.tobytes()).hexdigest() == _meta()["training"]["split"]["heldout_sha256"]
    model = load_default_model()
    pred = model.predict_proba([data["texts"][i] for i in held]).argmax(axis=1)
    y, dialect, metrics = data["y"][held], data["dialect"][held], _meta()["heldout_metrics"]
    assert f1_score(y, pred, average="macro") == pytest.approx(metrics["macro_f1"], abs=1e-4)
    for name, recorded in metrics["by_dialect"].items():
        mask = dialect == name
        assert mask.sum() == recorded["n"]
        assert f1_score(y[mask], pred[mask], average="macro") == pytest.approx(recorded["macro_f1"], abs=1e-4)
    assert metrics["macro_f1"] > 0.6  # a linear char-n-gram model on this data sits around 0.65


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
    config = FeatureConfig(char_bits=12, word_bits=10)
    featurizer = HashedFeaturizer(config)
    counts = featurizer.counts(texts)
    idf = training.fit_idf(counts)
    clf = LogisticRegression(C=4.0, max_iter=2000).fit(featurizer.weight(counts, idf).to_scipy(), y)
    model = ArabicSentimentModel(clf.coef_.T, clf.intercept_, config, LABELS, idf)
    probe = data["texts"][600:800] + ["", "   ", "الخدمة ممتازة 😍"]
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
        args = ["--data", str(DATA), "--out", str(out), "--limit", "1500", "--params", params,
                "--char-bits", "12", "--word-bits", "11"]  # small hash space: lbfgs cost scales with it
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


@pytest.mark.slow
def test_retraining_with_recorded_hyperparameters_reproduces_the_shipped_artifact(tmp_path: Path) -> None:
    params = json.dumps(_meta()["training"]["hyperparameters"])
    assert training.main(["--data", str(DATA), "--out", str(tmp_path), "--params", params,
                          "--seed", str(_meta()["training"]["seed"])]) == 0
    with np.load(tmp_path / "arabic_sentiment.npz") as new, np.load(ARTIFACT_DIR / "arabic_sentiment.npz") as old:
        np.testing.assert_array_equal(new["heldout_idx"], old["heldout_idx"])
        np.testing.assert_allclose(new["coef"].astype(np.float32), old["coef"].astype(np.float32), atol=2e-3)
        np.testing.assert_allclose(new["intercept"], old["intercept"], atol=2e-3)
    fresh = json.loads((tmp_path / "arabic_sentiment.json").read_text())
    assert fresh["heldout_metrics"]["macro_f1"] == pytest.approx(_meta()["heldout_metrics"]["macro_f1"], abs=2e-3)


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
    assert all(r.confidence > 0.55 for r in results)
    assert all(r.provider == "offline" and r.model == _meta()["model_version"] for r in results)
    # a question about delivery time is not praise, even if the model hesitates between neutral and negative
    (when,) = provider.score([SentimentRequest("q", "متى يوصل الطلب؟", "ar", dialect="gulf")])
    assert when.label != "positive"


def test_english_is_scored_by_vader(provider: OfflineSentimentProvider) -> None:
    good, bad, plain = provider.score([
        SentimentRequest("1", "The delivery was great, thanks!", "en"),
        SentimentRequest("2", "Terrible service, still no refund", "en"),
        SentimentRequest("3", "Where is my order?", "en"),
    ])
    assert (good.label, bad.label, plain.label) == ("positive", "negative", "neutral")
    assert good.score >= 0.05 and bad.score <= -0.05 and plain.score == 0.0
    assert good.model.startswith("vader-")


def test_code_switched_and_arabizi_text_blend_both_opinions(provider: OfflineSentimentProvider) -> None:
    bad, good, arabizi = provider.score([
        SentimentRequest("1", "الخدمة very bad", "mixed"),
        SentimentRequest("2", "thank you الخدمة ممتازة", "mixed"),
        SentimentRequest("3", "7elw awi tslamo", "arabizi"),
    ])
    assert (bad.label, good.label, arabizi.label) == ("negative", "positive", "positive")
    assert "+vader-" in bad.model and bad.model.startswith(_meta()["model_version"])
    assert arabizi_to_arabic("el 5edma 7elwa") == "الخدمه حلوه"


def test_empty_and_whitespace_are_neutral_with_confidence(provider: OfflineSentimentProvider) -> None:
    for result in provider.score([SentimentRequest("e", "", "ar"), SentimentRequest("w", " \n\t ", "en")]):
        assert (result.label, result.score, result.confidence, result.provider) == ("neutral", 0.0, 1.0, "offline")


def test_batch_order_and_per_row_results_do_not_depend_on_batching() -> None:
    provider = OfflineSentimentProvider()
    texts = [("الخدمة ممتازة", "ar"), ("awful", "en"), ("", "ar"), ("متى يوصل الطلب؟", "unknown"),
             ("الخدمة very bad", "mixed"), ("great", "unknown"), ("للأسف متأخر", "ar")]
    batch = [SentimentRequest(f"id-{i}", t, lang) for i, (t, lang) in enumerate(reversed(texts))]
    together = provider.score(batch)
    assert [r.id for r in together] == [r.id for r in batch]
    assert together == [provider.score([r])[0] for r in batch]
    assert provider.usage.requests == 1 + len(batch)
    assert provider.usage.extra["rows_arabic"] == 2 * 3 and provider.usage.extra["rows_empty"] == 2
    assert provider.score([]) == [] and provider.usage.requests == 1 + len(batch)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.tuples(TEXT, st.sampled_from(["ar", "en", "mixed", "arabizi", "unknown"])), max_size=6))
def test_label_and_score_always_agree(provider: OfflineSentimentProvider, rows: list[tuple[str, str]]) -> None:
    results = provider.score([SentimentRequest(str(i), t, lang) for i, (t, lang) in enumerate(rows)])
    assert len(results) == len(rows)
    for result in results:
        assert -1.0 <= result.score <= 1.0 and 0.0 <= result.confidence <= 1.0
        assert (result.label == "positive") == (result.score > 0)
        assert (result.label == "negative") == (result.score < 0)


@pytest.mark.parametrize("compound", [-1.0, -0.5, -0.05, -0.049, -0.01, 0.0, 0.01, 0.049, 0.05, 0.7, 1.0])
def test_vader_distribution_keeps_vaders_thresholds(compound: float) -> None:
    proba = vader_distribution(compound)
    assert proba.sum() == pytest.approx(1.0) and (proba >= 0).all()
    expected = "positive" if compound >= 0.05 else "negative" if compound <= -0.05 else "neutral"
    assert LABELS[int(np.argmax(proba))] == expected
