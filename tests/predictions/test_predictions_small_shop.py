"""A shop with too little history gets no CLV rows instead of NaN rows or a failed run.

The customer summary below is the one a small Shopify orders export (eight customers, the
fixture ``tests/fixtures/exports/shopify_orders``) produces: on it the MAP fit runs off to
parameters of 1e10 and more. Expected outcomes are stated by hand: either every row is finite,
within 0-1 for the probability and non-negative for the CLV, or no row is written and the
reason says why.
"""

from __future__ import annotations

from datetime import date, datetime

import numpy as np
import pandas as pd
import pytest

pytest.importorskip("pymc_marketing", reason="runs in the predictions test env (make predictions-test)")

from predictions import pipeline  # noqa: E402

FITTED_AT = datetime(2026, 1, 1)


def _summary(rows: list[tuple[str, int, int, int, float]]) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=["customer_id", "frequency", "recency", "T", "monetary_value"])
    frame["currency"] = "USD"
    frame["first_purchase_date"] = date(2025, 1, 1)
    frame["last_purchase_date"] = date(2025, 6, 1)
    frame["observation_date"] = date(2025, 12, 31)
    return frame


def _scores(**overrides: float) -> pd.DataFrame:
    row = {
        "customer_id": "1",
        "probability_alive": 0.5,
        "expected_purchases_30d": 0.1,
        "expected_purchases_90d": 0.3,
        "expected_purchases_365d": 1.0,
        "expected_average_order_value": 100.0,
        "predicted_clv": 90.0,
    }
    good = dict(row, customer_id="2")
    return pd.DataFrame([dict(row, **overrides), good])


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        ({}, None),
        ({"predicted_clv": np.nan}, "1 of 2 customers got a non-finite prediction (the fit is degenerate)"),
        ({"expected_purchases_365d": np.inf}, "1 of 2 customers got a non-finite prediction (the fit is degenerate)"),
        ({"probability_alive": 1.2}, "1 of 2 customers got a probability outside 0-1 or a negative CLV"),
        ({"predicted_clv": -0.01}, "1 of 2 customers got a probability outside 0-1 or a negative CLV"),
    ],
)
def test_unusable_reason_names_the_rows_that_cannot_be_published(overrides, expected):
    assert pipeline.clv_unusable_reason(_scores(**overrides)) == expected


def test_one_repeat_customer_writes_no_rows_and_says_why():
    summary = _summary([("a", 0, 0, 100, 0.0), ("b", 2, 50, 100, 30.0), ("c", 1, 10, 100, 0.0)])
    scores, fitted, reason = pipeline.clv_scores(summary, pipeline.Settings(), FITTED_AT)
    assert scores.empty and fitted is None
    assert reason == "1 repeat customer(s) with a positive average: the Gamma-Gamma model needs at least 2"


def test_small_export_rows_are_all_usable_or_none_are_written():
    summary = _summary(
        [
            ("email-c60e6c43a74c9fc3", 2, 153, 229, 137.50),
            ("email-0ecb300089541125", 2, 196, 196, 26.50),
            ("email-941177c6b2db8851", 1, 92, 167, 168.00),
            ("email-c3a2b739f4bcaa08", 2, 181, 224, 164.00),
            ("email-7637461c8c7b7c37", 3, 181, 255, 134.33),
            ("email-f96c806856eae660", 3, 181, 225, 147.67),
            ("email-dd5805ded88e806c", 1, 61, 261, 160.00),
            ("email-3e3417d7ef77d593", 2, 4, 199, 12.50),
        ]
    )
    scores, _, reason = pipeline.clv_scores(summary, pipeline.Settings(), FITTED_AT)
    if reason is None:
        assert len(scores) == 8
        assert pipeline.clv_unusable_reason(scores[["customer_id", *pipeline.PREDICTION_COLUMNS]]) is None
    else:
        assert scores.empty
        assert list(scores.columns) == list(pipeline.warehouse.TABLES["customer_clv_scores"])
