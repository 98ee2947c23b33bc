#!/usr/bin/env bash
# Starts and stops the servers Sluice's integration tests talk to: a real RabbitMQ 3.10 and a
# real PostgreSQL 15, both on loopback, both with all their state in one throw-away directory.
#
# Usage:
#   bash ops/test-stack.sh start    # (re)start both; wipes state a previous run left behind
#   bash ops/test-stack.sh stop     # shut both down cleanly (no error when nothing runs)
#   bash ops/test-stack.sh status   # exit 0 when both answer, 3 otherwise
#   bash ops/test-stack.sh env      # print the env file's path (source it to reach the servers)
#   bash ops/test-stack.sh rabbit rabbitmqctl list_queues   # a RabbitMQ CLI with the stack's env
#   bash ops/test-stack.sh postgres-start   # a fresh PostgreSQL alone (a test's private server)
#   bash ops/test-stack.sh postgres-down    # stop PostgreSQL, keeping its data
#   bash ops/test-stack.sh postgres-up      # start it again on the same data
#
# Settings (environment, all optional):
#   SLUICE_STACK_DIR         state, logs and env file     (default /tmp/sluice-test-stack)
#   SLUICE_TEST_AMQP_PORT    RabbitMQ AMQP port           (default 5672)
#   SLUICE_TEST_AMQP_DIST_PORT  RabbitMQ's Erlang distribution port (default: the AMQP port + 20000)
#   SLUICE_TEST_PG_PORT      PostgreSQL port              (default 55432)
#   SLUICE_STACK_TIMEOUT     seconds to wait for each server to become ready (default 120)
#   SLUICE_TEST_AMQP_TLS_PORT  also listen for amqps:// here (default: no TLS listener). Start
#                            then writes a throw-away CA, a server certificate (127.0.0.1,
#                            localhost), a client certificate and a second, unrelated CA into
#                            $SLUICE_STACK_DIR/tls; the listener requires a client certificate
#                            signed by the CA.
#
# After `start`, "$SLUICE_STACK_DIR/stack.env" holds SLUICE_TEST_AMQP_URL, SLUICE_TEST_PG_URL and
# their parts; tests read those and fail (never skip) when a server is missing.
set -euo pipefail

# /tmp rather than $TMPDIR: the postgres user must be able to reach the directory, and a
# private $TMPDIR (mode 700) would shut it out.
stack_dir=${SLUICE_STACK_DIR:-/tmp/sluice-test-stack}
amqp_port=${SLUICE_TEST_AMQP_PORT:-5672}
dist_port=${SLUICE_TEST_AMQP_DIST_PORT:-$((amqp_port + 20000))}
pg_port=${SLUICE_TEST_PG_PORT:-55432}
timeout_seconds=${SLUICE_STACK_TIMEOUT:-120}
tls_port=${SLUICE_TEST_AMQP_TLS_PORT:-}

rabbit_bin=/usr/lib/rabbitmq/bin
pg_bin=/usr/lib/postgresql/15/bin
rabbit_dir=$stack_dir/rabbitmq
pg_dir=$stack_dir/postgres
env_file=$stack_dir/stack.env
tls_dir=$stack_dir/tls

log() { echo "test-stack: $*" >&2; }
die() { log "error: $*"; exit 1; }

# The RabbitMQ server and its CLI tools must agree on every path, the node name and the
# Erlang cookie (which lives in $HOME), so both get exactly this environment. The node name
# follows the port so a second stack on other ports does not collide with this one.
# The CLI tools' own distribution ports default to 35672-35682, inside the kernel's
# ephemeral range (32768-60999), where a client socket can hold every one of them; they
# get 31000-31099 instead, shared by all stacks (a tool takes the first free one).
rabbit_env() {
  env \
    HOME="$rabbit_dir/home" \
    RABBITMQ_NODENAME="sluice$amqp_port@localhost" \
    RABBITMQ_DIST_PORT=$dist_port \
    RABBITMQ_CTL_DIST_PORT_MIN=${RABBITMQ_CTL_DIST_PORT_MIN:-31000} \
    RABBITMQ_CTL_DIST_PORT_MAX=${RABBITMQ_CTL_DIST_PORT_MAX:-31099} \
    RABBITMQ_CONF_ENV_FILE="$rabbit_dir/rabbitmq-env.conf" \
    RABBITMQ_CONFIG_FILE="$rabbit_dir/rabbitmq.conf" \
    RABBITMQ_ADVANCED_CONFIG_FILE="$rabbit_dir/advanced.config" \
    RABBITMQ_ENABLED_PLUGINS_FILE="$rabbit_dir/enabled_plugins" \
    RABBITMQ_MNESIA_BASE="$rabbit_dir/mnesia" \
    RABBITMQ_LOG_BASE="$rabbit_dir/log" \
    RABBITMQ_PID_FILE="$rabbit_dir/rabbitmq.pid" \
    RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS="-kernel inet_dist_use_interface {127,0,0,1}" \
    ERL_EPMD_ADDRESS=127.0.0.1 \
    "$@"
}

# Runs a RabbitMQ CLI tool from the package's own bin folder (Debian's /usr/sbin wrappers
# switch to the rabbitmq user, which could not read our root-owned directory).
rabbit() {
  local tool=$1
  shift
  rabbit_env "$rabbit_bin/$tool" "$@"
}

as_postgres() { runuser -u postgres -- "$@"; }

port_in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# Polls `check` once a second until it succeeds or the timeout passes.
wait_until() {
  local what=$1
  shift
  local deadline=$((SECONDS + timeout_seconds))
  until "$@" >/dev/null 2>&1; do
    if ((SECONDS >= deadline)); then
      log "$what did not become ready within ${timeout_seconds}s"
      return 1
    fi
    sleep 1
  done
}

print_logs() {
  local file
  for file in "$@"; do
    [[ -f $file ]] || continue
    log "---- last lines of $file ----"
    tail -n 60 "$file" >&2 || true
  done
}

rabbit_running() { [[ -d $rabbit_dir/home ]] && rabbit rabbitmq-diagnostics -q ping >/dev/null 2>&1; }
pg_running() { "$pg_bin/pg_isready" -q -h 127.0.0.1 -p "$pg_port" >/dev/null 2>&1; }

stop_rabbit() {
  [[ -d $rabbit_dir ]] || return 0
  if rabbit_running; then
    log "stopping RabbitMQ"
    rabbit rabbitmqctl -q shutdown >/dev/null 2>&1 || log "rabbitmqctl shutdown failed"
  fi
  # A VM that no longer answers (killed CLI, broken cookie) is ended through its pid file.
  local pid
  pid=$(cat "$rabbit_dir/rabbitmq.pid" 2>/dev/null || true)
  if [[ -n $pid ]] && kill -0 "$pid" 2>/dev/null && grep -q beam "/proc/$pid/cmdline" 2>/dev/null; then
    log "RabbitMQ VM $pid still alive; terminating it"
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 1 20); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
    kill -9 "$pid" 2>/dev/null || true
  fi
  # epmd refuses -kill while other nodes are registered, so another stack's node is safe.
  ERL_EPMD_ADDRESS=127.0.0.1 epmd -kill >/dev/null 2>&1 || true
}

stop_postgres() {
  [[ -f $pg_dir/data/PG_VERSION ]] || return 0
  local pid
  pid=$(head -n 1 "$pg_dir/data/postmaster.pid" 2>/dev/null || true)
  # A pid file whose postmaster is gone (killed run) is stale: start wipes it with the data.
  if [[ -n $pid ]] && kill -0 "$pid" 2>/dev/null; then
    log "stopping PostgreSQL"
    as_postgres "$pg_bin/pg_ctl" -D "$pg_dir/data" -m fast -w -t 60 stop >/dev/null 2>&1 \
      || as_postgres "$pg_bin/pg_ctl" -D "$pg_dir/data" -m immediate -w stop >/dev/null 2>&1 \
      || log "pg_ctl stop failed"
  fi
}

start_rabbit() {
  mkdir -p "$rabbit_dir/home" "$rabbit_dir/mnesia" "$rabbit_dir/log"
  # A fixed cookie written before anything starts: the server and the CLI would otherwise
  # race to create it.
  head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$rabbit_dir/home/.erlang.cookie"
  chmod 400 "$rabbit_dir/home/.erlang.cookie"
  : >"$rabbit_dir/rabbitmq-env.conf"
  cat >"$rabbit_dir/rabbitmq.conf" <<CONF
listeners.tcp.default = 127.0.0.1:$amqp_port
loopback_users.guest = true
log.console = false
log.file.level = info
CONF
  if [[ -n $tls_port ]]; then
    make_certificates
    cat >>"$rabbit_dir/rabbitmq.conf" <<CONF
listeners.ssl.default = 127.0.0.1:$tls_port
ssl_options.cacertfile = $tls_dir/ca.pem
ssl_options.certfile = $tls_dir/server.pem
ssl_options.keyfile = $tls_dir/server.key
ssl_options.verify = verify_peer
ssl_options.fail_if_no_peer_cert = true
CONF
  fi
  echo "[]." >"$rabbit_dir/advanced.config"
  rabbit rabbitmq-plugins -q enable --offline rabbitmq_consistent_hash_exchange >/dev/null

  log "starting RabbitMQ on 127.0.0.1:$amqp_port"
  # Queues under load open many files; the hard limit may be below the 65536 we would like.
  local hard
  hard=$(ulimit -Hn)
  if [[ $hard == unlimited ]] || ((hard >= 65536)); then ulimit -n 65536; else ulimit -n "$hard"; fi
  rabbit_env "$rabbit_bin/rabbitmq-server" -detached >"$rabbit_dir/log/start.out" 2>&1 \
    || { print_logs "$rabbit_dir/log/start.out"; die "rabbitmq-server did not start"; }
  if ! wait_until "RabbitMQ" rabbit rabbitmq-diagnostics -q ping \
    || ! rabbit rabbitmqctl -q await_startup --timeout "$timeout_seconds" >/dev/null 2>&1; then
    print_logs "$rabbit_dir/log/start.out" "$rabbit_dir"/log/*.log
    die "RabbitMQ is not ready"
  fi
}

# A CA, a server and a client certificate it signs, and an unrelated CA (for tests of a
# broker the client must not trust). EC keys: generated in milliseconds; valid two days.
make_certificates() {
  command -v openssl >/dev/null || die "openssl is not installed (bash ops/install-deps.sh)"
  rm -rf "$tls_dir"
  mkdir -p "$tls_dir"
  local ec=(-newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes)
  (
    cd "$tls_dir"
    openssl req -x509 "${ec[@]}" -keyout ca.key -out ca.pem -days 2 -subj "/CN=Sluice test CA"
    openssl req -x509 "${ec[@]}" -keyout other-ca.key -out other-ca.pem -days 2 -subj "/CN=Sluice unrelated CA"
    openssl req -new "${ec[@]}" -keyout server.key -out server.csr -subj "/CN=localhost"
    # librabbitmq 0.11 matches the host only against DNS names, so 127.0.0.1 is one too.
    printf 'subjectAltName=IP:127.0.0.1,DNS:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n' >server.ext
    openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 2 -extfile server.ext -out server.pem
    openssl req -new "${ec[@]}" -keyout client.key -out client.csr -subj "/CN=sluice-test-client"
    printf 'extendedKeyUsage=clientAuth\n' >client.ext
    openssl x509 -req -in client.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 2 -extfile client.ext -out client.pem
  ) >"$stack_dir/openssl.log" 2>&1 || { print_logs "$stack_dir/openssl.log"; die "generating the TLS certificates failed"; }
  chmod 644 "$tls_dir"/*
}

start_postgres() {
  mkdir -p "$pg_dir/socket"
  chown -R postgres:postgres "$pg_dir"
  as_postgres test -w "$pg_dir" || die "the postgres user cannot write $pg_dir (is a parent directory private?)"
  log "initialising PostgreSQL in $pg_dir/data"
  as_postgres "$pg_bin/initdb" -D "$pg_dir/data" -U postgres -A trust -E UTF8 --locale=C.UTF-8 \
    >"$pg_dir/initdb.log" 2>&1 || { print_logs "$pg_dir/initdb.log"; die "initdb failed"; }
  log "starting PostgreSQL on 127.0.0.1:$pg_port"
  run_postgres
}

# Starts the server on the data directory that is there.
run_postgres() {
  if ! as_postgres "$pg_bin/pg_ctl" -D "$pg_dir/data" -l "$pg_dir/server.log" -w -t "$timeout_seconds" \
    -o "-c listen_addresses=127.0.0.1 -p $pg_port -k $pg_dir/socket -c fsync=off" start >/dev/null 2>&1 \
    || ! wait_until "PostgreSQL" pg_running; then
    print_logs "$pg_dir/server.log"
    die "PostgreSQL is not ready"
  fi
}

# A PostgreSQL of its own for a test that stops and starts its server (the shared stack's
# must keep running for the other tests).
cmd_postgres_start() {
  require_root
  stop_postgres
  port_in_use "$pg_port" && die "port $pg_port is taken by another process (set SLUICE_TEST_PG_PORT)"
  rm -rf "$pg_dir"
  mkdir -p "$stack_dir"
  chmod 755 "$stack_dir"
  start_postgres
  log "PostgreSQL ready on 127.0.0.1:$pg_port"
}

write_env_file() {
  cat >"$env_file.tmp" <<ENV
# Written by ops/test-stack.sh start; source it before running the tests.
export SLUICE_TEST_AMQP_URL=amqp://guest:guest@127.0.0.1:$amqp_port/
export SLUICE_TEST_AMQP_HOST=127.0.0.1
export SLUICE_TEST_AMQP_PORT=$amqp_port
export SLUICE_TEST_AMQP_DIST_PORT=$dist_port
export SLUICE_TEST_AMQP_USER=guest
export SLUICE_TEST_AMQP_PASSWORD=guest
export SLUICE_TEST_PG_URL=postgres://postgres@127.0.0.1:$pg_port/postgres
export SLUICE_TEST_PG_HOST=127.0.0.1
export SLUICE_TEST_PG_PORT=$pg_port
export SLUICE_TEST_PG_USER=postgres
export SLUICE_TEST_PG_DATABASE=postgres
# Tests that stop and start the broker's listeners (rabbitmqctl) find the stack here.
export SLUICE_STACK_DIR=$stack_dir
ENV
  if [[ -n $tls_port ]]; then
    cat >>"$env_file.tmp" <<ENV
export SLUICE_TEST_AMQPS_PORT=$tls_port
export SLUICE_TEST_AMQP_TLS_DIR=$tls_dir
ENV
  fi
  mv "$env_file.tmp" "$env_file"
}

require_root() { [[ $(id -u) -eq 0 ]] || die "run as root (RabbitMQ runs as root from its bin folder; PostgreSQL via runuser)"; }

require_packages() {
  [[ -x $rabbit_bin/rabbitmq-server ]] || die "rabbitmq-server is not installed (bash ops/install-deps.sh)"
  [[ -x $pg_bin/pg_ctl ]] || die "postgresql-15 is not installed (bash ops/install-deps.sh)"
}

cmd_stop() {
  stop_rabbit
  stop_postgres
  rm -f "$env_file"
}

cmd_start() {
  require_root
  require_packages
  # Leftovers of an earlier run (crashed CI, a start without stop) are shut down and wiped,
  # so every start begins from empty servers.
  cmd_stop
  port_in_use "$amqp_port" && die "port $amqp_port is taken by another process (set SLUICE_TEST_AMQP_PORT)"
  port_in_use "$dist_port" && die "port $dist_port is taken (RabbitMQ distribution port, set SLUICE_TEST_AMQP_DIST_PORT)"
  port_in_use "$pg_port" && die "port $pg_port is taken by another process (set SLUICE_TEST_PG_PORT)"
  [[ -n $tls_port ]] && port_in_use "$tls_port" && die "port $tls_port is taken (set SLUICE_TEST_AMQP_TLS_PORT)"
  rm -rf "$rabbit_dir" "$pg_dir" "$tls_dir"
  mkdir -p "$stack_dir"
  chmod 755 "$stack_dir"

  # A failed start shuts down whatever did come up, so no half-started server is left behind.
  trap 'log "start failed; stopping what was started"; cmd_stop' EXIT
  start_postgres
  start_rabbit
  write_env_file
  trap - EXIT
  log "ready; settings in $env_file"
}

# Whether an epmd (the Erlang port mapper) runs on this machine; read from /proc, so that
# asking starts nothing and needs no extra package.
epmd_running() {
  local proc stat
  for proc in /proc/[0-9]*; do
    [[ $(cat "$proc/comm" 2>/dev/null) == epmd ]] || continue
    # A daemon that exited but is not yet reaped (state Z) does not count.
    stat=$(cat "$proc/stat" 2>/dev/null) || continue
    stat=${stat##*) }
    [[ ${stat:0:1} != Z ]] && return 0
  done
  return 1
}

cmd_status() {
  local ok=0 had_epmd=0
  epmd_running && had_epmd=1
  if rabbit_running; then log "RabbitMQ: running on 127.0.0.1:$amqp_port"; else log "RabbitMQ: not running"; ok=3; fi
  if pg_running; then log "PostgreSQL: running on 127.0.0.1:$pg_port"; else log "PostgreSQL: not running"; ok=3; fi
  # Asking RabbitMQ starts an Erlang VM, which starts an epmd daemon when none runs; one
  # that this check started goes again (epmd refuses -kill while a node is registered).
  if ((!had_epmd)); then ERL_EPMD_ADDRESS=127.0.0.1 epmd -kill >/dev/null 2>&1 || true; fi
  return $ok
}

case ${1:-} in
start) cmd_start ;;
stop) cmd_stop; log "stopped" ;;
status) cmd_status ;;
env) echo "$env_file" ;;
postgres-start) cmd_postgres_start ;;
postgres-down) stop_postgres; log "PostgreSQL stopped" ;;
postgres-up) log "starting PostgreSQL on 127.0.0.1:$pg_port"; run_postgres; log "PostgreSQL ready" ;;
rabbit) shift; [[ $# -ge 1 ]] || die "usage: $0 rabbit <rabbitmqctl|rabbitmq-diagnostics|...> [args]"; rabbit "$@" ;;
*)
  echo "usage: $0 start|stop|status|env|rabbit <tool> [args]|postgres-start|postgres-down|postgres-up" >&2
  exit 2
  ;;
esac
