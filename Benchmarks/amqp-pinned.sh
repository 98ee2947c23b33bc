#!/usr/bin/env bash
# Runs RabbitMQ benchmarks with the broker on a core of its own and the benchmark (Sluice
# and the raw consumer alike) on the others, as when the broker runs on its own host.
#
# Why: on this 2-core machine the broker's queue process is the limit (about one core at
# ~35-45 k persistent messages/s). Sharing both cores, a consumer is charged for every
# cycle its threads take from the broker: the raw loop is one thread that does nothing with
# a message, Sluice decodes and scatters on several. Pinned, both consumers meet the same
# broker and are measured on what they can take from it.
#
# Usage (a running test stack, `bash ops/test-stack.sh start`):
#   bash Benchmarks/amqp-pinned.sh "AMQP 1 .*"           # the benchmark filter
#   SLUICE_BENCH_AMQP_ITERATIONS=8 bash Benchmarks/amqp-pinned.sh "AMQP 1 .*"
# The broker's threads get the last core back when the run ends (or fails).
set -euo pipefail
cd "$(dirname "$0")"
filter=${1:?usage: amqp-pinned.sh BENCHMARK_FILTER}
cores=$(nproc)
(( cores >= 2 )) || { echo "amqp-pinned: needs at least 2 cores, this machine has $cores" >&2; exit 2; }
stack_env=$(bash ../ops/test-stack.sh env)
[[ -f $stack_env ]] || { echo "amqp-pinned: no test stack (bash ops/test-stack.sh start)" >&2; exit 2; }
# shellcheck disable=SC1090
source "$stack_env"
vm_pid=$(cat "${SLUICE_STACK_DIR:-/tmp/sluice-test-stack}/rabbitmq/rabbitmq.pid")
grep -q beam "/proc/$vm_pid/cmdline" || { echo "amqp-pinned: $vm_pid is not the broker's VM" >&2; exit 2; }
last=$((cores - 1))
restore() { taskset -a -p -c "0-$last" "$vm_pid" > /dev/null || true; }
trap restore EXIT
taskset -a -p -c "$last" "$vm_pid" > /dev/null
echo "amqp-pinned: broker VM $vm_pid on core $last, the benchmark on cores 0-$((last - 1 < 0 ? 0 : last - 1))"
taskset -c "0-$((last - 1))" swift package --disable-sandbox benchmark --target EngineBenchmarks --filter "$filter" --no-progress
