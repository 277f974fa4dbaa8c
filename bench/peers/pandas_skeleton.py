#!/usr/bin/env python3
"""The skeleton of a customer-intelligence run, written as an analyst would in plain pandas.

Loads a gen-data folder's CSV files (the ones the skeleton reads: customers, orders, events,
tickets), computes the per-customer features the reference churn heuristic and the rule segments
need (recency, frequency, monetary, tenure, days inactive, 90-day interactions and tickets,
satisfaction, the gaps between purchase days), the heuristic, the customer status (active,
at_risk, lapsed, new, judged against each customer's purchase rhythm) and the four rule segments
of custintel's defaults (plus the catch-all "Regular"), following the definitions of
src/features/sql/customer_features.sql, src/models/sql/churn_heuristic.sql,
src/models/sql/customer_status.sql and src/core/default_config.toml.

What it leaves out, and custintel's skeleton steps include: text sentiment (the heuristic sees
none, as custintel does before text analysis) and the customer-base model's P(alive) in the
status (it belongs to the CLV step). Prints each phase's seconds and the segment sizes.

  python3 bench/peers/pandas_skeleton.py SHOP_DIR [--as-of 2026-06-30T00:00:00Z] [--out features.csv]
Needs pandas (Debian: apt-get install python3-pandas; or pip install pandas).
"""
import argparse
import os
import re
import sys
import time

import numpy as np
import pandas as pd

# [orders] of custintel's defaults: a status containing an excluded word is not a purchase; an
# excluded word wins over a purchase word; no status is a purchase.
EXCLUDED = ["cancel", "refund", "return", "unavailable", "unpaid", "fail", "declin", "reject", "void",
            "fraud", "chargeback", "abandon", "expire"]
# [churn], [churn.status]
HIGH_RISK = 0.7
AT_RISK_Q, LAPSED_Q, NEW_DAYS, MIN_GAPS = 0.75, 0.95, 30, 20


def load(shop):
    ts = lambda cols: {c: str for c in cols}
    customers = pd.read_csv(os.path.join(shop, "customers.csv"), dtype=str)
    for c in ("acquisition_date", "last_active_date"):
        customers[c] = pd.to_datetime(customers[c], utc=True, errors="coerce")
    orders = pd.read_csv(os.path.join(shop, "orders.csv"), dtype=ts(["order_id", "customer_id", "status", "channel"]))
    orders["ordered_at"] = pd.to_datetime(orders["ordered_at"], utc=True, errors="coerce")
    events = pd.read_csv(os.path.join(shop, "events.csv"), usecols=["customer_id", "event_type", "occurred_at"],
                         dtype=str)
    events["occurred_at"] = pd.to_datetime(events["occurred_at"], utc=True, errors="coerce")
    tickets = pd.read_csv(os.path.join(shop, "tickets.csv"),
                          usecols=["customer_id", "satisfaction_score", "created_at", "resolved_at"], dtype=str)
    tickets["satisfaction_score"] = pd.to_numeric(tickets["satisfaction_score"], errors="coerce")
    for c in ("created_at", "resolved_at"):
        tickets[c] = pd.to_datetime(tickets[c], utc=True, errors="coerce")
    return customers, orders, events, tickets


def days_between(earlier, as_of):
    """Calendar days from each timestamp's date to as_of's date (DuckDB's date_diff('day'))."""
    return (as_of.normalize() - earlier.dt.normalize()).dt.days


def features(customers, orders, events, tickets, as_of):
    t90 = as_of - pd.Timedelta(days=90)
    excluded = re.compile("|".join(EXCLUDED))
    status = orders["status"].fillna("").str.lower()
    purchases = orders[orders["customer_id"].notna() & (orders["ordered_at"] <= as_of)
                       & ~status.str.contains(excluded)]
    g = purchases.groupby("customer_id")
    stats = pd.DataFrame({
        "frequency": g.size(),
        "monetary": g["amount"].mean(),
        "lifetime_value": g["amount"].sum(min_count=1),
        "first_order_at": g["ordered_at"].min(),
        "last_order_at": g["ordered_at"].max(),
    })
    # Gaps between consecutive purchase days.
    days = purchases.assign(d=purchases["ordered_at"].dt.normalize())[["customer_id", "d"]].drop_duplicates()
    days = days.sort_values(["customer_id", "d"])
    days["gap"] = days.groupby("customer_id")["d"].diff().dt.days
    gaps = days.dropna(subset=["gap"])
    gstats = gaps.groupby("customer_id")["gap"].agg(interpurchase_days_mean="mean", interpurchase_days_std="std",
                                                    gaps="count")
    ev = events[events["customer_id"].notna() & (events["occurred_at"] <= as_of)]
    eg = ev.groupby("customer_id")["occurred_at"]
    estats = pd.DataFrame({"last_event_at": eg.max(),
                           "interactions_90d": ev[ev["occurred_at"] > t90].groupby("customer_id").size()})
    tk = tickets[tickets["customer_id"].notna() & (tickets["created_at"] <= as_of) & (tickets["created_at"] > t90)]
    tstats = tk.groupby("customer_id")["satisfaction_score"].agg(tickets_90d="size", avg_satisfaction="mean")

    f = customers[["customer_id", "acquisition_date", "last_active_date"]].set_index("customer_id")
    f = f.join(stats).join(gstats).join(estats).join(tstats)
    f["frequency"] = f["frequency"].fillna(0).astype(int)
    f["monetary"] = f["monetary"].fillna(0.0)
    f["lifetime_value"] = f["lifetime_value"].fillna(0.0)
    f["interactions_90d"] = f["interactions_90d"].fillna(0).astype(int)
    f["tickets_90d"] = f["tickets_90d"].fillna(0).astype(int)
    f["recency_days"] = days_between(f["last_order_at"], as_of)
    f["tenure_days"] = days_between(f["acquisition_date"].fillna(f["first_order_at"]).fillna(as_of), as_of)
    active = f["last_active_date"].where(f["last_active_date"] <= as_of)
    later = lambda a, b: a.where(a.notna() & (b.isna() | (a >= b)), b)  # greatest(), NULLs ignored
    latest = later(later(active, f["last_order_at"]), f["last_event_at"])
    f["days_inactive"] = days_between(latest.fillna(f["acquisition_date"]).fillna(as_of), as_of)
    f["ltv_percentile"] = (f["lifetime_value"].rank(method="min") - 1) / max(len(f) - 1, 1)
    return f, gaps


def churn_heuristic(f):
    sentiment = 1.0  # coalesce(avg_sentiment + 1, 1): no text analysis in the skeleton
    risk = (0.3 * f["days_inactive"] / 30.0 + 0.2 * (1 - sentiment / 2.0)
            + 0.2 * f["tickets_90d"] / f["interactions_90d"].clip(lower=1)
            + 0.3 * (f["avg_satisfaction"] < 3).astype(float))
    return risk.clip(0.0, 1.0)


def quantile(values, q):
    """DuckDB's quantile_cont: linear between the closest ranks."""
    return float(np.quantile(values, q)) if len(values) else np.nan


def customer_status(f, gaps):
    own = gaps.groupby("customer_id")["gap"].agg(["mean", "count"])
    own = own[own["count"] >= 2]
    ratios = gaps.join(own["mean"], on="customer_id", how="inner")
    ratios = ratios["gap"] / ratios["mean"]
    has_rhythm = len(gaps) >= MIN_GAPS
    gap_at_risk, gap_lapsed = quantile(gaps["gap"], AT_RISK_Q), quantile(gaps["gap"], LAPSED_Q)
    ratio_at_risk, ratio_lapsed = quantile(ratios, AT_RISK_Q), quantile(ratios, LAPSED_Q)
    silence = f["recency_days"].fillna(f["days_inactive"])
    status = pd.Series("active", index=f.index)
    if not has_rhythm:
        status[f["churn_risk"] > HIGH_RISK] = "at_risk"
    else:
        own_rhythm = f["interpurchase_days_std"].notna() & (f["interpurchase_days_mean"] > 0) & (not np.isnan(ratio_lapsed))
        mean = f["interpurchase_days_mean"]
        status[own_rhythm & (silence > mean * ratio_at_risk)] = "at_risk"
        status[own_rhythm & (silence > mean * ratio_lapsed)] = "lapsed"
        status[~own_rhythm & (silence > gap_at_risk)] = "at_risk"
        status[~own_rhythm & (silence > gap_lapsed)] = "lapsed"
    status[(f["tenure_days"] < NEW_DAYS) & (f["frequency"] <= 1)] = "new"
    return status


def segments(f):
    rules = [("High-value active", (f["ltv_percentile"] >= 0.8) & f["status"].isin(["active", "new"])),
             ("At-risk churn", f["status"] == "at_risk"),
             ("Lapsed", f["status"] == "lapsed"),
             ("Low-engagement new", (f["tenure_days"] <= 120) & (f["frequency"] <= 1))]
    seg = pd.Series("Regular", index=f.index)
    for name, when in reversed(rules):  # first match wins
        seg[when] = name
    return seg


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("shop")
    ap.add_argument("--as-of", help="reference time (default: the latest timestamp in the data)")
    ap.add_argument("--out", help="write the per-customer table to this CSV")
    a = ap.parse_args()
    t = time.perf_counter()
    phases = []

    def phase(name):
        nonlocal t
        now = time.perf_counter()
        phases.append((name, now - t))
        t = now

    customers, orders, events, tickets = load(a.shop)
    phase("load")
    as_of = (pd.Timestamp(a.as_of) if a.as_of else
             max(orders["ordered_at"].max(), events["occurred_at"].max(), tickets["created_at"].max()))
    f, gaps = features(customers, orders, events, tickets, as_of)
    phase("features")
    f["churn_risk"] = churn_heuristic(f)
    f["status"] = customer_status(f, gaps)
    f["segment"] = segments(f)
    phase("heuristic+status+segments")
    for name, secs in phases:
        print(f"{name:28s} {secs:7.1f} s")
    print(f"as of {as_of}, {len(f)} customers, mean churn risk {f['churn_risk'].mean():.4f}")
    print(f["status"].value_counts().to_string())
    print(f["segment"].value_counts().to_string())
    if a.out:
        f.to_csv(a.out)


if __name__ == "__main__":
    sys.exit(main())
