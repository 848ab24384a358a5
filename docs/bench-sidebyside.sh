#!/usr/bin/env bash
# Side by side (issue #17): the same N-group synthetic directory and the
# same 500 intake queries through peermatch index.Search and through
# PostgreSQL 15 full-text search + earthdistance, in one run.
#
#   docs/bench-sidebyside.sh [N]          N groups, default 500000
#
# It starts a private PostgreSQL server (initdb in a temporary directory,
# reachable only through a Unix socket in that directory, so it never
# collides with another server or port), runs TestSideBySide in ./index
# against it, prints the table, and stops and removes the server on exit,
# even on failure or Ctrl-C.
#
# Environment:
#   PGBIN                          PostgreSQL binaries (default /usr/lib/postgresql/15/bin)
#   PEERMATCH_SIDEBYSIDE_DIR       keep the server's data and the peermatch index
#                                  here between runs (a rerun skips the load and
#                                  the build); default: a temporary directory, removed
#   PEERMATCH_SIDEBYSIDE_SAMPLES   samples per engine after the 500-query warm-up (default 2500)
#   PG_SHARED_BUFFERS              default 1GB: the whole table and its indexes fit
#
# Needs: Go, PostgreSQL 15 with its contrib extensions cube and earthdistance
# (Debian: postgresql-15). Run from anywhere inside the repository. As root,
# the server runs as the "postgres" user (initdb refuses root).
set -euo pipefail

N=${1:-500000}
PGBIN=${PGBIN:-/usr/lib/postgresql/15/bin}
REPO=$(cd "$(dirname "$0")/.." && pwd)
SAMPLES=${PEERMATCH_SIDEBYSIDE_SAMPLES:-2500}

for b in initdb pg_ctl; do
	if [[ ! -x $PGBIN/$b ]]; then
		echo "bench-sidebyside: $PGBIN/$b not found: install postgresql-15 or set PGBIN" >&2
		exit 2
	fi
done
if [[ ! $N =~ ^[1-9][0-9]*$ ]]; then
	echo "bench-sidebyside: N must be a positive whole number, got '$N'" >&2
	exit 2
fi

if [[ -n ${PEERMATCH_SIDEBYSIDE_DIR:-} ]]; then
	WORK=$PEERMATCH_SIDEBYSIDE_DIR
	KEEP=1
	mkdir -p "$WORK"
else
	WORK=$(mktemp -d /tmp/peermatch-sbs.XXXXXX)
	KEEP=0
fi
WORK=$(cd "$WORK" && pwd)
PGDATA=$WORK/pgdata
SOCK=$WORK/sock
AS=() # how to run the server's commands (as postgres when we are root)
stop() {
	if [[ -f $PGDATA/postmaster.pid ]]; then
		"${AS[@]}" "$PGBIN/pg_ctl" -D "$PGDATA" -m fast -w stop >/dev/null || true
	fi
	if [[ $KEEP == 0 ]]; then
		rm -rf "$WORK"
	fi
}
trap stop EXIT
trap 'exit 130' INT TERM

if ((${#SOCK} > 90)); then
	echo "bench-sidebyside: $SOCK is too long for a Unix socket path: choose a shorter PEERMATCH_SIDEBYSIDE_DIR" >&2
	exit 2
fi
PORT=5432 # only names the socket file in $SOCK: the server listens on no TCP port
mkdir -p "$SOCK" "$WORK/index"

# initdb and postgres refuse to run as root: run the server as postgres.
if [[ $(id -u) == 0 ]]; then
	AS=(runuser -u postgres --)
	chown postgres "$WORK" "$SOCK"
	chmod 755 "$WORK"
	if ! runuser -u postgres -- test -w "$SOCK"; then
		echo "bench-sidebyside: the postgres user cannot reach $SOCK: a directory above it is closed to others" >&2
		exit 2
	fi
fi

if [[ ! -f $PGDATA/PG_VERSION ]]; then
	"${AS[@]}" "$PGBIN/initdb" -D "$PGDATA" -U peermatch --auth=trust -E UTF8 --locale=C.UTF-8 >"$WORK/initdb.log"
fi
# fsync and synchronous_commit off only speed up the load (nothing here is
# worth keeping through a crash); they do not change reads. JIT off: it
# compiles plans that cost more than they save on millisecond queries, the
# usual setting for OLTP. Everything else is PostgreSQL's default.
"${AS[@]}" "$PGBIN/pg_ctl" -D "$PGDATA" -l "$WORK/postgres.log" -w -t 120 start -o "\
 -c listen_addresses='' -c unix_socket_directories='$SOCK' -c port=$PORT \
 -c shared_buffers=${PG_SHARED_BUFFERS:-1GB} -c jit=off \
 -c fsync=off -c synchronous_commit=off -c full_page_writes=off \
 -c maintenance_work_mem=512MB -c max_wal_size=4GB" >/dev/null

echo "bench-sidebyside: $N groups, PostgreSQL $("$PGBIN/postgres" --version | awk '{print $3}') at $PGDATA, $(nproc) CPUs; load: $(cut -d' ' -f1-3 /proc/loadavg)"
if [[ $KEEP == 0 ]]; then
	echo "bench-sidebyside: building both from scratch (set PEERMATCH_SIDEBYSIDE_DIR to keep them for the next run)"
fi

cd "$REPO"
PEERMATCH_PG_DSN="host=$SOCK port=$PORT user=peermatch dbname=postgres" \
	PEERMATCH_BENCH_N=$N PEERMATCH_SIDEBYSIDE_SAMPLES=$SAMPLES PEERMATCH_BENCH_DIR=$WORK/index \
	go test ./index/ -run '^TestSideBySide$' -count=1 -v -timeout 4h
