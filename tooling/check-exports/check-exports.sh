#!/usr/bin/env bash
# Packs the package as it would be published (pnpm applies publishConfig.exports) and
# checks the tarball with publint and @arethetypeswrong/cli.
set -euo pipefail
here="$(cd "$(dirname "$(readlink -f "$0")")" && pwd)"
rm -rf .pack && mkdir -p .pack
pnpm pack --pack-destination .pack >/dev/null
tarball="$(ls .pack/*.tgz)"
"$here/node_modules/.bin/publint" run "$tarball" --strict
"$here/node_modules/.bin/attw" "$tarball" --profile node16 --format table-flipped
rm -rf .pack
