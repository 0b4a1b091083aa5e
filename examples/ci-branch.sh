#!/usr/bin/env bash
# Give one CI test run its own, isolated database branch, run the tests
# against it, and remove the branch afterwards, whether the tests pass or not.
#
#   STAGDB_STORE=tank/stagdb examples/ci-branch.sh ./run-tests.sh
#
# The tests see DATABASE_URL and PGHOST/PGPORT/PGUSER/PGPASSWORD/PGDATABASE.
# STAGDB_CI_FROM picks what to branch from (default HEAD; e.g. main@nightly).
# The branch expires after STAGDB_CI_TTL (default 6h): if the job is killed
# before it can remove the branch, `stagdb gc` (examples/stagdb-gc.*) does.
# The script's exit code is the tests' exit code.
set -euo pipefail

if [ $# -eq 0 ]; then
  echo "usage: $0 COMMAND [ARGS...]" >&2
  exit 2
fi

# A unique, valid branch name per run (Git ref-name rules).
branch="ci/${CI_JOB_ID:-${GITHUB_RUN_ID:-local}}-$$-$(date +%s)"

stagdb --quiet branch "$branch" "${STAGDB_CI_FROM:-HEAD}" --ttl "${STAGDB_CI_TTL:-6h}" >/dev/null
trap 'stagdb --quiet --yes rm "$branch"' EXIT

eval "$(stagdb env "$branch")"
export DATABASE_URL PGHOST PGPORT PGUSER PGPASSWORD PGDATABASE
echo "ci-branch: running on branch $branch (port $PGPORT)" >&2
"$@"
