#!/usr/bin/env bash
# `npm test`: the infrastructure suite and the service suite at once. The first keeps both cores
# busy synthesizing; the second mostly waits on the processes, PostgreSQL and moto it drives, so
# run one after the other they took the sum of their times. The service suite's output is held
# back and printed after the infrastructure suite's, so the two never interleave; the exit status
# is non-zero when either fails. Arguments go to the infrastructure suite (`npm test -- <file>`).
# Each vitest is started directly: through npx and npm it took 0.9 s of CPU more.
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.." || exit 1

service_log=$(mktemp)
trap 'rm -f "$service_log"' EXIT
(cd service && exec node_modules/.bin/vitest run) >"$service_log" 2>&1 &
service_pid=$!

node_modules/.bin/vitest run "$@"
infra_status=$?

wait "$service_pid"
service_status=$?
cat "$service_log"

if [ "$infra_status" -ne 0 ]; then echo "infrastructure tests failed (exit $infra_status)" >&2; fi
if [ "$service_status" -ne 0 ]; then echo "service tests failed (exit $service_status)" >&2; fi
[ "$infra_status" -eq 0 ] && [ "$service_status" -eq 0 ]
