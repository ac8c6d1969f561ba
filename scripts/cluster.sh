#!/usr/bin/env bash
# Starts, by hand, the topology tests/cluster runs: PostgreSQL, Redis, three
# `parley serve` nodes sharing them, and nginx in front with
# deploy/nginx.conf, all on loopback.
#
#   scripts/cluster.sh up [FLAG...]  # prints the URLs, ports, PIDs and an API key
#   scripts/cluster.sh down          # stops everything and removes the directory
#
# FLAGs are added to every node's `parley serve` (e.g. --max-conns-per-key
# 1000 for a benchmark).
# Everything lives in CLUSTER_DIR (default /tmp/parley-cluster): data, logs,
# configurations and the PIDs. Ports start at CLUSTER_PORT (default 18080):
# nginx on it, the nodes on the next three, Redis and PostgreSQL on the two
# after. Needs bin/parley (built here with `make build`) and Debian's
# postgresql, redis-server and nginx (scripts/deps.sh --test). As root,
# PostgreSQL runs as the postgres user, since it refuses to run as root.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PATH:/usr/local/go/bin"

DIR=${CLUSTER_DIR:-/tmp/parley-cluster}
BASE=${CLUSTER_PORT:-18080}
NGINX_PORT=$BASE
NODE_PORTS=($((BASE + 1)) $((BASE + 2)) $((BASE + 3)))
REDIS_PORT=$((BASE + 4))
PG_PORT=$((BASE + 5))
PG_URL="postgres://postgres@127.0.0.1:$PG_PORT/postgres?sslmode=disable"
REDIS_URL="redis://127.0.0.1:$REDIS_PORT"
BIN=$PWD/bin/parley

die() { echo "cluster: $*" >&2; exit 1; }

# in_use PORT: something accepts connections on the loopback port.
in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# ready URL_PATH PORT: an HTTP GET answers 200.
ready() {
	local status
	exec 3<>"/dev/tcp/127.0.0.1/$2" || return 1
	printf 'GET %s HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n' "$1" >&3
	read -r _ status _ <&3 || status=""
	exec 3>&-
	[[ "$status" == "200" ]]
}

# wait_for WHAT SECONDS COMMAND...: retries COMMAND every 0.1 s.
wait_for() {
	local what=$1 tries=$(($2 * 10))
	shift 2
	while ! "$@" 2>/dev/null; do
		((tries--)) || die "$what did not come up (logs in $DIR)"
		sleep 0.1
	done
}

pg_bin() {
	local d
	d=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
	[[ -n "$d" ]] || d=$(dirname "$(command -v postgres || die "postgresql is not installed: scripts/deps.sh --test")")
	echo "$d"
}

# as_pg COMMAND...: runs COMMAND as the server's user.
as_pg() {
	if [[ $(id -u) -eq 0 ]]; then
		runuser -u postgres -- "$@"
	else
		"$@"
	fi
}

up() {
	[[ ! -e "$DIR/pids" ]] || die "already up ($DIR/pids); scripts/cluster.sh down first"
	for p in "$NGINX_PORT" "${NODE_PORTS[@]}" "$REDIS_PORT" "$PG_PORT"; do
		! in_use "$p" || die "port $p is taken; set CLUSTER_PORT"
	done
	command -v redis-server >/dev/null || die "redis-server is not installed: scripts/deps.sh --test"
	command -v nginx >/dev/null || die "nginx is not installed: scripts/deps.sh --test"
	make --no-print-directory build >/dev/null
	mkdir -p "$DIR"
	# A start that fails half-way stops what it started.
	trap 'echo "cluster: up failed; stopping what started" >&2; down' EXIT
	# Servers that drop root (PostgreSQL, nginx's workers) must reach it.
	chmod 711 "$DIR"
	: >"$DIR/pids"

	local pg
	pg=$(pg_bin)
	mkdir -p "$DIR/pg"
	[[ $(id -u) -ne 0 ]] || chown postgres: "$DIR/pg"
	as_pg "$pg/initdb" -D "$DIR/pg/data" -U postgres -A trust -E UTF8 --no-locale >"$DIR/pg/initdb.log"
	as_pg "$pg/pg_ctl" -D "$DIR/pg/data" -l "$DIR/pg/postgres.log" -w -o \
		"-c listen_addresses=127.0.0.1 -c port=$PG_PORT -c unix_socket_directories=$DIR/pg" start >/dev/null
	echo "postgres $(head -n 1 "$DIR/pg/data/postmaster.pid")" >>"$DIR/pids"

	redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --save "" --appendonly no --daemonize yes \
		--dir "$DIR" --pidfile "$DIR/redis.pid" --logfile "$DIR/redis.log"
	wait_for redis 10 test -s "$DIR/redis.pid"
	echo "redis $(cat "$DIR/redis.pid")" >>"$DIR/pids"

	# The first node migrates the store; the others wait for it.
	local i=0 upstreams=""
	for port in "${NODE_PORTS[@]}"; do
		i=$((i + 1))
		mkdir -p "$DIR/node$i"
		nohup "$BIN" serve --addr "127.0.0.1:$port" --data "$DIR/node$i" --store-url "$PG_URL" \
			--redis-url "$REDIS_URL" --trusted-proxies 127.0.0.1/32 --public-url "http://127.0.0.1:$NGINX_PORT" "$@" \
			>"$DIR/node$i.log" 2>&1 &
		echo "node$i $!" >>"$DIR/pids"
		wait_for "node$i" 60 ready /readyz "$port"
		upstreams+="    server 127.0.0.1:$port max_fails=3 fail_timeout=10s;\n"
	done

	# deploy/nginx.conf as written, with its upstream servers and listen
	# address replaced, as internal/testinfra renders it for the tests.
	mkdir -p "$DIR/nginx/tmp"
	awk -v servers="$upstreams" -v listen="127.0.0.1:$NGINX_PORT" '
		/^upstream parley[ \t]*\{/ { inup = 1; print; printf "%s", servers; next }
		inup && /^\}/ { inup = 0 }
		inup && /^[ \t]*server[ \t]/ { next }
		/^[ \t]*listen[ \t]/ { sub(/listen[ \t]+[^;]*;/, "listen " listen ";") }
		{ print }
	' deploy/nginx.conf >"$DIR/nginx/site.conf"
	cat >"$DIR/nginx/nginx.conf" <<-EOF
		pid $DIR/nginx/nginx.pid;
		error_log $DIR/nginx/error.log notice;
		worker_processes 1;
		events { worker_connections 4096; }
		http {
		    access_log $DIR/nginx/access.log;
		    client_body_temp_path $DIR/nginx/tmp/client_body;
		    proxy_temp_path $DIR/nginx/tmp/proxy;
		    fastcgi_temp_path $DIR/nginx/tmp/fastcgi;
		    uwsgi_temp_path $DIR/nginx/tmp/uwsgi;
		    scgi_temp_path $DIR/nginx/tmp/scgi;
		    include $DIR/nginx/site.conf;
		}
	EOF
	nginx -p "$DIR/nginx/" -c "$DIR/nginx/nginx.conf" -e "$DIR/nginx/error.log"
	wait_for nginx 10 ready /readyz "$NGINX_PORT"
	echo "nginx $(cat "$DIR/nginx/nginx.pid")" >>"$DIR/pids"

	local key
	key=$("$BIN" keys create --plan scale --name cluster --store-url "$PG_URL" | tail -n 1)
	echo "$key" >"$DIR/key"
	chmod 600 "$DIR/key"
	trap - EXIT

	echo
	echo "  Parley cluster up in $DIR"
	echo "  through nginx:  http://127.0.0.1:$NGINX_PORT  (ws://127.0.0.1:$NGINX_PORT/v1/realtime)"
	i=0
	for port in "${NODE_PORTS[@]}"; do
		i=$((i + 1))
		echo "  node$i:          http://127.0.0.1:$port  (metrics: /metrics, log: $DIR/node$i.log)"
	done
	echo "  redis:          $REDIS_URL"
	echo "  postgres:       $PG_URL"
	echo "  API key (plan scale): $key"
	echo "  PIDs:"
	sed 's/^/    /' "$DIR/pids"
	echo
	echo "  try: bin/parley bench --url ws://127.0.0.1:$NGINX_PORT/v1/realtime --key $key --one-sentence"
	echo "  stop: scripts/cluster.sh down"
}

# stop_pid NAME PID: SIGTERM, then SIGKILL after 20 s.
stop_pid() {
	kill -0 "$2" 2>/dev/null || return 0
	kill -TERM "$2" 2>/dev/null || true
	for _ in $(seq 200); do
		kill -0 "$2" 2>/dev/null || return 0
		sleep 0.1
	done
	echo "cluster: $1 ($2) did not stop in 20 s; killing it" >&2
	kill -KILL "$2" 2>/dev/null || true
}

down() {
	[[ -e "$DIR/pids" ]] || die "not up ($DIR/pids is missing)"
	# The balancer first, then the nodes (they finish their sessions within
	# --shutdown-grace), then what they depend on.
	local order=(nginx node3 node2 node1 redis)
	for name in "${order[@]}"; do
		local pid
		pid=$(awk -v n="$name" '$1 == n { print $2 }' "$DIR/pids")
		[[ -z "$pid" ]] || stop_pid "$name" "$pid"
	done
	if [[ -e "$DIR/pg/data/postmaster.pid" ]]; then
		as_pg "$(pg_bin)/pg_ctl" -D "$DIR/pg/data" -m fast -w stop >/dev/null
	fi
	rm -rf "$DIR"
	echo "cluster: down"
}

case "${1:-}" in
up) up "${@:2}" ;;
down) down ;;
*) die "usage: scripts/cluster.sh up [FLAG...] | down" ;;
esac
