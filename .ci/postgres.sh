#!/usr/bin/env bash
# Installs PostgreSQL from Debian packages on a fresh Debian machine (as
# root), starts it, creates a database and a user for the scimkit tests and
# exports SCIMKIT_POSTGRES_DSN. Meant to be sourced:
#
#	source .ci/postgres.sh
#
# It is idempotent: a second run finds the server, role and database there.

scimkit_pg_setup() {
	set -e
	local db=scimkit user=scimkit pass=scimkit
	if ! command -v pg_ctlcluster >/dev/null 2>&1 || ! ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1; then
		export DEBIAN_FRONTEND=noninteractive
		apt-get update -qq
		apt-get install -y -qq postgresql >/dev/null
	fi
	local ver
	ver=$(ls /usr/lib/postgresql | sort -V | tail -1)
	if ! pg_lsclusters -h | awk '{print $1" "$2}' | grep -q "^$ver main$"; then
		pg_createcluster "$ver" main >/dev/null
	fi
	if ! pg_lsclusters -h | awk '$1=="'"$ver"'" && $2=="main" {print $4}' | grep -q online; then
		pg_ctlcluster "$ver" main start
	fi
	local port
	port=$(pg_lsclusters -h | awk '$1=="'"$ver"'" && $2=="main" {print $3}')
	# Wait until the server accepts connections.
	for _ in $(seq 1 30); do
		su postgres -c "psql -p $port -qAtc 'select 1'" >/dev/null 2>&1 && break
		sleep 1
	done
	su postgres -c "psql -p $port -qAtc \"select 1 from pg_roles where rolname='$user'\"" | grep -q 1 ||
		su postgres -c "psql -p $port -qc \"create role $user login password '$pass'\""
	su postgres -c "psql -p $port -qAtc \"select 1 from pg_database where datname='$db'\"" | grep -q 1 ||
		su postgres -c "createdb -p $port -O $user $db"
	export SCIMKIT_POSTGRES_DSN="postgres://$user:$pass@localhost:$port/$db?sslmode=disable"
	echo "SCIMKIT_POSTGRES_DSN=$SCIMKIT_POSTGRES_DSN"
	set +e
}

scimkit_pg_setup
