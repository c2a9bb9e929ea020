"""The demand calendar: how busy each day and hour of the generated window is.

All times are int64 seconds since the Unix epoch, UTC. The daily weight combines a
weekly pattern (Saturday dip, Sunday peak), a seasonal curve (January/February low,
November/December peak), Black Friday / Cyber Monday and Christmas effects, a gentle
growth trend and a little day-to-day noise; the hour profile is a fixed UTC curve for a
shop selling mostly to North America and Europe.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

DAY = 86_400
HOUR = 3_600
MINUTE = 60

#: Monday .. Sunday demand multipliers.
WEEKDAY_FACTOR = np.array([1.04, 1.00, 0.98, 0.97, 0.93, 0.84, 1.16])
#: January .. December demand multipliers.
MONTH_FACTOR = np.array([0.84, 0.78, 0.88, 0.92, 0.95, 0.92, 0.90, 0.93, 0.96, 1.02, 1.34, 1.50])
#: UTC hour-of-day traffic profile (relative).
HOUR_PROFILE = np.array(
    [0.95, 0.80, 0.62, 0.46, 0.36, 0.31, 0.33, 0.42, 0.56, 0.70, 0.80, 0.88,
     0.97, 1.03, 1.09, 1.14, 1.19, 1.24, 1.30, 1.36, 1.42, 1.36, 1.22, 1.08]
)  # fmt: skip


def black_friday(year: int) -> np.datetime64:
    """Return Black Friday of ``year``: the day after the fourth Thursday of November (US)."""
    nov1 = np.datetime64(f"{year}-11-01", "D")
    weekday = (nov1.astype(np.int64) + 3) % 7  # 0 = Monday
    first_thursday = nov1 + np.timedelta64((3 - weekday) % 7, "D")
    return first_thursday + np.timedelta64(22, "D")


@dataclass(frozen=True)
class Calendar:
    """Demand weights per day of ``[start, end]`` and samplers of timestamps.

    Attributes:
        days: the window's days, ``datetime64[D]``, shape (n_days,).
        day_start: epoch seconds of each day's midnight UTC, shape (n_days,).
        weights: relative demand per day, shape (n_days,), all > 0.
        cum: cumulative weights with a leading 0, shape (n_days + 1,).
    """

    days: np.ndarray
    day_start: np.ndarray
    weights: np.ndarray
    cum: np.ndarray

    @classmethod
    def build(cls, start: np.datetime64, end: np.datetime64, rng: np.random.Generator) -> Calendar:
        """Build the calendar for ``start``..``end`` inclusive (dates).

        Args:
            start: first day, ``datetime64[D]``.
            end: last day, ``datetime64[D]``, not before ``start``.
            rng: generator for the day-to-day noise.
        """
        days = np.arange(start, end + np.timedelta64(1, "D"), dtype="datetime64[D]")
        d = days.astype(np.int64)
        weekday = (d + 3) % 7
        month = days.astype("datetime64[M]").astype(np.int64) % 12
        w = WEEKDAY_FACTOR[weekday] * MONTH_FACTOR[month]
        # growth of ~20% a year
        w = w * (1.0 + 0.20 * (d - d[0]) / 365.0)
        years = np.unique(days.astype("datetime64[Y]").astype(np.int64) + 1970)
        for y in years:
            bf = black_friday(int(y))
            for offset, factor in ((-7, 1.15), (-3, 1.25), (0, 3.0), (1, 2.0), (2, 1.8), (3, 2.6), (4, 1.4)):
                w[days == bf + np.timedelta64(offset, "D")] *= factor
            for md, factor in (("12-15", 1.2), ("12-16", 1.2), ("12-24", 0.7), ("12-25", 0.45), ("12-26", 0.9)):
                w[days == np.datetime64(f"{y}-{md}")] *= factor
        w = w * rng.lognormal(0.0, 0.06, size=w.shape)
        cum = np.concatenate([[0.0], np.cumsum(w)])
        return cls(days=days, day_start=d * DAY, weights=w, cum=cum)

    def reweighted(self, factor: np.ndarray) -> Calendar:
        """The same window with each day's weight multiplied by ``factor`` (shape (n_days,), >= 0)."""
        w = self.weights * factor
        return Calendar(days=self.days, day_start=self.day_start, weights=w, cum=np.concatenate([[0.0], np.cumsum(w)]))

    @property
    def n_days(self) -> int:
        """Number of days in the window."""
        return len(self.days)

    @property
    def start_ts(self) -> int:
        """Epoch seconds of the window's first midnight."""
        return int(self.day_start[0])

    @property
    def end_ts(self) -> int:
        """Epoch seconds just after the window (exclusive bound, the export time)."""
        return int(self.day_start[-1]) + DAY

    def position(self, ts: np.ndarray) -> np.ndarray:
        """Map epoch seconds to cumulative-demand coordinates (clipped to the window).

        Returns:
            float array, same shape as ``ts``, in ``[0, cum[-1]]``.
        """
        rel = np.clip((np.asarray(ts, dtype=np.int64) - self.start_ts) / DAY, 0.0, self.n_days)
        idx = np.minimum(rel.astype(np.int64), self.n_days - 1)
        return self.cum[idx] + self.weights[idx] * (rel - idx)

    def sample_hour_offsets(self, rng: np.random.Generator, n: int) -> np.ndarray:
        """Seconds after midnight following the hour profile, shape (n,)."""
        hours = rng.choice(24, size=n, p=HOUR_PROFILE / HOUR_PROFILE.sum())
        return hours * HOUR + rng.integers(0, HOUR, size=n)

    def sample(self, rng: np.random.Generator, n: int) -> np.ndarray:
        """Draw ``n`` timestamps following daily demand and the hour profile (epoch s, int64)."""
        day = np.searchsorted(self.cum, rng.random(n) * self.cum[-1], side="right") - 1
        day = np.clip(day, 0, self.n_days - 1)
        return self.day_start[day] + self.sample_hour_offsets(rng, n)

    def sample_between(self, rng: np.random.Generator, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
        """Draw one timestamp per row in ``[lo, hi)`` following daily demand.

        Args:
            rng: random generator.
            lo, hi: epoch seconds, same shape, ``hi > lo``; clipped to the window.

        Returns:
            int64 epoch seconds, same shape, each in ``[lo, hi - 1]``.
        """
        lo = np.asarray(lo, dtype=np.int64)
        hi = np.asarray(hi, dtype=np.int64)
        a, b = self.position(lo), self.position(hi)
        u = a + rng.random(lo.shape) * (b - a)
        day = np.clip(np.searchsorted(self.cum, u, side="right") - 1, 0, self.n_days - 1)
        t = self.day_start[day] + self.sample_hour_offsets(rng, lo.size).reshape(lo.shape)
        # The hour profile can push a boundary day's draw outside [lo, hi): redraw uniformly inside.
        bad = (t < lo) | (t >= hi)
        if bad.any():
            span = np.maximum(hi[bad] - lo[bad], 1)
            t[bad] = lo[bad] + (rng.random(int(bad.sum())) * span).astype(np.int64)
        return np.minimum(t, hi - 1)
