"""Read-only HTTP API over the semantic layer (``make api``; OpenAPI schema at ``/openapi.json``; ``/docs`` renders
it with Swagger UI, whose script FastAPI loads from a CDN).

What it answers is exactly what the semantic manifest defines: its metrics, their dimensions and its saved
queries (``serving.semantic``), plus the CLV predictions per customer when that mart is built. Every
route but ``/health`` needs ``Authorization: Bearer <token>`` with the token of the environment variable
``METRICS_API_TOKEN``. Errors are JSON ``{"detail": ...}``: 401 without a valid token, 404 for a metric,
saved query, customer or prediction mart that does not exist, 422 for a dimension, grain, filter or order the
metrics cannot answer, 503 when a mart a metric reads is not built. ``format=csv`` (or ``Accept: text/csv``)
answers CSV with exact decimals; JSON carries money as numbers.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import hmac
import io
import json
import logging
import os
import secrets
import sys
from collections.abc import Sequence
from decimal import Decimal
from typing import Annotated, Any

from fastapi import Depends, FastAPI, HTTPException, Query, Request
from fastapi.responses import JSONResponse, Response
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from serving.marts import Marts
from serving.semantic import (
    GRAINS,
    InvalidQueryError,
    MissingMartError,
    QueryResult,
    SemanticLayer,
    SemanticLayerError,
    UnknownNameError,
)

log = logging.getLogger(__name__)

#: Environment variable holding the bearer token.
TOKEN_ENV = "METRICS_API_TOKEN"

_bearer = HTTPBearer(auto_error=False)


def _json_default(value: Any) -> Any:
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    raise TypeError(f"cannot serialise {type(value).__name__}")


def _json(payload: Any, status_code: int = 200) -> Response:
    body = json.dumps(payload, default=_json_default, separators=(",", ":"))
    return Response(body, status_code=status_code, media_type="application/json")


def _csv(columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> Response:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow(["" if v is None else v.isoformat() if isinstance(v, dt.date) else v for v in row])
    return Response(buffer.getvalue(), media_type="text/csv; charset=utf-8")


def _wants_csv(request: Request, fmt: str | None) -> bool:
    if fmt is not None:
        return fmt == "csv"
    return "text/csv" in request.headers.get("accept", "")


def _split(values: Sequence[str] | None) -> list[str]:
    return [part.strip() for value in values or () for part in value.split(",") if part.strip()]


def _filters(raw: Sequence[str] | None) -> dict[str, list[str]]:
    filters: dict[str, list[str]] = {}
    for item in raw or ():
        dimension, sep, values = item.partition(":")
        if not sep or not dimension.strip() or not values:
            raise HTTPException(422, f"filter {item!r} is not dimension:value[,value...]")
        filters.setdefault(dimension.strip(), []).extend(v.strip() for v in values.split(",") if v.strip())
    return filters


def _result(request: Request, result: QueryResult, fmt: str | None, meta: dict[str, Any]) -> Response:
    if _wants_csv(request, fmt):
        return _csv(result.columns, result.rows)
    return _json({**meta, "columns": result.columns, "rows": result.records()})


def create_app(layer: SemanticLayer, token: str) -> FastAPI:
    """Build the API over an open semantic layer.

    Args:
        layer: the semantic layer to answer from (shared by every request; it plans under a lock and runs
            queries concurrently).
        token: the bearer token clients must send.

    Returns:
        The FastAPI application.
    """
    if not token:
        raise ValueError(f"an empty token would let anyone in; set {TOKEN_ENV}")
    marts = Marts(layer)
    app = FastAPI(
        title="E-commerce warehouse metrics API",
        version="1.0.0",
        description=(
            "Read-only metrics of the dbt semantic layer (MetricFlow over the marts). Authenticate with "
            f"`Authorization: Bearer $${TOKEN_ENV}`. Dimensions are MetricFlow names (`order__currency`, "
            "`metric_time__week`); filters are `dimension:value[,value]`."
        ),
    )

    def authorised(credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]) -> None:
        if credentials is None or not hmac.compare_digest(credentials.credentials.encode(), token.encode()):
            raise HTTPException(401, "missing or invalid bearer token", headers={"WWW-Authenticate": "Bearer"})

    auth = [Depends(authorised)]

    @app.exception_handler(UnknownNameError)
    def _unknown(_: Request, exc: UnknownNameError) -> JSONResponse:
        return JSONResponse({"detail": str(exc)}, status_code=404)

    @app.exception_handler(InvalidQueryError)
    def _invalid(_: Request, exc: InvalidQueryError) -> JSONResponse:
        return JSONResponse({"detail": str(exc)}, status_code=422)

    @app.exception_handler(MissingMartError)
    def _missing(_: Request, exc: MissingMartError) -> JSONResponse:
        return JSONResponse({"detail": str(exc)}, status_code=503)

    @app.get("/health", summary="Liveness (no token)")
    def health() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/metrics", dependencies=auth, summary="Every metric with its description")
    def list_metrics() -> Response:
        return _json([m.__dict__ for m in layer.metrics()])

    @app.get("/metrics/{name}", dependencies=auth, summary="One metric and the dimensions it can be grouped by")
    def get_metric(name: str) -> Response:
        metric = layer.metric(name)
        return _json({**metric.__dict__, "dimensions": sorted(layer.dimensions([name])), "grains": list(GRAINS)})

    @app.get("/saved-queries", dependencies=auth, summary="Every saved query with its description")
    def list_saved_queries() -> Response:
        return _json([q.__dict__ for q in layer.saved_queries()])

    @app.get("/saved-queries/{name}", dependencies=auth, summary="One saved query")
    def get_saved_query(name: str) -> Response:
        return _json(layer.saved_query(name).__dict__)

    @app.get("/query", dependencies=auth, summary="Query metrics by grain, date range, dimensions and filters")
    def query(
        request: Request,
        metrics: Annotated[list[str], Query(description="metric names (repeat or comma-separate)")],
        group_by: Annotated[list[str] | None, Query(description="dimension names, e.g. order__currency")] = None,
        grain: Annotated[str | None, Query(description=f"metric_time grain: {', '.join(GRAINS)}")] = None,
        start: Annotated[dt.date | None, Query(description="first day (inclusive; widened to whole grains)")] = None,
        end: Annotated[dt.date | None, Query(description="last day (inclusive; widened to whole grains)")] = None,
        filter: Annotated[list[str] | None, Query(description="dimension:value[,value]")] = None,  # noqa: A002
        order_by: Annotated[list[str] | None, Query(description="names, '-' for descending")] = None,
        limit: Annotated[int | None, Query(ge=1, le=100_000)] = None,
        format: Annotated[str | None, Query(pattern="^(json|csv)$")] = None,  # noqa: A002
    ) -> Response:
        names = _split(metrics)
        result = layer.query(
            names,
            group_by=_split(group_by),
            grain=grain,
            start=start,
            end=end,
            filters=_filters(filter),
            order_by=_split(order_by),
            limit=limit,
        )
        return _result(request, result, format, {"metrics": names})

    @app.get("/saved-queries/{name}/query", dependencies=auth, summary="Run a saved query over a date range")
    def query_saved(
        request: Request,
        name: str,
        start: dt.date | None = None,
        end: dt.date | None = None,
        filter: Annotated[list[str] | None, Query(description="dimension:value[,value]")] = None,  # noqa: A002
        limit: Annotated[int | None, Query(ge=1, le=100_000)] = None,
        format: Annotated[str | None, Query(pattern="^(json|csv)$")] = None,  # noqa: A002
    ) -> Response:
        result = layer.query(saved_query=name, start=start, end=end, filters=_filters(filter), limit=limit)
        return _result(request, result, format, {"saved_query": name})

    @app.get("/predictions/clv", dependencies=auth, summary="CLV predictions (first customers by id)")
    def list_clv(
        request: Request,
        limit: Annotated[int, Query(ge=1, le=10_000)] = 100,
        format: Annotated[str | None, Query(pattern="^(json|csv)$")] = None,  # noqa: A002
    ) -> Response:
        rows = marts.customer_clv(limit=limit)
        if rows is None:
            raise HTTPException(404, "no CLV predictions: the mart dim_customer_clv is not built")
        if _wants_csv(request, format):
            return _csv(rows.columns, rows.rows)
        return _json({"columns": rows.columns, "rows": rows.records()})

    # a key may hold slashes (gid://shopify/Customer/7): the path parameter takes the rest of the path
    @app.get("/predictions/clv/{customer_id:path}", dependencies=auth, summary="CLV prediction of one customer")
    def get_clv(customer_id: str) -> Response:
        rows = marts.customer_clv(customer_id=customer_id)
        if rows is None:
            raise HTTPException(404, "no CLV predictions: the mart dim_customer_clv is not built")
        if not rows.rows:
            raise HTTPException(404, f"no CLV prediction for customer {customer_id}")
        return _json(rows.records()[0])

    return app


def serve(argv: Sequence[str] | None = None) -> int:
    """CLI entry of ``make api``: serve the API with uvicorn on loopback.

    Args:
        argv: ``--host`` (127.0.0.1), ``--port`` (8000), ``--database``, ``--manifest``, ``--workers``-free.
            The token comes from ``METRICS_API_TOKEN``; without one a random token is generated and printed.

    Returns:
        0 after a clean shutdown; 2 when the warehouse or manifest cannot be opened.
    """
    import uvicorn

    parser = argparse.ArgumentParser(prog="python -m serving api", description="Serve the read-only metrics API.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--database", default=None)
    parser.add_argument("--manifest", default=None)
    args = parser.parse_args(list(argv) if argv is not None else sys.argv[1:])
    token = os.environ.get(TOKEN_ENV, "")
    if not token:
        token = secrets.token_urlsafe(24)
        print(f"{TOKEN_ENV} is not set; this run's token: {token}", file=sys.stderr)
    try:
        layer = SemanticLayer(args.manifest, args.database)
    except SemanticLayerError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(
        f"metrics API on http://{args.host}:{args.port} (docs /docs, schema /openapi.json), "
        f"warehouse {layer.database_path} read-only",
        file=sys.stderr,
    )
    uvicorn.run(create_app(layer, token), host=args.host, port=args.port, log_level="warning")
    layer.close()
    return 0
