#!/usr/bin/env bash
# Re-vendor the browser assets from npm at their pinned versions (the versions are in the
# file and folder names; the files are committed, so neither `make run` nor CI fetch them):
#   htmx.org        -> src/tenantry/web/static/htmx-VERSION.min.js           (the dashboard)
#   swagger-ui-dist -> src/tenantry/web/static/swagger-ui-VERSION/           (/docs, offline)
#   axe-core        -> tests/e2e/vendor/axe-core-VERSION.min.js              (accessibility tests)
# To upgrade one: change its version here, run this, update the name the code uses
# (web/_render.py HTMX, web/docs.py SWAGGER_UI, tests/e2e/_axe.py AXE), run the tests.
set -euo pipefail
cd "$(dirname "$0")/.."
HTMX=2.0.11
SWAGGER_UI=5.35.0
AXE=4.14.1

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
unpack() {  # unpack NAME@VERSION into $work/NAME
    local dir="$work/${1%@*}"
    mkdir -p "$dir"
    (cd "$work" && npm pack --silent "$1" >/dev/null)
    tar xzf "$work"/*.tgz -C "$dir" && rm "$work"/*.tgz
}

static=src/tenantry/web/static
unpack "htmx.org@$HTMX"
cp "$work/htmx.org/package/dist/htmx.min.js" "$static/htmx-$HTMX.min.js"

unpack "swagger-ui-dist@$SWAGGER_UI"
mkdir -p "$static/swagger-ui-$SWAGGER_UI"
for f in swagger-ui-bundle.js swagger-ui.css LICENSE NOTICE; do
    # without the source-map comment: the maps are not vendored
    sed '/sourceMappingURL/d' "$work/swagger-ui-dist/package/$f" > "$static/swagger-ui-$SWAGGER_UI/$f"
done

unpack "axe-core@$AXE"
mkdir -p tests/e2e/vendor
cp "$work/axe-core/package/axe.min.js" "tests/e2e/vendor/axe-core-$AXE.min.js"
cp "$work/axe-core/package/LICENSE" tests/e2e/vendor/axe-core-LICENSE
echo "vendored htmx $HTMX, swagger-ui-dist $SWAGGER_UI, axe-core $AXE"
