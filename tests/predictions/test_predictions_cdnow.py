"""BG/NBD and Gamma-Gamma fits reproduce the published CDNOW estimates; holdout check.

Data: the 1/10 CDNOW sample (2,357 customers who first bought in Q1 1997) shipped inside the
``lifetimes`` wheel (``lifetimes/datasets/``, MIT), read from the installed package, never
committed. Published estimates, 39-week calibration period, periods in weeks:

* BG/NBD: r = 0.243, alpha = 4.414, a = 0.793, b = 2.426 (Fader, Hardie & Lee 2005, "Counting
  your customers the easy way", Marketing Science 24(2), section 4).
* Gamma-Gamma on the 946 repeat customers: p = 6.25, q = 3.74, v = 15.45 (Fader, Hardie & Lee
  2005, "RFM and CLV", JMR 42(4); Fader & Hardie 2013, "The Gamma-Gamma model of monetary value").

The holdout (weeks 40-78) is counted here from the raw transaction file, and the predictions are
recomputed from the fitted parameters with the paper's closed forms (scipy's hyp2f1), a second
method beside PyMC-Marketing's.
"""

from __future__ import annotations

import importlib.util
import logging
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

pytest.importorskip("pymc_marketing", reason="runs in the predictions test env (make predictions-test)")
from scipy.special import gammaln, hyp2f1  # noqa: E402

from predictions import clv  # noqa: E402

pytestmark = pytest.mark.slow
log = logging.getLogger(__name__)

PUBLISHED_BGNBD = {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426}
PUBLISHED_GAMMA_GAMMA = {"p": 6.25, "q": 3.74, "v": 15.45}
CALIBRATION_END = pd.Timestamp("1997-09-30")  # end of week 39 (weeks start on 1997-01-01)
HOLDOUT_END = pd.Timestamp("1998-06-30")  # end of week 78
HOLDOUT_WEEKS = 39


def _datasets() -> Path:
    spec = importlib.util.find_spec("lifetimes")
    if spec is None or not spec.submodule_search_locations:
        pytest.skip("the lifetimes wheel (CDNOW data) is not installed")
    return Path(spec.submodule_search_locations[0]) / "datasets"


@pytest.fixture(scope="module")
def transactions() -> pd.DataFrame:
    """CDNOW_sample.txt: master id, sample customer id (1-2357), date, CDs bought, dollars."""
    names = ["master_id", "customer_id", "date", "cds", "amount"]
    tx = pd.read_csv(_datasets() / "CDNOW_sample.txt", sep=r"\s+", header=None, names=names, dtype={"date": str})
    tx["date"] = pd.to_datetime(tx["date"], format="%Y%m%d")
    return tx


@pytest.fixture(scope="module")
def summary() -> pd.DataFrame:
    """The published calibration summary (x, t_x, T in weeks; zbar = mean repeat spend)."""
    raw = pd.read_csv(_datasets() / "cdnow_customers_summary_with_transactions.csv")
    return pd.DataFrame(
        {
            "customer_id": raw["ID"],
            "frequency": raw["x"],
            "recency": raw["t_x"],
            "T": raw["T"],
            "monetary_value": raw["zbar"],
        }
    )


@pytest.fixture(scope="module")
def fitted(summary) -> clv.ClvFit:
    return clv.fit(summary, seed=1)


def test_summary_is_the_raw_file_seen_per_purchase_day(summary, transactions):
    """The published x (repeat purchases) counts purchase days in weeks 1-39, recomputed here."""
    calibration = transactions[transactions["date"] <= CALIBRATION_END]
    repeat_days = calibration.groupby("customer_id")["date"].nunique() - 1
    assert len(summary) == 2357 == transactions["customer_id"].nunique()
    assert (repeat_days.reindex(summary["customer_id"]).to_numpy() == summary["frequency"].to_numpy()).all()
    assert int((summary["frequency"] > 0).sum()) == 946


def test_bgnbd_reproduces_the_published_estimates_within_1_percent(fitted):
    log.info("BG/NBD fitted %s vs published %s", fitted.bgnbd, PUBLISHED_BGNBD)
    for name, published in PUBLISHED_BGNBD.items():
        assert fitted.bgnbd[name] == pytest.approx(published, rel=0.01), name


def test_gamma_gamma_reproduces_the_published_estimates_within_1_percent(fitted):
    log.info("Gamma-Gamma fitted %s vs published %s", fitted.gamma_gamma, PUBLISHED_GAMMA_GAMMA)
    assert fitted.spend_customers == 946
    for name, published in PUBLISHED_GAMMA_GAMMA.items():
        assert fitted.gamma_gamma[name] == pytest.approx(published, rel=0.01), name


def _paper_expectations(params: dict[str, float], x, t_x, T, t) -> tuple[np.ndarray, np.ndarray]:
    """P(alive) (eq. 13 via its complement) and E[X(t) | x, t_x, T] (eq. 10) of Fader, Hardie & Lee (2005)."""
    r, alpha, a, b = (params[k] for k in ("r", "alpha", "a", "b"))
    ratio = ((alpha + T) / (alpha + t_x)) ** (r + x)
    denominator = 1 + (x > 0) * a / (b + x - 1) * ratio
    p_alive = 1 / denominator
    z = t / (alpha + T + t)
    numerator = (
        (a + b + x - 1)
        / (a - 1)
        * (1 - ((alpha + T) / (alpha + T + t)) ** (r + x) * hyp2f1(r + x, b + x, a + b + x - 1, z))
    )
    return p_alive, numerator / denominator


def test_predictions_match_the_paper_formulas(fitted, summary):
    scores = clv.score(fitted, summary, horizon_months=1, monthly_discount_rate=0.0)
    x, t_x, T = (summary[c].to_numpy(float) for c in ("frequency", "recency", "T"))
    p_alive, expected_30 = _paper_expectations(fitted.bgnbd, x, t_x, T, 30.0)
    np.testing.assert_allclose(scores["probability_alive"], p_alive, rtol=1e-6)
    np.testing.assert_allclose(scores["expected_purchases_30d"], expected_30, rtol=1e-6)
    # Gamma-Gamma conditional mean (Fader & Hardie 2013, eq. 5) for the repeat customers.
    p, q, v = (fitted.gamma_gamma[k] for k in ("p", "q", "v"))
    weight = p * x / (p * x + q - 1)
    expected_spend = (1 - weight) * v * p / (q - 1) + weight * summary["monetary_value"].to_numpy(float)
    np.testing.assert_allclose(scores["expected_average_order_value"], expected_spend, rtol=1e-6)
    # With no discount and a one-period horizon, CLV = expected purchases in 30 periods x expected spend.
    np.testing.assert_allclose(scores["predicted_clv"], expected_30 * expected_spend, rtol=1e-6)


def test_holdout_repeat_purchases_in_aggregate(fitted, summary, transactions):
    """Weeks 40-78: actual purchase days (raw file) vs the sum of the BG/NBD conditional expectations."""
    holdout = transactions[(transactions["date"] > CALIBRATION_END) & (transactions["date"] <= HOLDOUT_END)]
    actual = int(holdout.groupby("customer_id")["date"].nunique().sum())
    x, t_x, T = (summary[c].to_numpy(float) for c in ("frequency", "recency", "T"))
    _, expected = _paper_expectations(fitted.bgnbd, x, t_x, T, float(HOLDOUT_WEEKS))
    predicted = float(expected.sum())
    log.info("holdout weeks 40-78: actual %d repeat purchase days, predicted %.1f", actual, predicted)
    print(f"\nCDNOW holdout weeks 40-78: actual {actual} repeat purchase days, predicted {predicted:.1f}")
    assert actual == 1882  # counted from CDNOW_sample.txt, one purchase per customer and day
    # lifetimes' BetaGeoFitter (scipy MLE) on the same summary: conditional_expected_number_of_purchases_up_to_time
    # (39, ...) sums to 1653.42: the model under-forecasts this holdout by 12 %, whichever library fits it.
    assert predicted == pytest.approx(1653.42, rel=1e-3)
    assert 0.85 < predicted / actual < 0.9


def test_same_data_and_seed_give_the_same_predictions(fitted, summary):
    again = clv.fit(summary, seed=1)
    assert again.bgnbd == fitted.bgnbd and again.gamma_gamma == fitted.gamma_gamma
    first = clv.score(fitted, summary, horizon_months=12, monthly_discount_rate=0.01)
    second = clv.score(again, summary, horizon_months=12, monthly_discount_rate=0.01)
    pd.testing.assert_frame_equal(first, second, check_exact=True)


def test_log_likelihood_is_maximal_at_the_fit(fitted, summary):
    """The BG/NBD log-likelihood (paper eq. 6) is lower 1 % away from the fitted point in every direction."""
    x, t_x, T = (summary[c].to_numpy(float) for c in ("frequency", "recency", "T"))

    def loglik(r, alpha, a, b):
        ln_a1 = gammaln(r + x) - gammaln(r) + r * np.log(alpha)
        ln_a2 = gammaln(a + b) + gammaln(b + x) - gammaln(b) - gammaln(a + b + x)
        ln_a3 = -(r + x) * np.log(alpha + T)
        ln_a4 = np.where(
            x > 0, np.log(a) - np.log(np.maximum(b + x - 1, 1e-12)) - (r + x) * np.log(alpha + t_x), -np.inf
        )
        return float(np.sum(ln_a1 + ln_a2 + np.logaddexp(ln_a3, ln_a4)))

    best = loglik(**fitted.bgnbd)
    for name in fitted.bgnbd:
        for factor in (0.99, 1.01):
            assert loglik(**{**fitted.bgnbd, name: fitted.bgnbd[name] * factor}) < best, (name, factor)
