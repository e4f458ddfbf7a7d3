#!/usr/bin/env bash
# Installs the Debian packages that building, testing and the demo need, but only
# when something is missing, so a second run costs nothing.
set -euo pipefail

# What the product builds against (docker/Dockerfile installs the same:
# tests/cli checks it), then the tools of the tests, benchmarks and demo
# (libclang-rt-dev: clang's sanitizer and libFuzzer runtime).
libraries=(
  librdkafka-dev libavro-dev libhiredis-dev libcmocka-dev libjansson-dev libyajl-dev libyaml-dev libcurl4-openssl-dev libmicrohttpd-dev
)
packages=(
  build-essential cmake pkg-config
  "${libraries[@]}"
  redis-server kcat default-jre-headless maven valgrind clang libclang-rt-dev
  libjs-chart.js chromium
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "deps: installing ${missing[*]}" >&2
  sudo=""; [ "$(id -u)" = 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
"$(dirname "$0")/kafka-fetch.sh"
