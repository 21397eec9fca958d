#!/usr/bin/env bash
# Each archetype's output, as the official Rerun web viewer 0.33.0 shows it,
# is not empty: not just "no error" but a picture with the data in it.
#
# build/examples/archetype_gallery writes one recording per archetype that
# has a picture of its own (gallery.tsv lists them, the archetypes logged
# only beside another one and those skipped, with the reason);
# tests/js/gallery_shots.mjs photographs them in one headless Chromium
# session of the official viewer (side panels hidden, each recording paused
# at the end of its timeline); tests/js/png_stats.mjs compares each view
# with the picture of an empty recording (a SetStoreInfo alone) and says
# whether the data is there (see its header for the checks and thresholds).
#
# Fails when: the viewer rejects a recording or reports a data error; a
# shown archetype's picture fails its check; a control does not behave as
# one (grey points in a 3D view must fail the colour check, an empty text
# document the ink check: they prove the checks are not fooled by a view's
# own background); or an archetype of rerun_archetypes.h is missing from
# gallery.tsv.
#
# RR_GALLERY=quick (the default, what CI runs): a representative subset
# (tier "quick" in gallery.tsv: 3D, 2D, images, tensor, plots, text, graph,
# map and the controls), about 1.5 minutes here. RR_GALLERY=full: every
# entry, about 6 minutes on this busy 2-core machine; run it by hand, as the
# script (CTest stops tests after 600 s):
#   RR_GALLERY=full RR_SOURCE_DIR=$PWD RR_BUILD_DIR=build bash tests/archetype_screenshots.sh
# RR_GALLERY may also be a comma-separated list of entry names.
# The encoded-image entries are logged on a timeline, not static: the
# official web viewer 0.33.0 hangs on a static EncodedImage or
# EncodedDepthImage whoever writes it (see g_encoded_image in
# examples/archetype_gallery.c).
#
# Screenshots, recordings and reports: $RR_BUILD_DIR/artifacts/archetype_screenshots/.
# Skips (exit 77) only when node, Chromium or tests/js/node_modules is absent.
set -uo pipefail
src=${RR_SOURCE_DIR:?}
build=${RR_BUILD_DIR:?}
js=$src/tests/js
chromium=${RR_CHROMIUM:-/usr/bin/chromium}
mode=${RR_GALLERY:-quick}

if ! command -v node >/dev/null 2>&1; then
  echo "SKIP: node is not installed (run scripts/install-deps)"; exit 77
fi
if [ ! -x "$chromium" ]; then
  echo "SKIP: no Chromium at $chromium (run scripts/install-deps: Debian package chromium)"; exit 77
fi
for pkg in @rerun-io/web-viewer playwright-core pngjs; do
  if [ ! -d "$js/node_modules/$pkg" ]; then
    echo "SKIP: tests/js/node_modules/$pkg is missing (run scripts/install-deps)"; exit 77
  fi
done
gallery=$build/examples/archetype_gallery
if [ ! -x "$gallery" ]; then
  echo "FAIL: $gallery is not built"; exit 1
fi

out=$build/artifacts/archetype_screenshots
rm -rf "$out"
mkdir -p "$out/rrd"
started=$(date +%s)
if ! "$gallery" "$out/rrd" >"$out/gallery.log" 2>&1; then
  echo "FAIL: archetype_gallery: $(tail -n 3 "$out/gallery.log")"; exit 1
fi
tsv=$out/rrd/gallery.tsv
fail=0

# Every archetype of the SDK is accounted for: shown, shown beside another, or skipped.
missing=$(comm -23 \
  <(grep -o -- '---- rerun\.archetypes\.[A-Za-z0-9]* ----' "$src/include/rerun_archetypes.h" |
      sed 's/---- rerun\.archetypes\.//; s/ ----//' | sort -u) \
  <(awk -F'\t' '$1 == "shown" { n = split($5, a, ","); for (i = 1; i <= n; i++) print a[i] }
                $1 == "with" || $1 == "skipped" { print $2 }' "$tsv" | sort -u))
total=$(grep -c -- '---- rerun\.archetypes\.' "$src/include/rerun_archetypes.h")
if [ -n "$missing" ]; then
  echo "FAIL: archetypes neither shown nor skipped in gallery.tsv: $(echo $missing)"; fail=1
else
  echo "gallery.tsv accounts for all $total archetypes"
fi

# The entries of this mode; _empty (the baseline) first.
case "$mode" in
  quick) select='$4 == "quick"' ;;
  full)  select='1' ;;
  *)     select="index(\",$mode,\", \",\" \$2 \",\")" ;;
esac
names=$(awk -F'\t' "(\$1 == \"shown\" || \$1 == \"control\") && (\$2 == \"_empty\" || $select) { print \$2 }" "$tsv")
if [ -z "$names" ] || [ "$(echo "$names" | wc -l)" -lt 2 ]; then
  echo "FAIL: RR_GALLERY=$mode selects no entry of gallery.tsv"; exit 1
fi
files=()
for n in $names; do files+=("$out/rrd/$n.rrd"); done
echo "RR_GALLERY=$mode: $(echo $names | wc -w) recordings"

node "$js/gallery_shots.mjs" --out "$out" --timeout 90 --chromium "$chromium" "${files[@]}" \
  >"$out/shots.jsonl" 2>"$out/shots.err"
shots_rc=$?
if [ ! -s "$out/shots.jsonl" ]; then
  echo "FAIL: gallery_shots: $(tail -n 2 "$out/shots.err")"; exit 1
fi

# The viewer opened every recording and saw no data errors.
node -e '
  const lines = require("fs").readFileSync(process.argv[1], "utf8").trim().split("\n").map(JSON.parse);
  let bad = 0;
  for (const r of lines) {
    if (!r.ok) { console.log(`FAIL ${r.name}: the viewer: ${r.error}`); bad++; }
    else if (r.data_errors.length) { console.log(`FAIL ${r.name}: data errors: ${r.data_errors.join(" | ")}`); bad++; }
  }
  process.exit(bad ? 1 : 0);
' "$out/shots.jsonl" || fail=1
[ "$shots_rc" = 0 ] || { echo "FAIL: gallery_shots exited $shots_rc: $(tail -n 2 "$out/shots.err")"; fail=1; }

# Each picture against the empty one.
if [ ! -f "$out/_empty.png" ]; then
  echo "FAIL: no baseline screenshot of the empty recording"; exit 1
fi
args=()
for n in $names; do
  [ "$n" = _empty ] && continue
  check=$(awk -F'\t' -v n="$n" '$2 == n { print $3 }' "$tsv")
  [ -f "$out/$n.png" ] && args+=("$out/$n.png=$check")
done
node "$js/png_stats.mjs" --baseline "$out/_empty.png" "${args[@]}" >"$out/stats.jsonl" || fail=1
node -e '
  const fs = require("fs");
  const [statsFile, shotsFile, tsvFile] = process.argv.slice(1);
  const tsv = new Map(fs.readFileSync(tsvFile, "utf8").trim().split("\n").map((l) => l.split("\t")).map((f) => [f[1], f]));
  const secs = new Map(fs.readFileSync(shotsFile, "utf8").trim().split("\n").map(JSON.parse).map((r) => [r.name, r.seconds]));
  let bad = 0;
  for (const line of fs.readFileSync(statsFile, "utf8").trim().split("\n").filter(Boolean)) {
    const s = JSON.parse(line);
    const name = s.file.replace(/^.*\//, "").replace(/\.png$/, "");
    const [kind, , , , what] = tsv.get(name);
    // A control must fail its check: it holds what the check must not count.
    const good = kind === "control" ? !s.pass : s.pass;
    const stats = s.diff_frac === undefined ? "" :
      ` [diff ${(100 * s.diff_frac).toFixed(2)}%, chroma ${(100 * s.chroma_frac).toFixed(2)}%, ${s.colors} colours, ${secs.get(name)} s]`;
    console.log(`${good ? "ok  " : "FAIL"} ${name.padEnd(20)} ${s.check.padEnd(5)} ${kind === "control" ? "control, must fail: " : ""}${s.why}${stats}  (${what})`);
    if (!good) bad++;
  }
  process.exit(bad ? 1 : 0);
' "$out/stats.jsonl" "$out/shots.jsonl" "$tsv" || fail=1

awk -F'\t' '$1 == "with" { printf "with    %-20s in %s: %s\n", $2, $3, $5 }
            $1 == "skipped" { printf "skipped %-20s %s\n", $2, $5 }' "$tsv"
echo "archetype screenshots ($mode): $(( $(date +%s) - started )) s; pictures in $out"
[ "$fail" = 0 ]
