#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# Lints data/api/openapi.yaml with Redocly CLI's recommended rules, warnings
# counted as errors (tools/lint/redocly.yaml).
#
# Usage: check-openapi.sh SOURCE-ROOT
#
# Redocly CLI is pinned in tools/lint/package-lock.json and installed into
# tools/lint/node_modules by tools/install-deps --test; without it this test
# fails rather than skips.
set -eu
root=$1
redocly="$root/tools/lint/node_modules/.bin/redocly"
if [ ! -x "$redocly" ]; then
  echo "Redocly CLI is not installed ($redocly): run tools/install-deps --test" >&2
  exit 1
fi
# No usage report and no update check: tests do not talk to the network.
REDOCLY_TELEMETRY=off REDOCLY_SUPPRESS_UPDATE_NOTICE=true \
  exec "$redocly" lint --config "$root/tools/lint/redocly.yaml" --format stylish \
  "$root/data/api/openapi.yaml"
