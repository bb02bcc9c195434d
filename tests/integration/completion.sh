#!/bin/bash
# Bash completion for the three programs: each file parses, and completing
# a few command lines offers the right words. bash-completion's helpers are
# replaced by small stand-ins so the test needs no package.
. "$(dirname "$0")/lib.sh"
for f in liaison liaisond liaison-keys; do
	bash -n "$ROOT/completions/$f" || fail "completions/$f does not parse"
done

# complete FILE WORD...: the words offered for the last WORD, one a line
complete_words() {
	local file=$1
	shift
	bash -c '
		_init_completion() { cur=${COMP_WORDS[COMP_CWORD]}; prev=${COMP_WORDS[COMP_CWORD-1]}
			words=("${COMP_WORDS[@]}"); cword=$COMP_CWORD; }
		_filedir() { COMPREPLY=(FILE); }
		complete() { fn=$2; }
		. "$0"
		COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1))
		"$fn"
		printf "%s\n" "${COMPREPLY[@]}"' "$ROOT/completions/$file" "$@"
}
offers() { # WANT FILE WORD...
	local want=$1
	shift
	complete_words "$@" | grep -qx -- "$want" || fail "completing '$*' does not offer $want: $(complete_words "$@" | tr '\n' ' ')"
}
offers status liaison liaison st
offers peers liaison liaison -c x.conf pe
offers --batch liaison liaison send --ba
offers flash liaison liaison send status --precedence f
offers --json liaison liaison query --j
offers --version liaison liaison --ver
offers FILE liaison liaison -c ""
offers debug liaisond liaisond --log-level d
offers --check liaisond liaisond --ch
offers generate liaison-keys liaison-keys gen
offers --client liaison-keys liaison-keys generate --cl
offers --cert liaison-keys liaison-keys verify-envelope --ce
