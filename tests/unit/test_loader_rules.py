"""The contract's value rules (loaders.validation) evaluated by DuckDB, value by value.

Expected results are written by hand from the rules in the module docstring.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import duckdb
import pytest

from loaders.contract import Column, load_contract
from loaders.errors import SchemaMismatchError
from loaders.validation import check_json_keys, match_header, normalized_sql, reason_sql, typed_sql


def _col(type_: str, required: bool = False) -> Column:
    return Column(name="c", type=type_, required=required, pii=False, description="test column")


def _evaluate(column: Column, raw: str | None) -> tuple[object, str | None]:
    """(typed value, reason) of one raw text value under DuckDB, as the loader computes them."""
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    v = normalized_sql(column, "$1")
    t = typed_sql(column, v)
    r = reason_sql(column, v, t)
    return con.execute(f"SELECT {t}, {r}", [raw]).fetchone()


@pytest.mark.parametrize(
    ("type_", "raw", "value"),
    [
        ("integer", "42", 42),
        ("integer", " -7 ", -7),
        ("integer", "+3", 3),
        ("integer", "9223372036854775807", 9223372036854775807),
        ("integer", "-9223372036854775808", -9223372036854775808),
        ("integer", "0" * 25 + "7", 7),
        ("decimal", "19.99", Decimal("19.99")),
        ("decimal", "9999999999999999.99", Decimal("9999999999999999.99")),
        ("decimal", "5", Decimal("5.00")),
        ("decimal", "-0.5", Decimal("-0.50")),
        # unit prices and costs keep 4 decimals exactly (DECIMAL(18,4))
        ("decimal4", "2.0825", Decimal("2.0825")),
        ("decimal4", "19.99", Decimal("19.9900")),
        ("decimal4", "99999999999999.9999", Decimal("99999999999999.9999")),
        ("decimal4", "-0.0001", Decimal("-0.0001")),
        # keys: integers and the text ids of real exports, surrounding spaces trimmed
        ("key", "42", "42"),
        ("key", " 42 ", "42"),
        ("key", "INV-2016-152156", "INV-2016-152156"),
        ("key", "SKU-BO-10001798", "SKU-BO-10001798"),
        ("key", "gid://shopify/Order/450789469", "gid://shopify/Order/450789469"),
        ("key", "85123A", "85123A"),
        ("key", "Café №7", "Café №7"),
        ("key", "a b", "a b"),
        ("key", "k" * 255, "k" * 255),
        ("boolean", "TRUE", True),
        ("boolean", "no", False),
        ("boolean", "0", False),
        ("boolean", "Y", True),
        ("date", "2024-02-29", date(2024, 2, 29)),
        ("timestamp", "2024-03-01 10:00:00", datetime(2024, 3, 1, 10)),
        ("timestamp", "2024-03-01T10:00:00Z", datetime(2024, 3, 1, 10)),
        ("timestamp", "2024-03-01T10:00:00.250-05:00", datetime(2024, 3, 1, 15, 0, 0, 250000)),
        ("timestamp", "2024-03-01T00:30:00+0100", datetime(2024, 2, 29, 23, 30)),
        # the extreme offsets in use: Kiribati (+14:00) and Baker Island (-12:00)
        ("timestamp", "2024-03-01T14:00:00+14:00", datetime(2024, 3, 1)),
        ("timestamp", "2024-03-01T12:00:00-12:00", datetime(2024, 3, 2)),
        ("timestamp", "2024-03-01", datetime(2024, 3, 1)),
        ("string", " keep  spaces ", " keep  spaces "),
    ],
)
def test_valid_values_cast_exactly(type_, raw, value):
    assert _evaluate(_col(type_, required=True), raw) == (value, None)


INT_RANGE = "out of range for a 64-bit integer (-9223372036854775808 to 9223372036854775807)"
MONEY_RANGE = "out of range for money, DECIMAL(18,2) (at most 16 digits before the decimal point)"
OFFSET = "impossible UTC offset (offsets go from -12:00 to +14:00)"
PRICE_RANGE = "out of range for a unit price, DECIMAL(18,4) (at most 14 digits before the decimal point)"
KEY_FORM = "not a valid key (expected text without control characters)"


@pytest.mark.parametrize(
    ("type_", "raw", "reason"),
    [
        # a plain cast would round 12.5 to 13 and read 1e3 as 1000
        ("integer", "12.5", 'not a valid integer (expected a whole number): "12.5"'),
        ("integer", "1e3", 'not a valid integer (expected a whole number): "1e3"'),
        # 2^63 and -2^63-1: one past BIGINT / INT64 on each side
        ("integer", "9223372036854775808", f'{INT_RANGE}: "9223372036854775808"'),
        ("integer", "-9223372036854775809", f'{INT_RANGE}: "-9223372036854775809"'),
        ("integer", "1" + "0" * 30, f'{INT_RANGE}: "1{"0" * 30}"'),
        # 10^16: one past DECIMAL(18,2) / NUMERIC(18,2)
        ("decimal", "10000000000000000.00", f'{MONEY_RANGE}: "10000000000000000.00"'),
        ("decimal", "-12345678901234567", f'{MONEY_RANGE}: "-12345678901234567"'),
        # no place on Earth is 25 hours or 99 hours from UTC, nor 12:30 behind it
        ("timestamp", "2024-03-01T10:00:00+25:00", f'{OFFSET}: "2024-03-01T10:00:00+25:00"'),
        ("timestamp", "2024-03-01T10:00:00+99", f'{OFFSET}: "2024-03-01T10:00:00+99"'),
        ("timestamp", "2024-03-01T10:00-12:30", f'{OFFSET}: "2024-03-01T10:00-12:30"'),
        ("timestamp", "2024-03-01T10:00+05:75", f'{OFFSET}: "2024-03-01T10:00+05:75"'),
        # a plain cast to DECIMAL(18,2) would round 1.005 silently
        ("decimal", "1.005", 'not a valid decimal (expected a number with at most 2 decimal places): "1.005"'),
        ("decimal", "1,50", 'not a valid decimal (expected a number with at most 2 decimal places): "1,50"'),
        # a fifth decimal would be rounded by a cast to DECIMAL(18,4)
        ("decimal4", "2.08255", 'not a valid decimal4 (expected a number with at most 4 decimal places): "2.08255"'),
        ("decimal4", "100000000000000", f'{PRICE_RANGE}: "100000000000000"'),
        # control characters anywhere (a tab too, which is not trimmed), shown as U+FFFD
        ("key", "ORD\t1", f'{KEY_FORM}: "ORD\ufffd1"'),
        ("key", "\tORD-1", f'{KEY_FORM}: "\ufffdORD-1"'),
        ("key", "ORD-1\x00", f'{KEY_FORM}: "ORD-1\ufffd"'),
        ("key", "ORD\x851", f'{KEY_FORM}: "ORD\ufffd1"'),
        # 256 characters: one past the longest key; the reason quotes the first 80
        ("key", "k" * 256, 'key longer than 255 characters: "' + "k" * 80 + '"'),
        ("boolean", "maybe", 'not a valid boolean (expected true/false): "maybe"'),
        ("date", "2023-02-29", 'not a valid date (expected a date YYYY-MM-DD): "2023-02-29"'),
        ("date", "01/03/2024", 'not a valid date (expected a date YYYY-MM-DD): "01/03/2024"'),
        ("timestamp", "yesterday", 'not a valid timestamp (expected an ISO-8601 timestamp): "yesterday"'),
        ("timestamp", "2024-03-01 25:00", 'not a valid timestamp (expected an ISO-8601 timestamp): "2024-03-01 25:00"'),
    ],
)  # fmt: skip
def test_invalid_values_give_a_reason_and_no_value(type_, raw, reason):
    assert _evaluate(_col(type_), raw) == (None, reason)


@pytest.mark.parametrize("type_", ["integer", "key", "decimal4"])
@pytest.mark.parametrize("raw", [None, "", "   "])
def test_empty_is_missing_for_typed_columns(type_, raw):
    assert _evaluate(_col(type_, required=True), raw) == (None, "required value is empty")
    assert _evaluate(_col(type_, required=False), raw) == (None, None)


def test_empty_string_is_missing_but_blanks_are_text():
    assert _evaluate(_col("string", required=True), "") == (None, "required value is empty")
    assert _evaluate(_col("string", required=True), " ") == (" ", None)


def test_long_bad_values_are_cut_in_the_reason():
    value, reason = _evaluate(_col("integer"), "x" * 500)
    assert value is None
    assert reason == 'not a valid integer (expected a whole number): "' + "x" * 80 + '"'


ORDERS = load_contract().table("orders")


def test_header_in_another_order_maps_by_name():
    names = list(ORDERS.column_names)
    shuffled = names[1:] + names[:1]
    positions = match_header(ORDERS, ["\ufeff" + shuffled[0], *shuffled[1:]], "f.csv")
    # order_id (contract column 0) is the file's last column; every other column moved one left
    assert positions == (len(names) - 1, *range(len(names) - 1))


def test_a_may_be_absent_column_can_be_left_out_of_the_header():
    names = [n for n in ORDERS.column_names if n != "store_id"]
    positions = match_header(ORDERS, names, "f.csv")
    assert positions == (*range(len(names)), None)  # store_id, the contract's last column, is absent
    # a required column left out is still refused, and an absent store_id is not named with it
    with pytest.raises(SchemaMismatchError, match=r"missing column\(s\) status;|missing column\(s\) status\."):
        match_header(ORDERS, [n for n in names if n != "status"], "f.csv")


def test_header_mismatch_names_missing_unexpected_and_duplicated_columns():
    names = list(ORDERS.column_names)
    header = ["order_status" if n == "status" else n for n in names] + ["currency"]
    with pytest.raises(SchemaMismatchError) as e:
        match_header(ORDERS, header, "shop/orders/x.csv")
    msg = str(e.value)
    assert msg.startswith(
        "shop/orders/x.csv:1: header does not match the contract for shop.orders: missing column(s) status; "
        "unexpected column(s) 'order_status'; duplicated column(s) currency."
    )
    assert (e.value.file, e.value.line) == ("shop/orders/x.csv", 1)


def test_json_unknown_keys_refuse_the_file_at_the_first_line():
    events = load_contract().table("events")
    with pytest.raises(SchemaMismatchError) as e:
        check_json_keys(events, {"userAgent": 9, "pageUrl": 7}, "web/events/e.jsonl")
    assert e.value.line == 7
    assert str(e.value).startswith(
        "web/events/e.jsonl:7: keys do not match the contract for web.events: unexpected key(s) 'pageUrl', 'userAgent'."
    )
    check_json_keys(events, {}, "web/events/e.jsonl")  # every key known: no error


@pytest.mark.parametrize(
    ("type_", "raw", "reason"),
    [
        ("integer", "10", None),
        ("integer", "-10", None),
        ("integer", "11", 'outside the contract bound for c (min -10, max 10): "11"'),
        ("integer", "-11", 'outside the contract bound for c (min -10, max 10): "-11"'),
        ("integer", "9223372036854775807", 'outside the contract bound for c (min -10, max 10): "9223372036854775807"'),
        ("decimal", "10.00", None),
        ("decimal", "10.01", 'outside the contract bound for c (min -10, max 10): "10.01"'),
        ("decimal", "-10.01", 'outside the contract bound for c (min -10, max 10): "-10.01"'),
        # a value of the wrong form or beyond the warehouse type keeps its own reason
        ("integer", "1e3", 'not a valid integer (expected a whole number): "1e3"'),
        ("decimal", "10000000000000000.00", f'{MONEY_RANGE}: "10000000000000000.00"'),
        ("integer", "", None),
    ],
)  # fmt: skip
def test_contract_bounds_quarantine_values_outside_them(type_, raw, reason):
    column = Column(
        name="c", type=type_, required=False, pii=False, description="test column",
        minimum=Decimal(-10), maximum=Decimal(10),
    )  # fmt: skip
    assert _evaluate(column, raw)[1] == reason


def test_contract_bounds_keep_line_amounts_within_money():
    """quantity x unit price at the bounds fits DECIMAL(18,2) (at most 16 digits before the point)."""
    contract = load_contract()
    quantity = contract.table("order_items").column("quantity")
    money = [c for t in contract.tables for c in t.columns if c.type == "decimal"]
    assert money and all(c.minimum is not None and c.maximum is not None for c in money)
    worst = max(abs(quantity.minimum), quantity.maximum) * max(max(abs(c.minimum), c.maximum) for c in money)
    assert worst < Decimal("9999999999999999.99") / 9  # room for sums of a few extreme lines
