#!/usr/bin/env bash
# Measures one shop replica's footprint on real backends (see examples/k8s/README.md):
#   ./scripts/footprint.sh [--phase-seconds 60] [--warmup-seconds 20] [--out benchmarks/results/footprint-<date>.txt]
# Needs redis-server and etcd on the PATH (./scripts/test.sh installs them).
set -euo pipefail
cd "$(dirname "$0")/.."
./mvnw -B -ntp -q -pl examples -am test-compile dependency:build-classpath \
    -Dmdep.outputFile=target/test-classpath.txt -Dmdep.includeScope=test
cp="$PWD/examples/target/test-classes:$PWD/examples/target/classes:$(cat examples/target/test-classpath.txt)"
exec java -cp "$cp" -Dfootprint.classpath="$cp" -Dorg.slf4j.simpleLogger.defaultLogLevel=warn \
    dev.exstate.examples.footprint.Footprint "$@"
