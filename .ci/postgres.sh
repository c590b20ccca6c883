#!/usr/bin/env bash
# Installs PostgreSQL from Debian packages on a fresh Debian machine (as
# root), starts it, creates a database and a user for the scimkit tests and
# exports SCIMKIT_POSTGRES_DSN. Meant to be sourced (it leaves the caller's
# shell options alone and returns non-zero on failure):
#
#	source .ci/postgres.sh
#
# It is idempotent: a second run finds the server, role and database there.

scimkit_pg_setup() {
	local db=scimkit user=scimkit pass=scimkit ver port
	if ! ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1 || ! command -v pg_ctlcluster >/dev/null 2>&1; then
		DEBIAN_FRONTEND=noninteractive apt-get update -qq || return 1
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null || return 1
	fi
	ver=$(ls /usr/lib/postgresql | sort -V | tail -n 1)
	if ! pg_lsclusters -h | awk -v v="$ver" '$1 == v && $2 == "main"' | grep main >/dev/null; then
		pg_createcluster "$ver" main >/dev/null || return 1
	fi
	if ! pg_lsclusters -h | awk -v v="$ver" '$1 == v && $2 == "main" {print $4}' | grep online >/dev/null; then
		pg_ctlcluster "$ver" main start || return 1
	fi
	port=$(pg_lsclusters -h | awk -v v="$ver" '$1 == v && $2 == "main" {print $3}')
	local i
	for i in $(seq 1 30); do
		su postgres -c "psql -p $port -qAtc 'select 1'" >/dev/null 2>&1 && break
		sleep 1
	done
	if ! su postgres -c "psql -p $port -qAtc \"select 1 from pg_roles where rolname = '$user'\"" | grep 1 >/dev/null; then
		su postgres -c "psql -p $port -qc \"create role $user login password '$pass'\"" || return 1
	fi
	if ! su postgres -c "psql -p $port -qAtc \"select 1 from pg_database where datname = '$db'\"" | grep 1 >/dev/null; then
		su postgres -c "createdb -p $port -O $user $db" || return 1
	fi
	export SCIMKIT_POSTGRES_DSN="postgres://$user:$pass@localhost:$port/$db?sslmode=disable"
	echo "SCIMKIT_POSTGRES_DSN=$SCIMKIT_POSTGRES_DSN"
}

scimkit_pg_setup
