#!/bin/bash
# The service unit: `systemd-analyze verify` clean and `security` exposure at
# 1.5 or lower; and a node run through traffic, the API, metrics, a reload
# and a stop (under strace, when present) calls nothing outside the unit's
# SystemCallFilter. Skipped where systemd-analyze is missing.
. "$(dirname "$0")/lib.sh"
UNIT=$ROOT/systemd/liaisond.service
if ! command -v systemd-analyze >/dev/null; then
	note "systemd-analyze missing: unit checks skipped"
	exit 0
fi

# verify: ExecStart as `make install` writes it, the man pages where man finds them
mkdir -p "$T/unit" "$T/man/man1" "$T/man/man5" "$T/man/man8"
sed "s|/usr/local/sbin/liaisond|$LIAISOND|" "$UNIT" >"$T/unit/liaisond.service"
cp "$ROOT"/docs/*.1 "$T/man/man1/"
cp "$ROOT"/docs/*.5 "$T/man/man5/"
cp "$ROOT"/docs/*.8 "$T/man/man8/"
if command -v man >/dev/null; then man_opt=(); else man_opt=(--man=no); note "man missing: Documentation= not checked"; fi
MANPATH=$T/man timeout 60 systemd-analyze verify "${man_opt[@]}" "$T/unit/liaisond.service" >"$T/verify" 2>&1 ||
	fail "systemd-analyze verify: $(cat "$T/verify")"
[ ! -s "$T/verify" ] || fail "systemd-analyze verify is not clean: $(cat "$T/verify")"

score=$(timeout 60 systemd-analyze security --offline=yes "$UNIT" 2>&1 |
	sed -n 's/.*Overall exposure level for liaisond.service: \([0-9.]*\).*/\1/p')
[ -n "$score" ] || fail "no exposure level from systemd-analyze security"
awk -v s="$score" 'BEGIN { exit !(s <= 1.5) }' || fail "exposure level $score, above 1.5"
note "exposure level $score"

if ! command -v strace >/dev/null; then
	note "strace missing: the node's system calls are not checked against the filter"
	exit 0
fi

# The set the unit allows: its SystemCallFilter= lines in order, the first
# an allow list, "~" lines removing from it, others adding to it.
expand() {
	systemd-analyze syscall-filter "$1" | awk 'NR > 1 && !/^ *#/ && NF { print $1 }' |
		while read -r s; do case $s in @*) expand "$s" ;; *) echo "$s" ;; esac; done
}
: >"$T/allowed"
while read -r spec; do
	deny=0
	case $spec in "~"*) deny=1 spec=${spec#\~} ;; esac
	for item in $spec; do
		case $item in @*) expand "$item" ;; *) echo "$item" ;; esac
	done | sort -u >"$T/items"
	if [ $deny -eq 1 ]; then
		comm -23 "$T/allowed" "$T/items" >"$T/next"
	else
		sort -u "$T/allowed" "$T/items" >"$T/next"
	fi
	mv "$T/next" "$T/allowed"
done < <(sed -n 's/^SystemCallFilter=//p' "$UNIT")
[ -s "$T/allowed" ] || fail "no SystemCallFilter in the unit"

fed_setup A B
port=$(($(cat "$T/A/port") + 5))
sed -i "s|^data_dir = data|data_dir = data\nmetrics  = tcp://127.0.0.1:$port|" "$T/A/liaisond.conf"
REAL=$LIAISOND
# LeakSanitizer cannot run under ptrace: a SANITIZE=1 build leaves leaks to
# the other tests here
cat >"$T/traced" <<EOS
#!/bin/sh
ASAN_OPTIONS=\${ASAN_OPTIONS:+\$ASAN_OPTIONS:}detect_leaks=0 exec strace -f -qq -c -o "$T/strace.out" "$REAL" "\$@"
EOS
chmod +x "$T/traced"
LIAISOND=$T/traced node_start A
node_start B
gen_batch status B 200 | cli A send --batch - >/dev/null 2>&1 || fail "send --batch"
id=$(cli B send warning --to A --title "under strace" --body x) || fail "send to A"
wait_until 20 cli A reader get "$id" || fail "A did not get B's warning"
cli A reader status --json >/dev/null || fail status
cli A reader peers --json >/dev/null || fail peers
cli A reader query --json >/dev/null || fail query
exec 3<>"/dev/tcp/127.0.0.1/$port" || fail "metrics port"
printf 'GET /metrics HTTP/1.0\r\n\r\n' >&3
cat <&3 >/dev/null
exec 3<&-
cli A admin reload >/dev/null || fail reload
cli A admin audit >/dev/null || fail audit
node_stop B
node_start B
wait_until 20 bash -c "$(declare -f cli); T=$T LIAISON=$LIAISON; cli A reader peers --json | jq -e '.peers[0].connected'" ||
	fail "B did not come back"
tracer=$(node_pid A)
kill -TERM "$(pgrep -P "$tracer")"
wait "$tracer" || fail "A under strace exited $?"

awk 'NR > 2 && $NF !~ /^-/ && $NF != "total" { print $NF }' "$T/strace.out" | sort -u >"$T/used"
[ -s "$T/used" ] || fail "strace recorded nothing"
# As root (as here), SQLite hands its new files to the database's owner
# with fchown; as user liaison, under the unit, it does not.
[ "$(id -u)" -eq 0 ] && echo fchown >>"$T/allowed" && sort -u -o "$T/allowed" "$T/allowed"
outside=$(comm -23 "$T/used" "$T/allowed" | tr '\n' ' ')
[ -z "$outside" ] || fail "system calls outside the unit's SystemCallFilter: $outside"
note "$(wc -l <"$T/used") system calls used, all allowed"
