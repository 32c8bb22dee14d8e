"""Rows for the ``UNWIND $rows`` writers: merged aggregates, accounts and payment methods as dicts.

Timestamps are timezone-aware ``datetime.datetime`` (UTC, microseconds), or with ``millis`` epoch
milliseconds (what the writers send). Raw e-mails and payment fingerprints become keyed hashes here.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Final

import numpy as np
import numpy.typing as npt
import pandas as pd

from loaders.aggregate import ExchangeAggregate
from sockhound.privacy import KeyedHasher, hash_emails, hash_payment_fingerprints

I64 = npt.NDArray[np.int64]
Row = dict[str, Any]
HOURS_PER_DAY: Final = 24


def _python_datetimes(values: pd.Series) -> list[dt.datetime]:
    """Aware ``datetime.datetime`` (microseconds) per element, converted in one vectorised call."""
    converted: list[dt.datetime] = pd.DatetimeIndex(values).floor("us").to_pydatetime().tolist()
    return converted


def _records(frame: pd.DataFrame, *, millis: bool = False) -> list[Row]:
    """Records with native Python values; datetime columns as aware ``datetime.datetime`` (UTC), or with
    ``millis`` as epoch milliseconds (what the writers send: the driver packs datetimes slowly)."""
    flat = frame.reset_index()
    out: dict[str, list[Any]] = {}
    for column in flat.columns:
        series = flat[column]
        if isinstance(series.dtype, pd.DatetimeTZDtype) and millis:
            out[str(column)] = (_ns(series) // 1_000_000).tolist()
        elif isinstance(series.dtype, pd.DatetimeTZDtype):
            out[str(column)] = _python_datetimes(series)
        else:
            out[str(column)] = series.tolist()
    names = list(out)
    return [dict(zip(names, values, strict=True)) for values in zip(*out.values(), strict=True)]


def seen_from_rows(aggregate: ExchangeAggregate, *, millis: bool = False) -> list[Row]:
    """``{accountId, ipKey, count, firstSeen, lastSeen}``"""
    return _records(aggregate.seen_from, millis=millis)


def ip_rows(aggregate: ExchangeAggregate) -> list[Row]:
    """``{ipKey, version, subnetKey}``"""
    return _records(aggregate.ips)


def _ns(values: pd.Series) -> I64:
    return values.to_numpy(dtype="datetime64[ns]").view(np.int64)


def model_rows(aggregate: ExchangeAggregate) -> list[Row]:
    """``{accountId, model, count}``"""
    return _records(aggregate.models)


def rate_features(hours: pd.DataFrame) -> pd.DataFrame:
    """Per account from the (account, hour) count table: activeHours, activeDays, maxPerHour,
    meanPerActiveHour, p95PerHour, maxPerDay, meanPerActiveDay, hourOfDay (list of 24 counts, UTC)."""
    if len(hours) == 0:
        return pd.DataFrame(
            columns=[
                "activeHours",
                "activeDays",
                "maxPerHour",
                "meanPerActiveHour",
                "p95PerHour",
                "maxPerDay",
                "meanPerActiveDay",
                "hourOfDay",
            ],
            index=pd.Index([], name="accountId"),
        )
    flat = hours.reset_index()
    flat["day"] = flat["hour"] // HOURS_PER_DAY
    flat["hourOfDay"] = flat["hour"] % HOURS_PER_DAY
    per_hour = flat.groupby("accountId", sort=True)["count"]
    per_day = flat.groupby(["accountId", "day"], sort=False)["count"].sum().groupby(level=0, sort=True)
    histogram = flat.pivot_table(
        index="accountId", columns="hourOfDay", values="count", aggfunc="sum", fill_value=0
    ).reindex(columns=range(HOURS_PER_DAY), fill_value=0)
    features = pd.DataFrame(
        {
            "activeHours": per_hour.size().astype(np.int64),
            "activeDays": per_day.size().astype(np.int64),
            "maxPerHour": per_hour.max().astype(np.int64),
            "meanPerActiveHour": per_hour.mean().astype(np.float64),
            "p95PerHour": per_hour.quantile(0.95).astype(np.float64),
            "maxPerDay": per_day.max().astype(np.int64),
            "meanPerActiveDay": per_day.mean().astype(np.float64),
        }
    )
    features["hourOfDay"] = histogram.reindex(features.index).to_numpy(dtype=np.int64).tolist()
    return features


def activity_rows(aggregate: ExchangeAggregate, *, millis: bool = False) -> list[Row]:
    """``{accountId, exchanges, inputTokens, outputTokens, tokenReports, firstSeen, lastSeen, capCot,
    capCode, capTool, capMath, capRubric, capRewrite, activeHours, activeDays, maxPerHour,
    meanPerActiveHour, p95PerHour, maxPerDay, meanPerActiveDay, hourOfDay: list[int] (24),
    syncSignature: list[int]}``"""
    features = aggregate.activity.join(rate_features(aggregate.hours), how="left")
    signatures = aggregate.sync.reindex(features.index)
    features["syncSignature"] = signatures.to_numpy(dtype=np.int64).tolist()
    return _records(features, millis=millis)


# --------------------------------------------------------------------------------------------------------
# Accounts and payment methods


def account_rows(accounts: pd.DataFrame, hasher: KeyedHasher) -> list[Row]:
    """``{accountId, createdAt, emailKey|None, country, pathway, orgId, status}`` (no clear e-mail domain)."""
    emails = accounts["email"] if "email" in accounts.columns else pd.Series(pd.NA, index=accounts.index)
    hashed = hash_emails(emails.astype("string"), hasher)
    frame = pd.DataFrame(
        {
            "accountId": accounts["account_id"].astype(str).to_numpy(),
            "createdAt": pd.to_datetime(accounts["created_at"], utc=True).array,
            "emailKey": hashed["emailKey"].to_numpy(dtype=object),
        }
    )
    for source, target, default in (
        ("country", "country", None),
        ("pathway", "pathway", None),
        ("org_id", "orgId", None),
        ("status", "status", "active"),
    ):
        column = accounts[source] if source in accounts.columns else pd.Series(pd.NA, index=accounts.index)
        values = column.astype("string").fillna(default) if default else column.astype("string")
        frame[target] = values.to_numpy(dtype=object)
    return _none_for_na(_records(frame.set_index("accountId")))


def payment_rows(payment_methods: pd.DataFrame, hasher: KeyedHasher) -> list[Row]:
    """``{accountId, paymentKey, brand, funding, bin, country, addedAt|None}`` (one per input row)."""
    keys = hash_payment_fingerprints(payment_methods["payment_fingerprint"], hasher)
    frame = pd.DataFrame(
        {
            "accountId": payment_methods["account_id"].astype(str).to_numpy(),
            "paymentKey": keys.to_numpy(dtype=object),
        }
    )
    for source, target in (
        ("brand", "brand"),
        ("funding", "funding"),
        ("bin", "bin"),
        ("country", "country"),
    ):
        column = (
            payment_methods[source]
            if source in payment_methods.columns
            else pd.Series(pd.NA, index=payment_methods.index)
        )
        frame[target] = column.astype("string").to_numpy(dtype=object)
    if "added_at" in payment_methods.columns:
        frame["addedAt"] = pd.to_datetime(payment_methods["added_at"], utc=True).array
    rows = _records(frame.set_index("accountId"))
    return _none_for_na(rows)


def _none_for_na(rows: list[Row]) -> list[Row]:
    for row in rows:
        for name, value in row.items():
            if value is pd.NA or value is pd.NaT or (isinstance(value, float) and np.isnan(value)):
                row[name] = None
    return rows

