#!/usr/bin/env bash
# The test command: installs what is missing, builds with -Werror, and runs
# every test (unit, CLI, and integration against a real Kafka broker and
# redis-server that ctest starts and stops).
#
#   scripts/test.sh              build/ and the whole suite
#   scripts/test.sh --sanitize   build-asan/ with ASan+UBSan: unit, CLI and integration tests
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
"$root/scripts/deps.sh"

jobs=$(nproc 2>/dev/null || echo 2)
if [ "${1:-}" = "--sanitize" ]; then
  cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=Debug -DLY_SANITIZE=ON -DLY_INTEGRATION=ON >/dev/null
  cmake --build build-asan -j "$jobs"
  cd build-asan
  export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 LSAN_OPTIONS="suppressions=$root/tests/lsan.supp" \
    UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
  ctest -L unit --output-on-failure -j "$jobs"
  ctest -L integration -E valgrind --output-on-failure # valgrind cannot run ASan binaries
else
  cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
  cmake --build build -j "$jobs"
  cd build
  ctest --output-on-failure
fi
