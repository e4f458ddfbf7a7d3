#!/usr/bin/env bash
# Fetches the Apache Kafka broker jars (and a logging binding) from Maven
# Central into .cache/kafka-jars, once. Prints nothing when they are there.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
dest="$root/.cache/kafka-jars"
if [ -f "$dest/.complete" ]; then exit 0; fi
echo "kafka-fetch: downloading Kafka jars into $dest" >&2
rm -rf "$dest"; mkdir -p "$dest"
mvn -q -B -f "$root/scripts/kafka/pom.xml" dependency:copy-dependencies \
    -DincludeScope=runtime -DoutputDirectory="$dest" >&2
ls "$dest"/kafka_2.13-3.9.*.jar >/dev/null
touch "$dest/.complete"
