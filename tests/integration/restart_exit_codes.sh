#!/bin/bash
# A node that restarts is unreachable (69), never "not permitted" (77):
# scripts retry on 69. While A is stopped, killed and started again and
# again, 200 `status` calls (four at a time) each exit 0 or 69. A client whose key A does not
# list still gets 77.
. "$(dirname "$0")/lib.sh"
fed_setup A B
node_start A
node_start B

calls=${CALLS:-200}
loops=()
# four loops of status calls, each recording its exit codes
for k in 1 2 3 4; do
	(
		for i in $(seq $((calls / 4))); do
			"$LIAISON" -c "$T/A/reader.conf" --timeout 1 status >/dev/null 2>>"$T/status-$k.err"
			echo $?
		done >"$T/codes-$k"
		touch "$T/done-$k"
	) &
	loops+=($!)
done
restarts=0
all_done() { [ -f "$T/done-1" ] && [ -f "$T/done-2" ] && [ -f "$T/done-3" ] && [ -f "$T/done-4" ]; }
while ! all_done; do
	if [ $((restarts % 2)) -eq 0 ]; then node_stop A; else node_kill A; fi
	sleep 0.$((RANDOM % 3))
	node_start A
	restarts=$((restarts + 1))
	sleep 0.$((RANDOM % 4))
done
wait "${loops[@]}"
cat "$T"/codes-? >"$T/codes"
assert_eq "$(wc -l <"$T/codes")" "$calls" "status calls made"
note "$restarts restarts; exits: $(sort -n "$T/codes" | uniq -c | awk '{printf "%s×%s ", $1, $2}')"
bad=$(grep -cvE '^(0|69)$' "$T/codes")
[ "$bad" -eq 0 ] || fail "$bad calls exited neither 0 nor 69: $(sort "$T/codes" | uniq -c | tr '\n' ' '); $(grep -h . "$T"/status-*.err | sort | uniq -c | head -5)"
grep -q '^0$' "$T/codes" || fail "no call was answered"
[ "$restarts" -ge 3 ] || fail "only $restarts restarts"

# a client A does not list: still 77, at once
(cd "$T/A" && "$KEYS" generate --client stranger >/dev/null) || fail "generate client"
{
	echo "api       = ipc://$T/A/api.sock"
	echo "node_cert = A.pub"
	echo "key       = stranger.key"
} >"$T/A/stranger.conf"
"$LIAISON" -c "$T/A/stranger.conf" --timeout 3 status >/dev/null 2>"$T/err"
assert_eq "$?" 77 "exit of an unlisted client"
grep -q "not permitted" "$T/err" || fail "unlisted client was told: $(cat "$T/err")"
# and a client holding the wrong certificate for the node is not told it lacks permission
(cd "$T/A" && "$KEYS" generate --client impostor_node >/dev/null) || fail "generate"
sed "s/^node_cert.*/node_cert = impostor_node.pub/" "$T/A/reader.conf" >"$T/A/wrongcert.conf"
"$LIAISON" -c "$T/A/wrongcert.conf" --timeout 1 status >/dev/null 2>"$T/err"
rc=$?
[ "$rc" -ne 77 ] || fail "a wrong node_cert was reported as a refused key: $(cat "$T/err")"
node_stop A
node_stop B
