#!/usr/bin/env python3
"""Ratio tables (exstate vs raw) from JMH JSON result files of the exstate benchmarks.

Usage: python3 benchmarks/ratios.py RESULT.json [RESULT.json ...] [RUN.log ...]
JMH log files (-o) add the round trips and Redis commands per operation that the Redis benchmarks
print at the end of each trial ("[rt] RedisLatency.<method>: 1.00 rt/op, 3.00 cmds/op (...)").
Redis pairs are read from RedisLatency (avgt, time: ratio = exstate / raw, lower is better) and
RedisThroughput (thrpt: ratio = exstate / raw, higher is better); S3 pairs from S3Benchmarks
(time per op: throughput ratio = raw time / exstate time, higher is better).
"""
import json
import re
import sys

RT_LINE = re.compile(r"^\[rt\] (\w+)\.(\w+): ([\d.]+) rt/op, ([\d.]+) cmds/op \((.*)\) over")

REDIS_PAIRS = [
    # (label, exstate, other side, latency target (max time ratio), throughput target (min ops ratio));
    # None: a peer library, no target
    ("near-cache hit vs Caffeine getIfPresent", "hit_exstate_find_get", "hit_raw_caffeine_getIfPresent", 2.0, 0.5),
    ("near-cache hit vs Redisson RLocalCachedMap.get", "hit_exstate_find_get", "hit_redisson_localcachedmap_get", None, None),
    ("read on a miss vs HGETALL", "miss_exstate_find_get", "miss_raw_hgetall", 1.15, 0.85),
    ("read on a miss vs HGET", "miss_exstate_find_get", "miss_raw_hget", 1.15, 0.85),
    ("read on a miss vs Spring Session findById", "miss_exstate_find_get", "miss_springsession_findById_get", None, None),
    ("read on a miss vs Redisson RMap.readAllMap", "miss_exstate_find_get", "miss_redisson_rmap_readAllMap", None, None),
    ("attribute write vs HSET+PEXPIRE", "write_exstate_put_save", "write_raw_hset_pexpire", 1.15, 0.85),
    ("request on a cached session vs Caffeine + HSET+PEXPIRE", "request_exstate_find_put_save", "request_raw_caffeine_hset_pexpire", 1.15, 0.85),
    ("request on a cached session vs Spring Session", "request_exstate_find_put_save", "request_springsession_find_set_save", None, None),
    ("compute vs Lua CAS on the last seen value", "compute_exstate_compute", "compute_raw_lua_cas", 1.15, 0.85),
    ("compute vs Redisson RMap.compute", "compute_exstate_compute", "compute_redisson_rmap_compute", None, None),
    ("compute vs Redisson RLocalCachedMap get + replace", "compute_exstate_compute", "compute_redisson_localcachedmap_replace", None, None),
    ("lease acquire+release vs SET NX PX+DEL", "lease_exstate_acquire_release", "lease_raw_setnxpx_del", 1.15, 0.85),
    ("lease acquire+release vs Redisson RLock", "lease_exstate_acquire_release", "lease_redisson_rlock_tryLock_unlock", None, None),
    ("lease acquire+release vs Redisson RFencedLock", "lease_exstate_acquire_release", "lease_redisson_fencedlock_tryLockAndGetToken_unlock", None, None),
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


def load_rt(paths):
    """(class, method) -> (round trips per op, commands per op, per-command breakdown), from JMH logs."""
    rt = {}
    for path in paths:
        for line in open(path, encoding="utf-8", errors="replace"):
            m = RT_LINE.match(line.strip())
            if m:
                rt[(m.group(1), m.group(2))] = (float(m.group(3)), float(m.group(4)), m.group(5))
    return rt


def fmt(score, err):
    if score >= 1000:
        return f"{score:,.0f} ± {err:,.0f}"
    return f"{score:.3f} ± {err:.3f}" if score < 10 else f"{score:.1f} ± {err:.1f}"


def redis(rows, rt):
    for cls, better in (("RedisLatency", "time"), ("RedisThroughput", "ops")):
        present = [p for p in REDIS_PAIRS if (cls, p[1], None) in rows and (cls, p[2], None) in rows]
        if not present:
            continue
        unit = rows[(cls, present[0][1], None)][2]
        print(f"\n{cls} ({'1 thread, average time' if better == 'time' else '16 threads, throughput'}, {unit})\n")
        # at 16 threads a multiplexed connection packs several threads' commands in one read
        trips = "round trips / op" if better == "time" else "server reads / op"
        rt_head = f" {trips} (exstate / other) | Redis commands / op (exstate / other) |" if rt else ""
        print("| comparison | exstate | other | ratio exstate/other | target | |" + rt_head)
        print("|---|---:|---:|---:|---|---|" + ("---:|---:|" if rt else ""))
        for label, a, b, lat_target, thr_target in present:
            sa, ea, _, _ = rows[(cls, a, None)]
            sb, eb, _, _ = rows[(cls, b, None)]
            ratio = sa / sb
            if lat_target is None:
                target, met = "—", None
            elif better == "time":
                target, met = f"≤ {lat_target:.2f}", ratio <= lat_target
            elif a.startswith("hit"):
                # the hit target is on time: time ratio = raw ops / exstate ops
                target, met = f"time ≤ 2x (ops ratio ≥ {thr_target:.2f})", ratio >= thr_target
            else:
                target, met = f"≥ {thr_target:.2f}", ratio >= thr_target
            verdict = "" if met is None else ("met" if met else "missed")
            line = f"| {label} | {fmt(sa, ea)} | {fmt(sb, eb)} | **{ratio:.2f}** | {target} | {verdict} |"
            if rt:
                ra, rb = rt.get((cls, a)), rt.get((cls, b))
                trips = f"{ra[0]:.2f} / {rb[0]:.2f}" if ra and rb else "n/a"
                cmds = f"{ra[1]:.2f} / {rb[1]:.2f}" if ra and rb else "n/a"
                line += f" {trips} | {cmds} |"
            print(line)
    if rt:
        print("\nRedis commands per operation, by command (INFO commandstats; commands run by a script included)\n")
        print("| benchmark | round trips / op | commands / op | by command |")
        print("|---|---:|---:|---|")
        for (cls, method), (trips, cmds, per) in sorted(rt.items()):
            print(f"| {cls}.{method} | {trips:.2f} | {cmds:.2f} | {per} |")


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
    logs = [a for a in sys.argv[1:] if not a.endswith(".json")]
    data = load([a for a in sys.argv[1:] if a.endswith(".json")])
    redis(data, load_rt(logs))
    s3(data)
