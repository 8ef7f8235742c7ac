#!/bin/sh
# Run once by the postgres image when it creates the primary: let the replica stream its WAL.
echo "host replication recount all scram-sha-256" >> "$PGDATA/pg_hba.conf"
