"""Fixtures shared by the unit tests."""

import pytest
from google.api_core.exceptions import NotFound


class FakeBigQuery:
    """The calls ``BigQueryBackend.ensure_raw_tables`` makes, over tables held in a dict.

    ``updated`` records each ``update_table`` call as (table id, fields, [(field name, mode), ...]).
    """

    def __init__(self, tables: dict):
        self.tables, self.updated = tables, []

    def create_dataset(self, *_, **__):
        return None

    def get_table(self, ref):
        if ref.table_id not in self.tables:
            raise NotFound(ref.table_id)
        return self.tables[ref.table_id]

    def create_table(self, table):
        self.tables[table.table_id] = table

    def update_table(self, table, fields):
        self.updated.append((table.table_id, tuple(fields), [(f.name, f.mode) for f in table.schema]))
        return table


@pytest.fixture
def fake_bigquery():
    """The class of a fake BigQuery client for ``ensure_raw_tables``: ``fake_bigquery({table_id: Table})``."""
    return FakeBigQuery
