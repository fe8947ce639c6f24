#!/usr/bin/env bash
# Builds what the demo needs and runs it: two replicas of a small shop service (on embedded
# in-memory backends by default; --redis, --etcd, --s3 point them at real ones), driven
# round-robin by the statelessness check, next to a naive variant that keeps its state in the
# process. Arguments are passed to the demo (run with --help).
set -euo pipefail
cd "$(dirname "$0")/.."
./mvnw -q -B -ntp -pl examples -am install -DskipTests
exec ./mvnw -q -B -ntp -pl examples exec:java -Dexec.args="$*"
