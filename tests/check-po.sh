#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# Every file with translatable text is in po/POTFILES.in, and every string
# in it is translated in every language of po/LINGUAS (no fuzzy, no missing).
set -eu
cd "${WH_SOURCE_ROOT:?}"
echo "TAP version 13"
n=0; fail=0

n=$((n+1))
missing=$(grep -rlE '(^|[^A-Za-z_])(N?_|C_|NC_)\s*\(\s*"|translatable="yes"' src resources data 2>/dev/null \
  | grep -E '\.(c|ui|in|xml)$' | sort | while read -r f; do grep -qxF "$f" po/POTFILES.in || echo "$f"; done)
if [ -z "$missing" ]; then echo "ok $n - POTFILES.in lists every file with translatable text"
else echo "not ok $n - not in po/POTFILES.in: $(echo $missing)"; fail=1; fi

pot=$(mktemp --suffix=.pot)
trap 'rm -f "$pot" "$pot.po"' EXIT
grep -v '^#' po/POTFILES.in | xgettext --from-code=UTF-8 --keyword=_ --keyword=N_ \
  --keyword=C_:1c,2 --keyword=NC_:1c,2 --add-comments=Translators -o "$pot" -f -
for lang in $(cat po/LINGUAS); do
  n=$((n+1))
  msgmerge --quiet --no-fuzzy-matching -o "$pot.po" "po/$lang.po" "$pot"
  untranslated=$(msgattrib --untranslated --no-obsolete "$pot.po" | grep -c '^msgid' || true)
  fuzzy=$(msgattrib --only-fuzzy --no-obsolete "$pot.po" | grep -c '^msgid' || true)
  if [ "$untranslated" -le 1 ] && [ "$fuzzy" -le 1 ] && msgfmt --check -o /dev/null "$pot.po"; then
    echo "ok $n - $lang complete"
  else
    echo "not ok $n - $lang: $untranslated untranslated, $fuzzy fuzzy (counts include the header)"
    msgattrib --untranslated --no-obsolete "$pot.po" | grep '^msgid' | tail -n +2 | sed 's/^/# /'
    fail=1
  fi
done
echo "1..$n"
exit $fail
