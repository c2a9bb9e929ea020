"""Predictions on the warehouse marts: customer lifetime value and a daily revenue forecast.

``clv`` fits the BG/NBD purchase model and the Gamma-Gamma spend model (PyMC-Marketing) on
the BTYD summary; ``forecast`` forecasts daily net sales per currency (statsforecast) and
backtests it by rolling origin; ``warehouse`` reads the marts and writes the ``predictions``
schema the prediction marts select from; ``python -m predictions`` runs all of it.
"""
