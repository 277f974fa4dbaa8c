#!/usr/bin/env python3
"""The customer-intelligence job as a Python data team would write it: pandas, scipy, scikit-learn, VADER.

On a gen-data folder, the same work as custintel's ingest (with text analysis on arrival) and the
run's features, CLV, churn-model and segments steps:

  load        the CSV files custintel's steps read (customers, orders, events, reviews, tickets)
  sentiment   VADER (nltk's SentimentIntensityAnalyzer) over every review (title + text) and every
              ticket (subject + description); the per-customer mean compound score is the
              features' avg_sentiment
  features    the per-customer features, the reference churn heuristic, the customer status and
              the rule segments (bench/peers/pandas_skeleton.py, as of the data's latest time)
  bgnbd       BG/NBD fitted exactly as lifetimes' BetaGeoFitter does (the per-day summary of
              lifetimes' summary_data_from_transaction_data, ages scaled to 10 / max T, identical
              rows compressed into weights, scipy.optimize.minimize Nelder-Mead on the
              log-parameters, tol 1e-7, start 0.1), P(alive) and expected purchases in 365 days per
              customer; Gamma-Gamma as lifetimes' GammaGammaFitter; CLV = expected purchases ×
              expected spend
  churn       a scikit-learn GradientBoostingClassifier on custintel's time split: features as of
              as_of − 180 days labelled by no purchase in the next 90, held-out ROC-AUC on the
              customers as of as_of − 90 days (labelled up to as_of), then every customer scored
              as of as_of

Prints each phase's seconds (wall and CPU of this process) and the fitted figures.

  python3 bench/peers/python_team.py SHOP_DIR --vader-lexicon PATH [--hist]

Needs (Debian 12): apt-get install python3-pandas python3-scipy python3-sklearn python3-nltk.
nltk's VADER lexicon comes from nltk's downloader, which needs the internet; the same file
(vader_lexicon.txt, C.J. Hutto's) ships in the npm package vader-sentiment:
  npm install --prefix /tmp/vader vader-sentiment@1.1.3
  --vader-lexicon /tmp/vader/node_modules/vader-sentiment/vader_lexicon.txt
Without a lexicon the sentiment phase is skipped and says so (avg_sentiment stays empty).
--hist uses HistGradientBoostingClassifier (scikit-learn's histogram booster, as XGBoost's
tree_method=hist) instead of GradientBoostingClassifier.
"""
import argparse
import os
import sys
import time

import numpy as np
import pandas as pd
from scipy.optimize import minimize
from scipy.special import expit, gammaln, hyp2f1

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import pandas_skeleton as sk  # noqa: E402  (the analyst's features, status and segments)

HORIZON_DAYS = 90


def load(shop):
    customers, orders, events, tickets = sk.load(shop)
    tickets_text = pd.read_csv(os.path.join(shop, "tickets.csv"), usecols=["customer_id", "subject", "description"],
                               dtype=str)
    reviews = pd.read_csv(os.path.join(shop, "reviews.csv"),
                          usecols=["customer_id", "rating", "title", "review_text", "created_at"], dtype=str)
    reviews["created_at"] = pd.to_datetime(reviews["created_at"], utc=True, errors="coerce")
    return customers, orders, events, tickets, tickets_text, reviews


def vader_scores(texts, analyzer):
    return np.array([analyzer.polarity_scores(t)["compound"] for t in texts])


def sentiment(reviews, tickets_text, lexicon):
    """Per-customer mean VADER compound over their reviews and tickets; None without a lexicon."""
    if not lexicon:
        return None
    from nltk.sentiment.vader import SentimentIntensityAnalyzer

    class Analyzer(SentimentIntensityAnalyzer):
        def make_lex_dict(self):  # nltk's, tolerating the npm copy's final newline
            self.lexicon_file = self.lexicon_file.strip("\n")
            return super().make_lex_dict()

    analyzer = Analyzer(lexicon_file="file:" + os.path.abspath(lexicon))
    r_text = (reviews["title"].fillna("") + ". " + reviews["review_text"].fillna("")).tolist()
    t_text = (tickets_text["subject"].fillna("") + ". " + tickets_text["description"].fillna("")).tolist()
    scores = pd.concat([pd.DataFrame({"customer_id": reviews["customer_id"], "s": vader_scores(r_text, analyzer)}),
                        pd.DataFrame({"customer_id": tickets_text["customer_id"], "s": vader_scores(t_text, analyzer)})])
    print(f"VADER: {len(r_text)} reviews, {len(t_text)} tickets, mean compound {scores['s'].mean():.4f}")
    return scores.groupby("customer_id")["s"].mean()


def heuristic(f):
    """The reference churn heuristic with the text sentiment (custintel's churn_heuristic.sql)."""
    s = (f["avg_sentiment"] + 1).fillna(1.0) if "avg_sentiment" in f else 1.0
    risk = (0.3 * f["days_inactive"] / 30.0 + 0.2 * (1 - s / 2.0)
            + 0.2 * f["tickets_90d"] / f["interactions_90d"].clip(lower=1)
            + 0.3 * (f["avg_satisfaction"] < 3).astype(float))
    return risk.clip(0.0, 1.0)


def features_at(customers, orders, events, tickets, avg_sentiment, t):
    """The analyst's features as of t, for the customers who signed up by then."""
    known = customers[customers["acquisition_date"].isna() | (customers["acquisition_date"] <= t)]
    f, gaps = sk.features(known, orders, events, tickets, t)
    if avg_sentiment is not None:
        f = f.join(avg_sentiment.rename("avg_sentiment"))
    f["churn_risk"] = heuristic(f)
    return f, gaps


# --- BG/NBD and Gamma-Gamma, as lifetimes 0.11 fits them -------------------------------------

def rfm_summary(orders, as_of):
    """lifetimes.utils.summary_data_from_transaction_data(freq='D', monetary_value_col='amount')."""
    p = orders[["customer_id", "ordered_at", "amount"]].copy()
    p["day"] = p["ordered_at"].dt.floor("D")
    daily = p.groupby(["customer_id", "day"])["amount"].sum().reset_index()
    g = daily.groupby("customer_id")
    first, last = g["day"].min(), g["day"].max()
    s = pd.DataFrame({"frequency": g.size() - 1,
                      "recency": (last - first).dt.days.astype(float),
                      "T": (as_of.floor("D") - first).dt.days.astype(float)})
    daily["first"] = daily["day"] == daily["customer_id"].map(first)
    repeat = daily[~daily["first"]].groupby("customer_id")["amount"].mean()
    s["monetary_value"] = repeat.reindex(s.index).fillna(0.0)
    return s


def compress(*cols):
    """lifetimes' _compress_data: identical rows once, with their count as weight."""
    df = pd.DataFrame({f"c{i}": np.asarray(c, float) for i, c in enumerate(cols)})
    g = df.groupby(list(df.columns)).size().reset_index(name="w")
    return [g[f"c{i}"].to_numpy(float) for i in range(len(cols))] + [g["w"].to_numpy(float)]


def bgnbd_nll(log_params, freq, rec, T, weights, penalizer_coef=0.0):
    if np.any(np.asarray(log_params) < -10):
        return np.inf
    params = np.exp(log_params)
    r, alpha, a, b = params
    a1 = gammaln(r + freq) - gammaln(r) + r * np.log(alpha)
    a2 = gammaln(a + b) + gammaln(b + freq) - gammaln(b) - gammaln(a + b + freq)
    a3 = -(r + freq) * np.log(alpha + T)
    a4 = np.log(a) - np.log(b + np.clip(freq, 1, None) - 1) - (r + freq) * np.log(rec + alpha)
    m = np.maximum(a3, a4)
    ll = weights * (a1 + a2 + np.log(np.exp(a3 - m) + np.exp(a4 - m) * (freq > 0)) + m)
    return -ll.sum() / weights.sum() + penalizer_coef * np.sum(params ** 2)


def fit_bgnbd(s):
    scale = 10.0 / s["T"].max()
    freq, rec, T, w = compress(s["frequency"], s["recency"] * scale, s["T"] * scale)
    out = minimize(bgnbd_nll, x0=0.1 * np.ones(4), args=(freq, rec, T, w), method="Nelder-Mead", tol=1e-7)
    r, alpha, a, b = np.exp(out.x)
    return r, alpha / scale, a, b


def p_alive(params, x, rec, T):
    r, alpha, a, b = params
    log_div = (r + x) * np.log((alpha + T) / (alpha + rec)) + np.log(a / (b + np.maximum(x, 1) - 1))
    return np.where(x == 0, 1.0, expit(-log_div))


def expected_purchases(params, t, x, rec, T):
    r, alpha, a, b = params
    hyp = hyp2f1(r + x, b + x, a + b + x - 1, t / (alpha + T + t))
    first = (a + b + x - 1) / (a - 1)
    second = 1 - hyp * ((alpha + T) / (alpha + t + T)) ** (r + x)
    denominator = 1 + (x > 0) * (a / (b + x - 1)) * ((alpha + T) / (alpha + rec)) ** (r + x)
    return first * second / denominator


def gg_nll(log_params, x, m, weights, penalizer_coef=0.0):
    if any(i < 0 for i in log_params):
        return np.inf
    p, q, v = np.exp(log_params)
    ll = (gammaln(p * x + q) - gammaln(p * x) - gammaln(q) + q * np.log(v) + (p * x - 1) * np.log(m)
          + (p * x) * np.log(x) - (p * x + q) * np.log(x * m + v)) * weights
    return -ll.sum() / weights.sum() + penalizer_coef * np.sum(np.exp(log_params) ** 2)


def fit_gamma_gamma(s):
    rep = s[(s["frequency"] > 0) & (s["monetary_value"] > 0)]
    x, m, w = compress(rep["frequency"], rep["monetary_value"])
    out = minimize(gg_nll, x0=0.1 * np.ones(3), args=(x, m, w), method="Nelder-Mead", tol=1e-7)
    return tuple(np.exp(out.x))


def gg_expected_spend(params, x, m):
    p, q, v = params
    individual = p * x / (p * x + q - 1)
    return (1 - individual) * (v * p / (q - 1)) + individual * m


def clv(orders, as_of):
    purchases = purchases_until(orders, as_of)
    s = rfm_summary(purchases, as_of)
    bg = fit_bgnbd(s)
    gg = fit_gamma_gamma(s)
    x, rec, T = s["frequency"].to_numpy(float), s["recency"].to_numpy(float), s["T"].to_numpy(float)
    s["p_alive"] = p_alive(bg, x, rec, T)
    s["expected_purchases_365d"] = expected_purchases(bg, 365.0, x, rec, T)
    s["clv_365d"] = s["expected_purchases_365d"] * gg_expected_spend(gg, x, s["monetary_value"].to_numpy(float))
    print("BG/NBD r={:.4f} alpha={:.2f} a={:.4f} b={:.3f} on {} customers ({} repeat); "
          "Gamma-Gamma p={:.3f} q={:.3f} v={:.2f}".format(*bg, len(s), int((s["frequency"] > 0).sum()), *gg))
    return s


def purchases_until(orders, t):
    excluded = "|".join(sk.EXCLUDED)
    status = orders["status"].fillna("").str.lower()
    keep = orders["customer_id"].notna() & (orders["ordered_at"] <= t) & ~status.str.contains(excluded)
    return orders[keep]


# --- the churn model on custintel's time split -----------------------------------------------

FEATURES = ["recency_days", "frequency", "monetary", "lifetime_value", "tenure_days", "days_inactive",
            "interactions_90d", "tickets_90d", "avg_satisfaction", "interpurchase_days_mean",
            "interpurchase_days_std", "ltv_percentile", "avg_sentiment", "churn_risk"]


def labelled(data, t):
    """Features as of t and the label: no purchase in (t, t + 90 days]."""
    customers, orders, events, tickets, avg_sentiment = data
    f, _ = features_at(customers, orders, events, tickets, avg_sentiment, t)
    later = purchases_until(orders, t + pd.Timedelta(days=HORIZON_DAYS))
    bought = set(later.loc[later["ordered_at"] > t, "customer_id"])
    y = (~f.index.isin(bought)).astype(int)
    return f.reindex(columns=FEATURES).fillna(-1.0), y


def churn_model(data, as_of, f_now, hist):
    from sklearn.ensemble import GradientBoostingClassifier, HistGradientBoostingClassifier
    from sklearn.metrics import roc_auc_score
    x_train, y_train = labelled(data, as_of - pd.Timedelta(days=2 * HORIZON_DAYS))
    x_valid, y_valid = labelled(data, as_of - pd.Timedelta(days=HORIZON_DAYS))
    model = (HistGradientBoostingClassifier(random_state=42) if hist
             else GradientBoostingClassifier(random_state=42))
    model.fit(x_train, y_train)
    auc = roc_auc_score(y_valid, model.predict_proba(x_valid)[:, 1])
    heuristic_auc = roc_auc_score(y_valid, x_valid["churn_risk"])
    scores = model.predict_proba(f_now.reindex(columns=FEATURES).fillna(-1.0))[:, 1]
    print(f"churn: {type(model).__name__} on {len(y_train)} customers, held-out ROC-AUC {auc:.3f} "
          f"vs heuristic {heuristic_auc:.3f} on {len(y_valid)}; {len(scores)} scored, mean {scores.mean():.4f}")
    return scores


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("shop")
    ap.add_argument("--vader-lexicon", help="vader_lexicon.txt (nltk's or the npm package vader-sentiment's)")
    ap.add_argument("--hist", action="store_true", help="HistGradientBoostingClassifier instead")
    a = ap.parse_args()
    wall, cpu = time.perf_counter(), time.process_time()
    phases = []

    def phase(name):
        nonlocal wall, cpu
        w, c = time.perf_counter(), time.process_time()
        phases.append((name, w - wall, c - cpu))
        print(f"{name:12s} {w - wall:7.1f} s wall {c - cpu:7.1f} s CPU", flush=True)
        wall, cpu = w, c

    customers, orders, events, tickets, tickets_text, reviews = load(a.shop)
    phase("load")
    if not a.vader_lexicon:
        print("VADER: skipped (no --vader-lexicon; nltk's downloader needs the internet — see --help)")
    avg_sentiment = sentiment(reviews, tickets_text, a.vader_lexicon)
    phase("sentiment")
    as_of = max(orders["ordered_at"].max(), events["occurred_at"].max(), tickets["created_at"].max(),
                reviews["created_at"].max())
    f, gaps = features_at(customers, orders, events, tickets, avg_sentiment, as_of)
    f["status"] = sk.customer_status(f, gaps)
    f["segment"] = sk.segments(f)
    phase("features")
    clv(orders, as_of)
    phase("bgnbd")
    churn_model((customers, orders, events, tickets, avg_sentiment), as_of, f, a.hist)
    phase("churn")
    print(f"as of {as_of}, {len(f)} customers, mean heuristic {f['churn_risk'].mean():.4f}")
    print(f["segment"].value_counts().to_string())
    print("total        {:7.1f} s wall {:7.1f} s CPU".format(sum(p[1] for p in phases), sum(p[2] for p in phases)))


if __name__ == "__main__":
    sys.exit(main())
