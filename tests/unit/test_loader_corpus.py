"""The loader's bad-input corpus: one case per kind of hostile or real-world-shaped input.

Every case is a small landing file whose lines are annotated by hand with what must become
of them: loaded (with its key), quarantined (line, column and a reason fragment), the CSV
header, blank, or the continuation of a multi-line record. From these annotations alone the
test derives rows read / loaded / rejected, the quarantine rows and the keys that must be in
``raw.<table>``, so each case also proves that no other row was lost or duplicated.

Row-level cases (a file that lands, possibly with quarantined rows) all go into one landing
directory loaded once per session, each case in its own file; file-level cases (a file
refused whole, a landing directory refused) run alone and assert the exit code and message
(file, line, column). Base files for the required feeds are in every landing directory.
"""

from __future__ import annotations

import contextlib
import gzip
import io
import json
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import duckdb
import pytest

from loaders import cli

ITEMS_HEADER = "order_item_id,order_id,product_id,quantity,unit_price,discount_amount,updated_at"
ORDERS_BASE = (
    "order_id,customer_id,status,currency,country_code,channel,utm_source,utm_medium,utm_campaign,discount_code,"
    "subtotal_amount,discount_amount,shipping_amount,tax_amount,total_amount,created_at,cancelled_at,returned_at,"
    "updated_at\n"
    "2001,601,delivered,EUR,FR,web,google,cpc,spring_sale,SPRING10,100.00,10.00,4.90,18.98,113.88,"
    "2024-03-01T09:15:00Z,,,2024-03-05T12:00:00Z\n"
)
ITEMS_BASE = f"{ITEMS_HEADER}\n1,2001,11,2,50.00,10.00,2024-03-05T12:00:00Z\n"
BASE_FILES = {"shop/orders/base.csv": ORDERS_BASE.encode(), "shop/order_items/base.csv": ITEMS_BASE.encode()}
BASE_KEYS = {"orders": {"2001"}, "order_items": {"1"}}

INT = 'not a valid integer (expected a whole number): "{}"'
DEC = 'not a valid decimal (expected a number with at most 2 decimal places): "{}"'
DEC4 = 'not a valid decimal4 (expected a number with at most 4 decimal places): "{}"'
TS = 'not a valid timestamp (expected an ISO-8601 timestamp): "{}"'


def item(key: int, *, qty: str = "1", price: str = "5.00", disc: str = "0.00", ts: str = "2024-03-05T12:00:00Z") -> str:
    """An order_items CSV line (order 2001, product 11) with the given values."""
    return f"{key},2001,11,{qty},{price},{disc},{ts}"


@dataclass(frozen=True)
class Line:
    """One physical line of a case file and what must become of it.

    ``kind``: ``header``, ``blank``, ``load`` (``key`` lands), ``quarantine`` (``column``
    and a ``reason`` fragment; one ``Line`` per failing column is given with ``extra``),
    ``continued`` (part of the multi-line record started on an earlier line).
    """

    text: str
    kind: str
    key: int | str | None = None
    column: str | None = None
    reason: str = ""
    extra: tuple[tuple[str | None, str], ...] = ()


def H(text: str = ITEMS_HEADER) -> Line:
    return Line(text, "header")


def L(text: str, key: int | str) -> Line:
    return Line(text, "load", key=key)


def Q(text: str, column: str | None, reason: str, *extra: tuple[str | None, str]) -> Line:
    return Line(text, "quarantine", column=column, reason=reason, extra=extra)


def B(text: str = "") -> Line:
    return Line(text, "blank")


def C(text: str) -> Line:
    return Line(text, "continued")


@dataclass(frozen=True)
class Case:
    """A corpus case: a file (``path`` under the landing directory) made of annotated lines.

    ``eol`` joins the lines (``None``: each ``Line.text`` carries its own line break),
    ``final_eol`` ends the file with one, ``encode`` turns the text into bytes (gzip, UTF-16...).
    """

    id: str
    path: str
    table: str
    lines: Sequence[Line]
    eol: str | None = "\n"
    final_eol: bool = True
    encode: Callable[[str], bytes] = field(default=lambda text: text.encode("utf-8"))

    def content(self) -> bytes:
        if self.eol is None:
            text = "".join(line.text for line in self.lines)
        else:
            text = self.eol.join(line.text for line in self.lines) + (self.eol if self.final_eol else "")
        return self.encode(text)

    def expected_counts(self) -> tuple[int, int, int]:
        loaded = sum(line.kind == "load" for line in self.lines)
        rejected = sum(line.kind == "quarantine" for line in self.lines)
        return loaded + rejected, loaded, rejected

    def expected_quarantine(self) -> list[tuple[int, str | None, str]]:
        out = []
        for number, line in enumerate(self.lines, start=1):
            if line.kind == "quarantine":
                out += [(number, col, reason) for col, reason in ((line.column, line.reason), *line.extra)]
        return sorted(out, key=lambda r: (r[0], r[1] or ""))

    def expected_keys(self) -> set:
        return {line.key for line in self.lines if line.kind == "load"}


KEY_COLUMN = {
    "order_items": "order_item_id",
    "orders": "order_id",
    "customers": "customer_id",
    "events": "event_id",
    "products": "product_id",
}


# ------------------------------------------------------------------------------------------ row-level cases
def _items(n: int, *lines: Line, path: str | None = None, **kw) -> Case:
    """An order_items case numbered ``n`` (keys n*100+...)."""
    return Case(
        id=kw.pop("id"), path=path or f"shop/order_items/case-{n:03d}.csv", table="order_items", lines=lines, **kw
    )


ROW_CASES: list[Case] = [
    _items(1, H(), L(item(101), 101), L(item(102), 102), id="clean LF file"),
    _items(2, H(), L(item(201), 201), L(item(202), 202), id="CRLF line breaks", eol="\r\n"),
    _items(
        3,
        H(ITEMS_HEADER + "\r\n"),
        L(item(301) + "\r\n", 301),
        L(item(302) + "\n", 302),
        L(item(303) + "\r\n", 303),
        L(item(304) + "\n", 304),
        id="mixed LF and CRLF line breaks",
        eol=None,
    ),
    _items(4, H(), L(item(401), 401), L(item(402), 402), id="CR-only line breaks (classic Mac)", eol="\r"),
    _items(5, H(), L(item(501), 501), L(item(502), 502), id="no line break at the end of the file", final_eol=False),
    _items(6, H(), L(item(601), 601), id="UTF-8 byte-order mark", encode=lambda t: b"\xef\xbb\xbf" + t.encode()),
    _items(7, H(), B(), L(item(701), 701), B(), B(), L(item(702), 702), B(), id="blank lines anywhere"),
    _items(
        8,
        H(),
        L(item(801), 801),
        L(item(802), 802),
        id="gzip-compressed",
        path="shop/order_items/case-008.csv.gz",
        encode=lambda t: gzip.compress(t.encode()),
    ),
    _items(
        9,
        H(),
        L(item(901), 901),
        L(item(902), 902),
        id="gzip with several members (concatenated archives)",
        path="shop/order_items/case-009.csv.gz",
        encode=lambda t: (
            gzip.compress(t[: t.index("\n") + 1].encode()) + gzip.compress(t[t.index("\n") + 1 :].encode())
        ),
    ),
    _items(
        10,
        H(),
        L(item(1001), 1001),
        id="gzip content without a .gz name",
        path="shop/order_items/case-010.csv",
        encode=lambda t: gzip.compress(t.encode()),
    ),
    _items(
        11,
        H(),
        L(item(1101), 1101),
        L(item(1102), 1102),
        id="file name with * ? [ ] (literal, not a glob)",
        path="shop/order_items/case-011 [x]*?.csv",
    ),  # fmt: skip
    _items(12, H(), L(item(1201), 1201), id="file name with quote and spaces", path="shop/order_items/case '012'.csv"),
    _items(
        13, H(), L(item(1301), 1301), id="file name with non-ASCII characters", path="shop/order_items/café-013.csv"
    ),
    _items(
        14,
        H("discount_amount,updated_at,order_item_id,order_id,product_id,quantity,unit_price"),
        L("0.00,2024-03-05T12:00:00Z,1401,2001,11,1,5.00", 1401),
        id="header columns in another order",
    ),
    _items(
        15,
        H(),
        Q(item(1501, qty="1O"), "quantity", INT.format("1O")),
        L(item(1502), 1502),
        id="letter O in an integer",
    ),
    _items(16, H(), Q(item(1601, disc="0.001"), "discount_amount", DEC.format("0.001")), id="three decimals in money"),
    _items(
        27,
        H(),
        L(item(2701, price="2.0825"), 2701),
        Q(item(2702, price="2.08255"), "unit_price", DEC4.format("2.08255")),
        id="four decimals in a unit price load, five do not",
    ),
    _items(
        17,
        H(),
        Q(item(1701, ts="2024-02-30T12:00:00Z"), "updated_at", TS.format("2024-02-30T12:00:00Z")),
        id="impossible calendar date",
    ),
    _items(18, H(), Q("1801,2001,11,1,5.00,0.00", None, "wrong column count: expected 7, found 6"), id="missing field"),
    _items(19, H(), Q(item(1901) + ",extra", None, "wrong column count: expected 7, found 8"), id="one field too many"),
    _items(
        20,
        H(),
        Q(item(2001).replace("2001,11", "\xe92001,11"), None, "invalid UTF-8"),
        L(item(2002), 2002),
        id="Latin-1 byte in a UTF-8 file",
        encode=lambda t: t.encode("utf-8").replace(b"\xc3\xa9", b"\xe9"),
    ),
    _items(21, H(), L(item(2101), 2101), id="a single data row"),
    _items(22, H(), id="header only: zero rows"),
    _items(
        23,
        H(),
        Q("2301,2001,11,,5.00,0.00,2024-03-05T12:00:00Z", "quantity", "required value is empty"),
        id="empty required value",
    ),
    _items(
        24,
        H(),
        L('2401,2001,11,1,"5.00","0.00","2024-03-05T12:00:00Z"', 2401),
        L('"2402","2001","11","1","5.00","0.00","2024-03-05T12:00:00Z"', 2402),
        id="every field quoted (spreadsheet export)",
    ),
    _items(25, H(), L(item(2501, qty=" 3 ", price=" 5.00"), 2501), id="blanks around numbers are trimmed"),
    _items(
        26,
        H(),
        L(item(2601, ts="2024-03-05 12:00:00+02:00"), 2601),
        L(item(2602, ts="2024-03-05T12:00"), 2602),
        L(item(2603, ts="2024-03-05"), 2603),
        id="timestamp spellings (offset, no seconds, date only)",
    ),
]


PRODUCTS_HEADER = "product_id,sku,title,category,subcategory,brand,price,cost,currency,is_active,created_at,updated_at"
STRAY = 'malformed CSV quoting: a quote (") inside an unquoted field'
AFTER = 'malformed CSV quoting: text after the closing quote (") of a quoted field'
UNTERMINATED = "malformed CSV quoting: a quoted field opened on this line is never closed"


def product(key: int, title: str = "Mug") -> str:
    """A products CSV line with the given (already quoted, if need be) title."""
    return f"{key},SKU-{key},{title},home,,Acme,9.99,4.00,EUR,true,2024-01-01,2024-01-01"


def _products(n: int, *lines: Line, **kw) -> Case:
    """A products case numbered ``n`` (keys n*100+...)."""
    return Case(id=kw.pop("id"), path=f"shop/products/case-{n:03d}.csv", table="products", lines=lines, **kw)


ROW_CASES += [
    _products(
        40,
        H(PRODUCTS_HEADER),
        L(product(4001), 4001),
        Q(product(4002, '27" monitor'), "title", STRAY + " (field 3)"),
        L(product(4003), 4003),
        L(product(4004), 4004),
        id='stray quote in an unquoted field (27" monitor) affects its line only',
    ),
    _products(
        41,
        H(PRODUCTS_HEADER),
        Q(product(4101, '27" and 32" monitors'), "title", STRAY + " (field 3)"),
        L(product(4102), 4102),
        id="two stray quotes on one line (even count)",
    ),
    _products(
        42,
        H(PRODUCTS_HEADER),
        L(product(4201), 4201),
        Q(product(4202, '"Mug, large'), "title", UNTERMINATED + ' (unterminated quote ") (field 3)'),
        L(product(4203), 4203),
        L(product(4204), 4204),
        id="unterminated quote does not hide the rows after it",
    ),
    _products(
        43,
        H(PRODUCTS_HEADER),
        L(product(4301), 4301),
        Q(product(4302, '"Mug"large'), "title", AFTER + " (field 3)"),
        L(product(4303), 4303),
        id="text after a closing quote",
    ),
    _products(
        44,
        H(PRODUCTS_HEADER),
        L(product(4401, '"Mug\nwith a line break"').split("\n")[0], 4401),
        C(product(4401, '"Mug\nwith a line break"').split("\n")[1]),
        L(product(4402), 4402),
        id="line break inside a quoted field",
    ),
    _products(
        45,
        H(PRODUCTS_HEADER + "\n"),
        L(product(4501, '"Mug\r\nwith CRLF inside"').split("\r\n")[0] + "\r\n", 4501),
        C(product(4501, '"Mug\r\nwith CRLF inside"').split("\r\n")[1] + "\n"),
        L(product(4502) + "\n", 4502),
        id="CRLF inside a quoted field of an LF file",
        eol=None,
    ),
    _products(
        46,
        H(PRODUCTS_HEADER),
        L(product(4601, '"Mug, ""the"" best"'), 4601),
        id="doubled quotes and a comma inside a quoted field",
    ),
    _products(
        47,
        H(PRODUCTS_HEADER),
        L('4701,SKU-4701,"a', 4701),
        C(""),
        C('b",home,,Acme,9.99,4.00,EUR,true,2024-01-01,2024-01-01'),
        id="blank line inside a quoted field",
    ),
    _products(
        48,
        H(PRODUCTS_HEADER),
        Q(product(4801, '"Mug'), "title", UNTERMINATED),
        L(product(4802), 4802),
        Q(product(4803, 'Cup"'), "title", STRAY),
        L(product(4804), 4804),
        id="an unterminated quote and a later stray quote are not paired into one record",
    ),
    _products(
        49,
        H(PRODUCTS_HEADER),
        L(product(4901), 4901),
        Q(product(4902, '"never closed'), "title", UNTERMINATED),
        id="unterminated quote on the last line",
        final_eol=False,
    ),
]


INT_RANGE = "out of range for a 64-bit integer"
MONEY_RANGE = "out of range for money, DECIMAL(18,2)"
PRICE_RANGE = "out of range for a unit price, DECIMAL(18,4)"
OFFSET = "impossible UTC offset (offsets go from -12:00 to +14:00)"

ROW_CASES += [
    _items(
        60,
        H(),
        Q(item(6001, qty="9223372036854775808"), "quantity", INT_RANGE),
        L(item(6002, qty="9223372036854775807"), 6002),
        L(item(6003), 6003),
        id="integer overflow beyond BIGINT/INT64",
    ),
    _items(
        61,
        H(),
        Q(item(6101, disc="12345678901234567.00"), "discount_amount", MONEY_RANGE),
        L(item(6102, disc="9999999999999999.99"), 6102),
        Q(item(6103, price="123456789012345.00"), "unit_price", PRICE_RANGE),
        L(item(6104, price="99999999999999.9999"), 6104),
        id="amount beyond DECIMAL(18,2), unit price beyond DECIMAL(18,4)",
    ),
    _items(
        62,
        H(),
        Q(item(6201, ts="2024-03-05T12:00:00+25:00"), "updated_at", OFFSET),
        Q(item(6202, ts="2024-03-05T12:00:00+99"), "updated_at", OFFSET),
        L(item(6203, ts="2024-03-05T12:00:00+14:00"), 6203),
        id="impossible UTC offsets (+25:00, +99)",
    ),
    _items(
        63,
        H(),
        Q(
            "6301,2001,11,1e3,5.00001,,2024-13-01",
            "quantity",
            INT.format("1e3"),
            ("unit_price", DEC4.format("5.00001")),
            ("discount_amount", "required value is empty"),
            ("updated_at", TS.format("2024-13-01")),
        ),
        L(item(6302), 6302),
        id="every problem of a line reported at once",
    ),
    _items(64, H(), Q(item(6401, qty="-"), "quantity", INT.format("-")), id="a lone sign is not a number"),
    _items(
        65,
        H(),
        Q(item(6501, price="1,50"), None, "wrong column count: expected 7, found 8"),
        L(item(6502, price='"1.50"'), 6502),
        id="decimal comma splits the line; quoted dot decimal loads",
    ),
    _items(66, H(), Q(item(6601, price="€5.00"), "unit_price", DEC4.format("€5.00")), id="currency symbol in a price"),
    _items(
        67,
        H(),
        Q(item(6701, ts="05/03/2024 12:00"), "updated_at", TS.format("05/03/2024 12:00")),
        id="day/month/year timestamp",
    ),
    _items(
        68,
        H(),
        Q(item(6801, qty="NaN"), "quantity", INT.format("NaN")),
        Q(item(6802, price="Infinity"), "unit_price", DEC4.format("Infinity")),
        id="NaN and Infinity",
    ),
]


def event(key: str, **values: object) -> str:
    """A JSON-lines event with the required keys and ``values``."""
    base = {"event_id": key, "event_name": "page_view", "event_timestamp": "2024-03-01T10:00:00Z", "anonymous_id": "a1"}
    return json.dumps({**base, **values})


def _events(n: int, *lines: Line, **kw) -> Case:
    return Case(id=kw.pop("id"), path=f"web/events/case-{n:03d}.jsonl", table="events", lines=lines, **kw)


ROW_CASES += [
    _events(
        70,
        # ids are keys (text): a number beyond 64 bits is a key like any other
        L(event("e7001", order_id=9223372036854775808), "e7001"),
        L(event("e7002", order_id=9223372036854775807), "e7002"),
        id="JSON integer beyond 64 bits as a key",
    ),
    _events(
        71,
        L(event("e7101", order_id=12.5), "e7101"),
        L(event("e7102", customer_id="1e3"), "e7102"),
        L(event("e7103", order_id="42"), "e7103"),
        L(event("e7104", order_id=42), "e7104"),
        id="JSON number and string forms of keys",
    ),
    _events(
        72,
        Q(event("e7201", event_timestamp="2024-03-01T10:00:00+25:00"), "event_timestamp", OFFSET),
        id="JSON timestamp with an impossible offset",
    ),
    _events(
        73,
        L(event("e7301") + "\r", "e7301"),
        L(event("e7302"), "e7302"),
        id="JSON lines with CRLF",
        eol="\n",
    ),
    _events(
        74,
        Q(event("e7401") + ' {"event_id": "e7402"}', None, "invalid JSON"),
        L(event("e7403"), "e7403"),
        id="two JSON objects on one line",
    ),
    _events(
        75, Q("[]", None, "not a JSON object"), Q('"text"', None, "not a JSON object"), id="JSON scalars and arrays"
    ),
    _events(
        76,
        L(event("e7601", page_url='/caf\u00e9?q="x"'), "e7601"),
        L(
            json.dumps(
                {
                    "event_id": "e7602",
                    "event_name": "page_view",
                    "event_timestamp": "2024-03-01T10:00:00Z",
                    "anonymous_id": "a1",
                    "page_url": "/naïve",
                },
                ensure_ascii=False,
            ),
            "e7602",
        ),
        id="JSON escapes and raw UTF-8",
    ),  # fmt: skip
]


ROW_CASES += [
    _items(
        80,
        H(),
        Q("   ", None, "wrong column count: expected 7, found 1"),
        L(item(8001), 8001),
        id="a line of spaces is not blank",
    ),
    _items(
        81,
        H(),
        Q(
            ",,,,,,",
            "order_item_id",
            "required value is empty",
            *[(c, "required value is empty") for c in ("discount_amount", "order_id", "product_id", "quantity")],
            *[(c, "required value is empty") for c in ("unit_price", "updated_at")],
        ),
        id="a line of empty fields",
    ),
    _items(82, H(), Q(item(8201, qty='"1,000"'), "quantity", INT.format("1,000")), id="thousands separator in quotes"),
    _items(
        83,
        H(),
        L(item(8301, qty="-2"), 8301),
        L(item(8302, ts="9999-12-31T23:59:59Z"), 8302),
        id="negative quantity and far-future date land (business rules are dbt's)",
    ),
    _items(
        84,
        H(),
        Q(item(8401, ts="2024-03-05T12:00:00.1234567Z"), "updated_at", TS.format("2024-03-05T12:00:00.1234567Z")),
        Q(item(8402, ts="2024-06-30T23:59:60Z"), "updated_at", TS.format("2024-06-30T23:59:60Z")),
        id="sub-microsecond fraction and leap second",
    ),
    _items(
        85,
        H('"order_item_id","order_id","product_id","quantity","unit_price","discount_amount","updated_at"'),
        L(item(8501), 8501),
        id="quoted header names",
    ),
    _items(
        86,
        H(" order_item_id , order_id,product_id,quantity,unit_price,discount_amount,updated_at "),
        L(item(8601), 8601),
        id="blanks around header names",
    ),  # fmt: skip
    _items(
        87,
        H(),
        L(item(8701).replace("2001,11", "2001,11") + "\r", 8701),
        id="CR left at the end of the last line of an LF file",
        final_eol=False,
    ),
    _items(
        88,
        H(),
        L(item(8801), 8801),
        id="gzip of a CRLF file",
        path="shop/order_items/case-088.csv.gz",
        eol="\r\n",
        encode=lambda t: gzip.compress(t.encode()),
    ),
    _products(
        89,
        H(PRODUCTS_HEADER),
        L(product(8901, "Mug\u2028Cup"), 8901),
        L(product(8902, "Tab\there"), 8902),
        id="Unicode line separator and a tab inside a field stay in the value",
    ),
    _products(
        90,
        H(PRODUCTS_HEADER),
        L(product(9001, '"a ""quoted"" title"'), 9001),
        L(product(9002, '"Mug"'), 9002),
        id="quoted field holding escaped quotes",
    ),
    _events(
        91,
        L(event("e9101", customer_id=True), "e9101"),
        Q(event("e9102", order_id=[1]), "order_id", "expected a scalar value, got a JSON object or array"),
        id="JSON boolean and array where a key is expected",
    ),
    _events(
        92,
        L("   " + event("e9201"), "e9201"),
        L(event("e9202")[:-1] + ",}", "e9202"),  # DuckDB's JSON reader tolerates a trailing comma
        Q("// comment", None, "invalid JSON"),
        id="JSON with leading blanks, a trailing comma (tolerated), a comment",
    ),
    _events(
        93,
        L(event("e9301"), "e9301"),
        id="JSON lines with a byte-order mark",
        encode=lambda t: b"\xef\xbb\xbf" + t.encode(),
    ),
    _events(
        94,
        Q(
            json.dumps({"event_id": "e9401", "event_name": "page_view", "anonymous_id": "a1"}),
            "event_timestamp",
            "required value is empty",
        ),
        L(event("e9402", session_id=None), "e9402"),
        id="JSON required key absent; optional key null",
    ),  # fmt: skip
]


# ------------------------------------------------------------------------------------------ file-level cases
@dataclass(frozen=True)
class FileCase:
    """A landing directory (base files + ``files``) whose load must end with ``exit_code`` and ``message``."""

    id: str
    files: dict[str, bytes]
    exit_code: int
    message: str
    failed: tuple[str, ...] = ()
    args: tuple[str, ...] = ()


def _gz_with_bad_crc(text: str) -> bytes:
    data = bytearray(gzip.compress(text.encode()))
    data[-8] ^= 0xFF  # CRC-32 of the trailer
    return bytes(data)


ITEMS_TEXT = ITEMS_HEADER + "\n" + "\n".join(item(k) for k in range(9001, 9041)) + "\n"

FILE_CASES: list[FileCase] = [
    FileCase(
        "gzip CRC error",
        {"shop/order_items/crc.csv.gz": _gz_with_bad_crc(ITEMS_TEXT)},
        3,
        "shop/order_items/crc.csv.gz: corrupt gzip data (CRC check failed: the content does not match its checksum)",
        failed=("shop/order_items/crc.csv.gz",),
    ),
    FileCase(
        "truncated gzip",
        {"shop/order_items/cut.csv.gz": gzip.compress(ITEMS_TEXT.encode())[:-30]},
        3,
        "shop/order_items/cut.csv.gz: truncated gzip data (the archive ends before its end marker)",
        failed=("shop/order_items/cut.csv.gz",),
    ),
    FileCase(
        ".gz name, plain content",
        {"shop/order_items/plain.csv.gz": ITEMS_TEXT.encode()},
        3,
        "shop/order_items/plain.csv.gz: named .gz but its content is not gzip-compressed",
        failed=("shop/order_items/plain.csv.gz",),
    ),
    FileCase(
        "zip archive",
        {"shop/order_items/zipped.csv": b"PK\x03\x04" + b"\x00" * 40},
        3,
        "shop/order_items/zipped.csv: zip-compressed content: the loaders read plain or gzip-compressed text",
        failed=("shop/order_items/zipped.csv",),
    ),
    FileCase(
        "empty file",
        {"shop/order_items/empty.csv": b""},
        3,
        "shop/order_items/empty.csv: file is empty (0 bytes)",
        failed=("shop/order_items/empty.csv",),
    ),
    FileCase(
        "only blank lines",
        {"shop/order_items/blank.csv": b"\n\r\n\n"},
        3,
        "shop/order_items/blank.csv: file has no content (only blank lines)",
        failed=("shop/order_items/blank.csv",),
    ),
    FileCase(
        "renamed header column",
        {"shop/order_items/renamed.csv": ITEMS_TEXT.replace("quantity", "qty", 1).encode()},
        3,
        "shop/order_items/renamed.csv:1: header does not match the contract for shop.order_items: "
        "missing column(s) quantity; unexpected column(s) 'qty'",
        failed=("shop/order_items/renamed.csv",),
    ),
    FileCase(
        "UTF-16 file",
        {"shop/order_items/utf16.csv": ITEMS_TEXT.encode("utf-16")},
        3,
        "shop/order_items/utf16.csv:1: header line is unreadable: invalid UTF-8",
        failed=("shop/order_items/utf16.csv",),
    ),
    FileCase(
        "unknown JSON key",
        {"web/events/keys.jsonl": b'{"event_id": "e1", "pageUrl": "/"}\n'},
        3,
        "web/events/keys.jsonl:1: keys do not match the contract for web.events: unexpected key(s) 'pageUrl'",
        failed=("web/events/keys.jsonl",),
    ),
    FileCase(
        "semicolon-delimited export",
        {"shop/order_items/semi.csv": ITEMS_TEXT.replace(",", ";").encode()},
        3,
        "shop/order_items/semi.csv:1: header does not match the contract for shop.order_items: missing column(s) "
        "order_item_id, order_id, product_id, quantity, unit_price, discount_amount, updated_at",
        failed=("shop/order_items/semi.csv",),
    ),
    FileCase(
        "duplicated header column",
        {"shop/order_items/dup.csv": (ITEMS_HEADER + ",quantity\n").encode()},
        3,
        "shop/order_items/dup.csv:1: header does not match the contract for shop.order_items: "
        "duplicated column(s) quantity",
        failed=("shop/order_items/dup.csv",),
    ),
    FileCase(
        "header names in another letter case",
        {"shop/order_items/case.csv": ITEMS_TEXT.replace("order_item_id", "Order_Item_ID", 1).encode()},
        3,
        "shop/order_items/case.csv:1: header does not match the contract for shop.order_items: "
        "missing column(s) order_item_id; unexpected column(s) 'Order_Item_ID'",
        failed=("shop/order_items/case.csv",),
    ),
    FileCase(
        "stray quote in the header",
        {"shop/order_items/hq.csv": ('order_item_id,order"_id' + ITEMS_TEXT[len("order_item_id,order_id") :]).encode()},
        3,
        "shop/order_items/hq.csv:1: header line: malformed CSV quoting",
        failed=("shop/order_items/hq.csv",),
    ),
    FileCase(
        "bzip2 archive",
        {"shop/order_items/b.csv": b"BZh91AY&SY" + b"\x00" * 30},
        3,
        "shop/order_items/b.csv: bzip2-compressed content",
        failed=("shop/order_items/b.csv",),
    ),
    FileCase(
        "file name in upper case is not claimed (warned, not loaded)",
        {"shop/order_items/UPPER.CSV": ITEMS_TEXT.encode()},
        0,
        "",
    ),
    FileCase(
        "glob characters do not pull in other files",
        {
            "shop/order_items/[ab].csv": ITEMS_TEXT.encode(),
            "shop/order_items/a.csv": f"{ITEMS_HEADER}\n{item(9901)}\n".encode(),
        },
        0,
        "",
    ),
]


# ------------------------------------------------------------------------------------------ harness
def _write(root: Path, files: dict[str, bytes]) -> None:
    for rel, data in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)


def _run(argv: list[str], capsys: pytest.CaptureFixture) -> tuple[int, dict | None, str]:
    code = cli.main([*argv, "--json"])
    out, err = capsys.readouterr()
    return code, json.loads(out) if out.strip() else None, err


def _rows(db: Path, sql: str, params: Sequence = ()) -> list[tuple]:
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(sql, list(params)).fetchall()


@pytest.fixture(scope="module")
def row_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[int, Path, dict]:
    """All row-level cases in one landing directory, loaded once: (exit code, warehouse, JSON summary)."""
    root = tmp_path_factory.mktemp("corpus") / "landing"
    _write(root, BASE_FILES)
    _write(root, {case.path: case.content() for case in ROW_CASES})
    db = root.parent / "warehouse.duckdb"
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        code = cli.main(["load", "--source-dir", str(root), "--database", str(db), "--json"])
    return code, db, json.loads(out.getvalue())


def test_row_level_run_exits_0_and_reconciles(row_run):
    code, db, summary = row_run
    assert code == 0 and summary["exit_code"] == 0
    # the base files and every case file, each once; keys never duplicated
    for table, key in KEY_COLUMN.items():
        assert _rows(db, f"SELECT count(*) - count(DISTINCT {key}) FROM raw.{table}") == [(0,)]
    assert _rows(db, "SELECT order_item_id FROM raw.order_items WHERE _source_file = 'shop/order_items/base.csv'") == [
        ("1",)
    ]


@pytest.mark.parametrize("case", ROW_CASES, ids=[c.id for c in ROW_CASES])
def test_row_case(case: Case, row_run):
    _, db, summary = row_run
    (result,) = [f for f in summary["files"] if f["source_file"] == case.path]
    assert result["lines_read"] == len(case.lines)  # every physical line: header, blank, or a record's
    audit = _rows(
        db,
        "SELECT status, rows_read, rows_loaded, rows_rejected FROM raw._load_audit WHERE source_file = ?",
        [case.path],
    )
    assert audit == [("loaded", *case.expected_counts())]
    key = KEY_COLUMN[case.table]
    keys = _rows(db, f"SELECT {key} FROM raw.{case.table} WHERE _source_file = ?", [case.path])
    assert sorted(k for (k,) in keys) == sorted(str(k) for k in case.expected_keys())  # nothing lost, nothing twice
    quarantine = _rows(
        db,
        "SELECT line_number, column_name, reason FROM raw._quarantine WHERE source_file = ? ORDER BY 1, 2 NULLS FIRST",
        [case.path],
    )
    expected = case.expected_quarantine()
    assert [(n, c) for n, c, _ in quarantine] == [(n, c) for n, c, _ in expected]
    for (_, _, reason), (_, _, fragment) in zip(quarantine, expected, strict=True):
        assert fragment in reason


@pytest.mark.parametrize("case", FILE_CASES, ids=[c.id for c in FILE_CASES])
def test_file_case(case: FileCase, tmp_path, capsys):
    root = tmp_path / "landing"
    _write(root, {**BASE_FILES, **case.files})
    db = tmp_path / "warehouse.duckdb"
    code, summary, err = _run(["load", "--source-dir", str(root), "--database", str(db), *case.args], capsys)
    assert code == case.exit_code, err
    if case.message:
        assert f"error: {case.message}" in err
    assert "Traceback" not in err
    if summary is not None and "files" in summary:
        failed = sorted(f["source_file"] for f in summary["files"] if f["status"] == "failed")
        assert failed == sorted(case.failed)
        loaded = {f["source_file"]: f for f in summary["files"] if f["status"] == "loaded"}
        # the other files landed whole: base rows once, and every file's rows reconcile
        assert all(f["rows_read"] == f["rows_loaded"] + f["rows_rejected"] for f in loaded.values())
        for table, keys in BASE_KEYS.items():
            got = _rows(db, f"SELECT {KEY_COLUMN[table]} FROM raw.{table} WHERE _source_file LIKE '%base.csv'")
            assert {k for (k,) in got} == keys


def test_glob_characters_land_each_file_once(tmp_path, capsys):
    """``[ab].csv`` is one file: ``a.csv``'s row lands once, from ``a.csv`` only."""
    case = next(c for c in FILE_CASES if c.id.startswith("glob"))
    root = tmp_path / "landing"
    _write(root, {**BASE_FILES, **case.files})
    db = tmp_path / "warehouse.duckdb"
    assert cli.main(["load", "--source-dir", str(root), "--database", str(db), "--quiet"]) == 0
    assert _rows(db, "SELECT _source_file, count(*) FROM raw.order_items GROUP BY 1 ORDER BY 1") == [
        ("shop/order_items/[ab].csv", 40),
        ("shop/order_items/a.csv", 1),
        ("shop/order_items/base.csv", 1),
    ]


# ------------------------------------------------------------------------------------------ links
def _landing_with(tmp_path: Path, files: dict[str, bytes]) -> tuple[Path, Path]:
    root = tmp_path / "landing"
    _write(root, {**BASE_FILES, **files})
    return root, tmp_path / "warehouse.duckdb"


def test_link_to_a_system_file_is_refused(tmp_path, capsys):
    root, db = _landing_with(tmp_path, {})
    secret = tmp_path / "outside" / "passwd"
    secret.parent.mkdir()
    secret.write_text(f"{ITEMS_HEADER}\n{item(9501)}\nroot:x:0:0:root:/root:/bin/bash\n")
    (root / "shop/order_items/passwd.csv").symlink_to(secret)
    code, summary, err = _run(["load", "--source-dir", str(root), "--database", str(db)], capsys)
    assert code == 3
    assert (
        f"error: shop/order_items/passwd.csv: symbolic link leading outside the landing directory (to {secret}): "
        "refused, nothing read"
    ) in err
    assert [f["source_file"] for f in summary["files"] if f["status"] == "failed"] == ["shop/order_items/passwd.csv"]
    assert _rows(db, "SELECT count(*) FROM raw.order_items WHERE order_item_id = 9501") == [(0,)]
    assert _rows(db, "SELECT count(*) FROM raw._quarantine") == [(0,)]  # not a line of it was read


def test_a_linked_directory_leaving_the_landing_directory_is_refused(tmp_path, capsys):
    root, db = _landing_with(tmp_path, {})
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    (outside / "x.csv").write_text(f"{ITEMS_HEADER}\n{item(9601)}\n")
    (root / "shop/customers").symlink_to(outside, target_is_directory=True)
    code, _, err = _run(["load", "--source-dir", str(root), "--database", str(db)], capsys)
    assert code == 3 and "error: shop/customers/x.csv: symbolic link leading outside the landing directory" in err


def test_links_inside_the_landing_directory_are_followed_once(tmp_path, capsys):
    root, db = _landing_with(tmp_path, {"archive/items-2024.csv": f"{ITEMS_HEADER}\n{item(9701)}\n".encode()})
    (root / "shop/order_items/items-2024.csv").symlink_to(root / "archive/items-2024.csv")
    (root / "shop/order_items/base-again.csv").symlink_to(root / "shop/order_items/base.csv")
    code, _, err = _run(["load", "--source-dir", str(root), "--database", str(db)], capsys)
    assert code == 3
    assert (
        "error: shop/order_items/base-again.csv: symbolic link to shop/order_items/base.csv, "
        "which is loaded under its own name: refused, so its rows do not land twice"
    ) in err
    assert _rows(db, "SELECT _source_file, order_item_id FROM raw.order_items ORDER BY 2") == [
        ("shop/order_items/base.csv", "1"),
        ("shop/order_items/items-2024.csv", "9701"),
    ]


# ------------------------------------------------------------------------------------------ PII in quarantine
CUSTOMERS_HEADER = (
    "customer_id,email,first_name,last_name,phone,country_code,city,accepts_marketing,created_at,updated_at"
)
PII_FILE = "shop/customers/pii.csv"
PII_LINES = [
    CUSTOMERS_HEADER,
    "1,ann@example.com,Ann,Lee,+33612345678,FR,Paris,true,2024-01-01,2024-01-02",
    '2,bob@example.com,Bob,"O\'Neil, Jr",+33600000000,FR,Lyon,maybe,2024-01-01,2024-01-02',
    "3,cy@example.com,Cy,Ng,,FR,Nice,true,2024-01-01",
    '4,"dee@example.com,Dee,Ko,,FR,Metz,true,2024-01-01,2024-01-02',
]


def test_pii_is_masked_in_the_quarantine_on_duckdb(tmp_path, capsys):
    root, db = _landing_with(tmp_path, {PII_FILE: ("\n".join(PII_LINES) + "\n").encode()})
    assert cli.main(["load", "--source-dir", str(root), "--database", str(db), "--quiet"]) == 0
    quarantine = _rows(db, "SELECT line_number, column_name, raw_line FROM raw._quarantine ORDER BY 1")
    assert quarantine == [
        # the fields are known: only email, first_name, last_name and phone are masked
        (3, "accepts_marketing", "2,***,***,***,***,FR,Lyon,maybe,2024-01-01,2024-01-02"),
        # a wrong column count or an open quote: the fields are not known, every letter and digit is hidden
        (4, None, "*,**@*******.***,**,**,,**,****,****,****-**-**"),
        (5, "email", '*,"***@*******.***,***,**,,**,****,****,****-**-**,****-**-**'),
    ]
    assert _rows(db, "SELECT email FROM raw.customers") == [("ann@example.com",)]  # raw keeps what landed


def test_pii_is_masked_in_the_quarantine_sent_to_bigquery(tmp_path):
    from loaders.backends.bigquery import export_validated
    from loaders.contract import load_contract
    from loaders.discovery import describe_file

    path = tmp_path / PII_FILE
    path.parent.mkdir(parents=True)
    path.write_text("\n".join(PII_LINES) + "\n")
    described = describe_file(path, load_contract().table("customers"), PII_FILE)
    rows, quarantine = tmp_path / "rows.json", tmp_path / "quarantine.json"
    validated = export_validated(described, started_at=datetime(2024, 3, 1), rows_path=rows, quarantine_path=quarantine)
    assert (validated.rows_read, validated.rows_rejected) == (4, 3)
    lines = [json.loads(x) for x in quarantine.read_text().splitlines()]
    text = quarantine.read_text()
    assert lines[0]["raw_line"] == "2,***,***,***,***,FR,Lyon,maybe,2024-01-01,2024-01-02"
    for secret in ("bob@example.com", "O'Neil", "+33600000000", "cy@example.com", "dee@example.com"):
        assert secret not in text


# ------------------------------------------------------------------------------------------ more run-level cases
def test_missing_required_feed_names_it(tmp_path, capsys):
    root = tmp_path / "landing"
    _write(root, {"shop/orders/base.csv": ORDERS_BASE.encode()})
    code, summary, err = _run(["load", "--source-dir", str(root), "--database", str(tmp_path / "w.duckdb")], capsys)
    assert code == 3 and summary["exit_code"] == 3
    assert "no file for the required feed(s) shop.order_items (shop/order_items/*.csv*)" in err


def test_a_file_the_contract_does_not_claim_is_named(tmp_path, capsys):
    root, db = _landing_with(tmp_path, {"shop/order_items/UPPER.CSV": ITEMS_TEXT.encode(), "misc/notes.csv": b"a\n"})
    code, summary, err = _run(["load", "--source-dir", str(root), "--database", str(db)], capsys)
    assert code == 0
    assert summary["unmatched_files"] == ["misc/notes.csv", "shop/order_items/UPPER.CSV"]
    assert "warning: shop/order_items/UPPER.CSV: no contract table claims this file; ignored" in err


def test_a_fifo_or_a_directory_named_like_a_feed_is_not_read(tmp_path, capsys):
    root, db = _landing_with(tmp_path, {})
    os.mkfifo(root / "shop/order_items/pipe.csv")  # reading it would block for ever
    (root / "shop/order_items/dir.csv").mkdir()
    code, summary, _ = _run(["load", "--source-dir", str(root), "--database", str(db)], capsys)
    assert code == 0
    assert sorted(f["source_file"] for f in summary["files"]) == ["shop/order_items/base.csv", "shop/orders/base.csv"]


def test_a_corrected_file_replaces_its_rows_and_quarantine(tmp_path, capsys):
    bad = f"{ITEMS_HEADER}\n{item(9801)}\n{item(9802, qty='x')}\n"
    root, db = _landing_with(tmp_path, {"shop/order_items/fix.csv": bad.encode()})
    assert _run(["load", "--source-dir", str(root), "--database", str(db)], capsys)[0] == 0
    (root / "shop/order_items/fix.csv").write_text(f"{ITEMS_HEADER}\n{item(9801)}\n{item(9802)}\n")
    code, summary, _ = _run(["load", "--source-dir", str(root), "--database", str(db), "--fail-on-reject", "0"], capsys)
    assert code == 0
    fixed = next(f for f in summary["files"] if f["source_file"] == "shop/order_items/fix.csv")
    assert (fixed["status"], fixed["rows_read"], fixed["rows_loaded"], fixed["rows_rejected"]) == ("replaced", 2, 2, 0)
    assert _rows(db, "SELECT count(*) FROM raw._quarantine") == [(0,)]
    assert _rows(db, "SELECT order_item_id FROM raw.order_items WHERE order_item_id > '9800' ORDER BY 1") == [
        ("9801",),
        ("9802",),
    ]
