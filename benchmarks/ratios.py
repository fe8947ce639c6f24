#!/usr/bin/env python3
"""Ratio tables (exstate vs raw) from JMH JSON result files of the exstate benchmarks.

Usage: python3 benchmarks/ratios.py RESULT.json [RESULT.json ...]
Redis pairs are read from RedisLatency (avgt, time: ratio = exstate / raw, lower is better) and
RedisThroughput (thrpt: ratio = exstate / raw, higher is better); S3 pairs from S3Benchmarks
(time per op: throughput ratio = raw time / exstate time, higher is better).
"""
import json
import sys

REDIS_PAIRS = [
    # (label, exstate, raw, latency target (max time ratio), throughput target (min ops ratio))
    ("near-cache hit vs Caffeine getIfPresent", "hit_exstate_find_get", "hit_raw_caffeine_getIfPresent", 2.0, 0.5),
    ("read on a miss vs HGETALL", "miss_exstate_find_get", "miss_raw_hgetall", 1.15, 0.85),
    ("read on a miss vs HGET", "miss_exstate_find_get", "miss_raw_hget", 1.15, 0.85),
    ("attribute write vs HSET+PEXPIRE", "write_exstate_put_save", "write_raw_hset_pexpire", 1.15, 0.85),
    ("lease acquire+release vs SET NX PX+DEL", "lease_exstate_acquire_release", "lease_raw_setnxpx_del", 1.15, 0.85),
]
S3_PAIRS = [("upload", "upload_exstate", "upload_raw_minio"), ("download", "download_exstate", "download_raw_minio")]


def load(paths):
    rows = {}
    for path in paths:
        for r in json.load(open(path)):
            cls, method = r["benchmark"].split(".")[-2:]
            size = r.get("params", {}).get("size")
            m = r["primaryMetric"]
            rows[(cls, method, size)] = (m["score"], m["scoreError"], m["scoreUnit"], r["mode"])
    return rows


def fmt(score, err):
    if score >= 1000:
        return f"{score:,.0f} ± {err:,.0f}"
    return f"{score:.3f} ± {err:.3f}" if score < 10 else f"{score:.1f} ± {err:.1f}"


def redis(rows):
    for cls, better in (("RedisLatency", "time"), ("RedisThroughput", "ops")):
        present = [p for p in REDIS_PAIRS if (cls, p[1], None) in rows and (cls, p[2], None) in rows]
        if not present:
            continue
        unit = rows[(cls, present[0][1], None)][2]
        print(f"\n{cls} ({'1 thread, average time' if better == 'time' else '16 threads, throughput'}, {unit})\n")
        print("| comparison | exstate | raw | ratio exstate/raw | target | |")
        print("|---|---:|---:|---:|---|---|")
        for label, a, b, lat_target, thr_target in present:
            sa, ea, _, _ = rows[(cls, a, None)]
            sb, eb, _, _ = rows[(cls, b, None)]
            ratio = sa / sb
            if better == "time":
                target, met = f"≤ {lat_target:.2f}", ratio <= lat_target
            elif a.startswith("hit"):
                # the hit target is on time: time ratio = raw ops / exstate ops
                target, met = f"time ≤ 2x (ops ratio ≥ {thr_target:.2f})", ratio >= thr_target
            else:
                target, met = f"≥ {thr_target:.2f}", ratio >= thr_target
            print(f"| {label} | {fmt(sa, ea)} | {fmt(sb, eb)} | **{ratio:.2f}** | {target} | {'met' if met else 'missed'} |")


def s3(rows):
    sizes = sorted({k[2] for k in rows if k[0] == "S3Benchmarks"}, key=lambda s: int(s))
    if not sizes:
        return
    print("\nS3Benchmarks (1 thread; MiB/s = size / time per op; ratio = exstate MiB/s / raw MiB/s, target ≥ 0.90)\n")
    print("| transfer | size | exstate time/op | raw time/op | exstate MiB/s | raw MiB/s | ratio | |")
    print("|---|---:|---:|---:|---:|---:|---:|---|")
    for size in sizes:
        mib = int(size) / 2**20
        for label, a, b in S3_PAIRS:
            if ("S3Benchmarks", a, size) not in rows:
                continue
            sa, ea, unit, _ = rows[("S3Benchmarks", a, size)]
            sb, eb, _, _ = rows[("S3Benchmarks", b, size)]
            scale = {"ms/op": 1e-3, "s/op": 1.0, "us/op": 1e-6}[unit]
            ta, tb = mib / (sa * scale), mib / (sb * scale)
            ratio = ta / tb
            shown = f"{mib:g} MiB" if mib >= 1 else f"{int(size) // 1024} KiB"
            print(f"| {label} | {shown} | {fmt(sa, ea)} {unit} | {fmt(sb, eb)} {unit} | {ta:.1f} | {tb:.1f} | **{ratio:.2f}** | {'met' if ratio >= 0.9 else 'missed'} |")


if __name__ == "__main__":
    data = load(sys.argv[1:])
    redis(data)
    s3(data)
