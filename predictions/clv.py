"""Customer lifetime value: BG/NBD + Gamma-Gamma fitted by maximum likelihood with PyMC-Marketing.

Models and formulas:

* BG/NBD (Fader, Hardie & Lee 2005, "Counting your customers the easy way: an alternative to
  the Pareto/NBD model", Marketing Science 24(2)): probability alive and expected purchases in
  the next ``t`` periods given frequency, recency and T (``pymc_marketing.clv.BetaGeoModel``).
* Gamma-Gamma (Fader, Hardie & Lee 2005, "RFM and CLV: using iso-value curves for customer
  base analysis", JMR 42(4); Fader & Hardie 2013, "The Gamma-Gamma model of monetary value"):
  expected average order value, fitted on repeat customers with a positive average
  (``pymc_marketing.clv.GammaGammaModel``).
* CLV: discounted sum over monthly steps of expected purchases x expected order value
  (``pymc_marketing.clv.customer_lifetime_value``, 30-day months).

Both models are fitted by MAP with flat (``HalfFlat``) priors on every parameter, i.e. by
maximum likelihood as in the papers (PyMC-Marketing's default priors pull a and b away from
the published CDNOW estimates). The fit is a deterministic L-BFGS-B optimisation from fixed
starting points: the same data give the same parameters.
"""

from __future__ import annotations

import logging
import warnings
from dataclasses import dataclass, field
from importlib.metadata import version

import numpy as np
import pandas as pd

log = logging.getLogger(__name__)

#: BG/NBD parameters (Fader, Hardie & Lee 2005): purchase rate ~ Gamma(r, alpha), dropout p ~ Beta(a, b).
BGNBD_PARAMETERS = ("r", "alpha", "a", "b")
#: Gamma-Gamma parameters (Fader & Hardie 2013): spend ~ Gamma(p, nu), nu ~ Gamma(q, v).
GAMMA_GAMMA_PARAMETERS = ("p", "q", "v")
#: Horizons of the expected-purchases columns, in days.
PURCHASE_HORIZONS_DAYS = (30, 90, 365)
#: Name of the fitted model pair, written on every row.
MODEL_NAME = "bg_nbd+gamma_gamma"


@dataclass(frozen=True)
class ClvFit:
    """Fitted parameters of both models.

    Attributes:
        bgnbd: BG/NBD r, alpha (in days), a, b.
        gamma_gamma: Gamma-Gamma p, q, v (v in the currency of the spend).
        customers: customers the BG/NBD model was fitted on.
        spend_customers: repeat customers with a positive average the Gamma-Gamma model was fitted on.
    """

    bgnbd: dict[str, float]
    gamma_gamma: dict[str, float]
    customers: int
    spend_customers: int
    models: tuple = field(repr=False, default=())


def model_version() -> str:
    """Library and model identifier written on every CLV row.

    Returns:
        E.g. ``pymc-marketing 0.19.2 BetaGeoModel+GammaGammaModel MLE``.
    """
    return f"pymc-marketing {version('pymc-marketing')} BetaGeoModel+GammaGammaModel MLE"


def _flat_priors(names: tuple[str, ...]) -> dict:
    from pymc_extras.prior import Prior

    return {name: Prior("HalfFlat") for name in names}


def _frame(summary: pd.DataFrame) -> pd.DataFrame:
    required = {"customer_id", "frequency", "recency", "T", "monetary_value"}
    missing = required - set(summary.columns)
    if missing:
        raise ValueError(f"BTYD summary lacks column(s) {sorted(missing)}; expected {sorted(required)}")
    data = summary[["customer_id", "frequency", "recency", "T", "monetary_value"]].copy()
    for column in ("frequency", "recency", "T", "monetary_value"):
        data[column] = data[column].astype("float64")
    if (data["recency"] > data["T"]).any():
        bad = data.loc[data["recency"] > data["T"], "customer_id"].iloc[0]
        raise ValueError(f"customer {bad}: recency > T (BG/NBD requires recency <= T)")
    return data.reset_index(drop=True)


def fit(summary: pd.DataFrame, *, seed: int = 0) -> ClvFit:
    """Fit BG/NBD on every customer and Gamma-Gamma on repeat customers with a positive average.

    Args:
        summary: one row per customer with ``customer_id``, ``frequency`` (repeat purchase
            periods), ``recency`` and ``T`` (periods; days in the warehouse, weeks for CDNOW)
            and ``monetary_value`` (mean spend of the repeat purchases, 0 without repeats).
        seed: random seed handed to PyMC (the MAP optimisation itself draws nothing).

    Returns:
        The fitted parameters and the two fitted PyMC-Marketing models.

    Raises:
        ValueError: a required column is missing, recency > T, or fewer than two repeat
            customers with a positive average (the Gamma-Gamma model cannot be fitted).
    """
    from pymc_marketing.clv import BetaGeoModel, GammaGammaModel

    data = _frame(summary)
    spend = data[(data["frequency"] > 0) & (data["monetary_value"] > 0)]
    if len(spend) < 2:
        raise ValueError(f"{len(spend)} repeat customer(s) with a positive average: Gamma-Gamma needs at least 2")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        bgnbd = BetaGeoModel(
            data=data[["customer_id", "frequency", "recency", "T"]], model_config=_flat_priors(BGNBD_PARAMETERS)
        )
        bgnbd.fit(method="map", progressbar=False, seed=seed)
        gamma_gamma = GammaGammaModel(data=spend, model_config=_flat_priors(GAMMA_GAMMA_PARAMETERS))
        gamma_gamma.fit(method="map", progressbar=False, seed=seed)
    posterior_b, posterior_g = bgnbd.fit_result, gamma_gamma.fit_result
    result = ClvFit(
        bgnbd={name: float(posterior_b[name].values.ravel()[0]) for name in BGNBD_PARAMETERS},
        gamma_gamma={name: float(posterior_g[name].values.ravel()[0]) for name in GAMMA_GAMMA_PARAMETERS},
        customers=len(data),
        spend_customers=len(spend),
        models=(bgnbd, gamma_gamma),
    )
    log.info("BG/NBD %s; Gamma-Gamma %s", result.bgnbd, result.gamma_gamma)
    return result


def _values(array) -> np.ndarray:
    """One value per customer from a MAP (one chain, one draw) DataArray."""
    return np.asarray(array.transpose(..., "customer_id").values).reshape(-1, array.sizes["customer_id"])[0]


def score(fitted: ClvFit, summary: pd.DataFrame, *, horizon_months: int, monthly_discount_rate: float) -> pd.DataFrame:
    """Per-customer predictions of the fitted models (periods in days).

    Args:
        fitted: the result of ``fit``.
        summary: the BTYD summary ``fit`` was given (days).
        horizon_months: CLV horizon in 30-day months (>= 1).
        monthly_discount_rate: discount rate per month for the CLV (0.01 = 1 %), >= 0.

    Returns:
        One row per customer, in the order of ``summary``: ``customer_id``,
        ``probability_alive`` (0-1), ``expected_purchases_30d``/``_90d``/``_365d`` (expected
        purchase days in the next 30/90/365 days), ``expected_average_order_value`` (currency
        of the summary; the population mean for customers without a positive repeat average)
        and ``predicted_clv`` (discounted expected net sales over the horizon).

    Raises:
        ValueError: a horizon below one month or a negative discount rate.
    """
    from pymc_marketing.clv import customer_lifetime_value

    if horizon_months < 1:
        raise ValueError(f"CLV horizon {horizon_months} months: expected at least 1")
    if monthly_discount_rate < 0:
        raise ValueError(f"monthly discount rate {monthly_discount_rate}: expected >= 0")
    bgnbd, gamma_gamma = fitted.models
    data = _frame(summary)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        out = pd.DataFrame({"customer_id": data["customer_id"]})
        out["probability_alive"] = _values(bgnbd.expected_probability_alive(data=data))
        for days in PURCHASE_HORIZONS_DAYS:
            out[f"expected_purchases_{days}d"] = _values(bgnbd.expected_purchases(data=data, future_t=days))
        # Gamma-Gamma conditions on the observed average only where there is a positive one.
        spend_input = data.assign(frequency=np.where(data["monetary_value"] > 0, data["frequency"], 0.0))
        out["expected_average_order_value"] = _values(gamma_gamma.expected_customer_spend(data=spend_input))
        clv = customer_lifetime_value(
            transaction_model=bgnbd,
            data=data.assign(future_spend=out["expected_average_order_value"].to_numpy()),
            future_t=horizon_months,
            discount_rate=monthly_discount_rate,
            time_unit="D",
        )
        out["predicted_clv"] = _values(clv)
    return out
