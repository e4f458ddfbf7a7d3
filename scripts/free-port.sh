# Sourced by scripts/services.sh and tests/integration/lib.sh.
#
# free_port: a loopback port nobody listens on, drawn from below the kernel's
# ephemeral range. A port inside that range can be free when probed and
# taken a moment later as the local end of some client's connection (Kafka
# failed to bind that way); below it only listeners take ports. Bind races
# with other listeners remain: callers check the server really came up.
free_port() {
  local p lo=32768 hi=60999
  read -r lo hi </proc/sys/net/ipv4/ip_local_port_range 2>/dev/null || true
  local base=20000 span=$((lo - 20000))
  if [ "$span" -lt 2000 ]; then base=$((hi + 1)); span=$((65535 - hi)); fi
  if [ "$span" -lt 2000 ]; then base=20000; span=40000; fi # no room outside: take the chance
  for _ in $(seq 1 200); do
    p=$((base + RANDOM % span))
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then echo "$p"; return 0; fi
  done
  echo "no free loopback port found" >&2; return 1
}
