#!/usr/bin/env bash
# Builds what the demo needs and runs it: two replicas of a small shop service (on embedded
# in-memory backends by default; --redis, --etcd, --s3 point them at real ones), driven
# round-robin by the statelessness check (or, with --churn, by the churn check while replicas
# come and go), next to a naive variant that keeps its state in the process. Arguments are
# passed to the demo (run with --help).
set -euo pipefail
cd "$(dirname "$0")/.."

# --help (or -h) alone is answered here, without building first. The text is Demo's usage,
# word for word: examples' DemoScriptTest runs this script and compares the two.
if [ $# -eq 1 ] && { [ "$1" = "--help" ] || [ "$1" = "-h" ]; }; then
  cat <<'USAGE'
usage: Demo [--redis URI] [--etcd URL] [--s3 URL [--bucket NAME] [--s3-region REGION]
            [--s3-access-key KEY --s3-secret-key KEY]] [--churn [--seed N]] [--help]
  Runs the statelessness check (2 replicas, round-robin, compared with 1 fresh replica)
  against ShopService (state in exstate) and NaiveShopService (state in the process), and
  prints both reports. Without options ShopService's replicas share an in-memory backend.
  --redis URI          sessions and leases in Redis, e.g. redis://127.0.0.1:6379
                       (rediss:// for TLS; redis://:PASSWORD@host:port for a password)
  --etcd URL           feature flags from etcd, e.g. http://127.0.0.1:2379 (several: comma-
                       separated); after the check, shop.discount is flipped in etcd and two
                       running replicas must both answer the new value without a restart
  --s3 URL             uploaded files in S3 / MinIO, e.g. http://127.0.0.1:9000
  --bucket NAME        the bucket (default exstate-demo; created if missing)
  --s3-region REGION   signing region (default us-east-1)
  --s3-access-key KEY  credentials; better from the environment (EXSTATE_S3_ACCESS_KEY,
  --s3-secret-key KEY  EXSTATE_S3_SECRET_KEY), as a command line is visible to others
  --churn              run the churn check instead (no live config change): 4 users for 15 s
                       while an autoscaler adds, removes and kills replicas (2 to 4); it
                       reports lost cart items, lost uploads, duplicate job ticks, failed
                       requests and readiness flaps
  --seed N             the churn's seed (default random; the report prints it), to repeat
                       the same scale events and requests
  --help               show this text
  With a real backend every group of replicas uses its own app name (shop-<random hex>) and
  so its own keys; its etcd keys and S3 objects are removed at the end, its Redis sessions
  expire after 10 minutes.
exit code: 0 if ShopService passed and NaiveShopService failed on sessions, files and
           the timer (and, with --etcd, the flag change reached both replicas); 1 otherwise
           or if a backend cannot be reached; 2 on a bad command line
USAGE
  exit 0
fi

# The demo only needs the jars: no tests, sources or Javadoc.
./mvnw -q -B -ntp -pl examples -am install -DskipTests -Dmaven.javadoc.skip=true -Dmaven.source.skip=true
exec ./mvnw -q -B -ntp -pl examples exec:java -Dexec.args="$*"
