#!/usr/bin/env python3
"""Fits the builtin choose's sentiment cut points and probability width (ai/builtin_choose.cc).

Reads the hand-labelled sentences of tests/data/text/sentences.tsv (five-way labels, written
before any tuning), scores each with the text engine (`custintel analyze --file -`, the same
compound ai_sentiment returns), and prints:
  - the cuts between the five positions that maximise the 5-class macro-F1 (ties: accuracy,
    then the cuts closest to the defaults -0.6 -0.05 0.05 0.6);
  - tau, the width of p ~ exp(-d^2 / 2 tau^2) (d: distance from the score to a label's band)
    that maximises the likelihood of the labels.
The calibration set is not the test set: tests/data/ai/choose_labels.tsv measures the result.

Usage: python3 src/ai/tools/calibrate_choose.py build/custintel
"""
import json
import math
import subprocess
import sys

LABELS = ["very_negative", "negative", "neutral", "positive", "very_positive"]


def load(path):
    rows = []
    for line in open(path, encoding="utf-8"):
        if not line.strip() or line.startswith("#"):
            continue
        c = line.rstrip("\n").split("\t")
        rows.append((LABELS.index(c[1]), c[3]))
    return rows


def scores(binary, texts):
    out = subprocess.run([binary, "analyze", "--file", "-"], input="\n".join(texts) + "\n", capture_output=True,
                         text=True, check=True).stdout
    return [json.loads(l)["score"] for l in out.splitlines() if l.strip()]


def band(x, cuts):
    return sum(1 for c in cuts if x >= c)


def macro_f1(gold, pred):
    f = []
    for k in range(5):
        tp = sum(1 for g, p in zip(gold, pred) if g == k and p == k)
        fp = sum(1 for g, p in zip(gold, pred) if g != k and p == k)
        fn = sum(1 for g, p in zip(gold, pred) if g == k and p != k)
        f.append(0 if tp == 0 else 2 * tp / (2 * tp + fp + fn))
    return sum(f) / 5


def probabilities(x, cuts, tau, eps):
    """p_k = (1 - eps) exp(-d_k^2 / 2 tau^2) / sum + eps / K: the fall-off, and a floor for the
    texts the engine gets grossly wrong (without it one outlier widens tau for every text)."""
    lo = [-1e9] + list(cuts)
    hi = list(cuts) + [1e9]
    w = []
    for k in range(len(lo)):
        d = lo[k] - x if x < lo[k] else (x - hi[k] if x >= hi[k] else 0)
        w.append(math.exp(-d * d / (2 * tau * tau)))
    t = sum(w)
    return [(1 - eps) * v / t + eps / len(w) for v in w]


def log_likelihood(gold, xs, cuts, tau, eps):
    return sum(math.log(max(probabilities(x, cuts, tau, eps)[g], 1e-300)) for g, x in zip(gold, xs))


def fit_tau_eps(gold, xs, cuts, taus):
    return max(((t, e) for t in taus for e in [i / 100 for i in range(0, 41)]),
               key=lambda te: log_likelihood(gold, xs, cuts, te[0], te[1]))


def choose_rows(parity):
    """Rows of tests/data/ai/choose_labels.tsv with index % 2 == parity: (urgency, refund, text)."""
    rows = []
    for line in open("tests/data/ai/choose_labels.tsv", encoding="utf-8"):
        if not line.strip() or line.startswith("#"):
            continue
        c = line.rstrip("\n").split("\t")
        rows.append((["low", "medium", "high", "critical"].index(c[2]), c[3] == "yes", c[4]))
    return [r for i, r in enumerate(rows) if i % 2 == parity]


def triage(binary, texts):
    out = subprocess.run([binary, "analyze", "--triage", "--file", "-"], input="\n".join(texts) + "\n",
                         capture_output=True, text=True, check=True).stdout
    return [json.loads(l) for l in out.splitlines() if l.strip()]


def main():
    binary = sys.argv[1] if len(sys.argv) > 1 else "build/custintel"
    rows = load("tests/data/text/sentences.tsv")
    gold = [g for g, _ in rows]
    xs = scores(binary, [t for _, t in rows])
    grid = lambda a, b, s: [round(a + i * s, 3) for i in range(int(round((b - a) / s)) + 1)]
    default = (-0.6, -0.05, 0.05, 0.6)
    ranges = [grid(-0.95, -0.2, 0.01), grid(-0.3, 0.0, 0.005), grid(0.0, 0.3, 0.005), grid(0.2, 0.95, 0.01)]

    def key_of(cuts):
        pred = [band(x, cuts) for x in xs]
        acc = sum(1 for g, p in zip(gold, pred) if g == p) / len(gold)
        dist = sum(abs(a - b) for a, b in zip(cuts, default))
        return (round(macro_f1(gold, pred), 6), round(acc, 6), -dist)

    # Coordinate ascent from the defaults: each cut over its range with the others held, until
    # no cut moves.
    cuts = list(default)
    best = (key_of(cuts), tuple(cuts))
    for _ in range(6):
        moved = False
        for i, values in enumerate(ranges):
            for v in values:
                trial = cuts[:i] + [v] + cuts[i + 1:]
                if not all(trial[k] < trial[k + 1] for k in range(3)):
                    continue
                k = key_of(trial)
                if k > best[0]:
                    best, cuts, moved = (k, tuple(trial)), trial, True
        if not moved:
            break
    (f1, acc, _), cuts = best
    tau, eps = fit_tau_eps(gold, xs, cuts, grid(0.02, 0.6, 0.01))
    default_pred = [band(x, default) for x in xs]
    conf = sum(max(probabilities(x, cuts, tau, eps)) for x in xs) / len(xs)
    print(f"n={len(gold)} default cuts {default}: macro-F1 {macro_f1(gold, default_pred):.3f}")
    print(f"fitted cuts {cuts}: macro-F1 {f1:.3f}, accuracy {acc:.3f}; tau {tau:.2f} eps {eps:.2f}, "
          f"mean p(answer) {conf:.3f}")
    print(f"constexpr double kSentimentCuts[4] = {{{', '.join(str(c) for c in cuts)}}};")
    print(f"constexpr double kSentimentTau = {tau};")
    print(f"constexpr double kSentimentFloor = {eps};")
    # Urgency and the rule answers: rule outputs, calibrated on the even rows of the choose set
    # (the test checks the odd rows).
    rows = choose_rows(0)
    got = triage(binary, [t for _, _, t in rows])
    levels = [["low", "medium", "high", "critical"].index(j["triage"]["urgency"]) for j in got]
    gold_u = [u for u, _, _ in rows]
    tau_u, eps_u = fit_tau_eps(gold_u, levels, (0.5, 1.5, 2.5), grid(0.1, 1.5, 0.05))
    print(f"urgency on {len(rows)} calibration rows: exact {sum(a == b for a, b in zip(gold_u, levels)) / len(rows):.3f}")
    print(f"constexpr double kUrgencyTau = {tau_u};")
    print(f"constexpr double kUrgencyFloor = {eps_u};")
    refund = [("refund_request" in j["triage"]["tags"]) and j["score"] < 0.05 for j in got]
    agree = sum(a == b for a, b in zip(refund, [r for _, r, _ in rows])) / len(rows)
    print(f"constexpr double kRuleConfidence = {agree:.2f};")


if __name__ == "__main__":
    main()
