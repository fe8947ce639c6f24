#!/usr/bin/env python3
"""Ratio table (exstate / Spring Session, time per operation) from JMH JSON results of
benchmarks-spring (SessionRepositoryLatency, SessionRepositoryThreads16).

Usage: python3 benchmarks-spring/ratios.py RESULT.json [RESULT.json ...]
"""
import json
import sys

PAIRS = [
    # (operation, exstate benchmark, exstate variant, Spring Session benchmark)
    ("findById + 2 getAttribute", "find_exstate_nearCacheHit", "near-cache hit", "find_springSession"),
    ("findById + 2 getAttribute", "find_exstate_nearCacheMiss", "near cache off (miss)", "find_springSession"),
    ("request: find + setAttribute + save", "request_set_exstate", "near cache on", "request_set_springSession"),
    ("request: find + setAttribute + save", "request_set_exstate_nearCacheOff", "near cache off", "request_set_springSession"),
    ("request: find + getAttribute + save", "request_read_exstate", "near cache on", "request_read_springSession"),
]
THREADS = [("SessionRepositoryLatency", 1), ("SessionRepositoryThreads16", 16)]


def main(paths):
    rows = {}
    for path in paths:
        for r in json.load(open(path)):
            cls, method = r["benchmark"].split(".")[-2:]
            m = r["primaryMetric"]
            rows[(cls, method)] = (m["score"], m["scoreError"], m["scoreUnit"])
    print("| operation | exstate variant | threads | exstate µs/op | Spring Session µs/op | ratio exstate/Spring |")
    print("|---|---|---:|---:|---:|---:|")
    for cls, threads in THREADS:
        for op, ex, variant, sp in PAIRS:
            if (cls, ex) not in rows or (cls, sp) not in rows:
                continue
            e, ee, _ = rows[(cls, ex)]
            s, se, _ = rows[(cls, sp)]
            print(f"| {op} | {variant} | {threads} | {fmt(e, ee)} | {fmt(s, se)} | **{e / s:.3f}** |")


def fmt(score, err):
    return f"{score:.3f} ± {err:.3f}" if score < 10 else f"{score:.1f} ± {err:.1f}"


if __name__ == "__main__":
    main(sys.argv[1:])
