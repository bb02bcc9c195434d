#!/bin/bash
# `make install` into a DESTDIR puts the programs, man pages, unit, example
# configuration and completions in place; `make uninstall` leaves no file
# behind. The installed example configuration passes `liaisond --check`
# once its names and paths are made real.
. "$(dirname "$0")/lib.sh"
dest=$T/root
make -s -C "$ROOT" BUILD="$BUILD" DESTDIR="$dest" PREFIX=/usr install >"$T/install.log" 2>&1 ||
	fail "make install: $(cat "$T/install.log")"
for f in usr/bin/liaison usr/bin/liaison-keys usr/sbin/liaisond usr/share/man/man1/liaison.1 \
	usr/share/man/man5/liaisond.conf.5 usr/share/man/man8/liaisond.8 usr/lib/systemd/system/liaisond.service \
	usr/share/doc/liaison/liaisond.conf.example usr/share/bash-completion/completions/liaison \
	usr/share/bash-completion/completions/liaisond usr/share/bash-completion/completions/liaison-keys; do
	[ -f "$dest/$f" ] || fail "not installed: /$f"
done
grep -q '^ExecStart=/usr/sbin/liaisond ' "$dest/usr/lib/systemd/system/liaisond.service" ||
	fail "unit's ExecStart does not follow PREFIX"
"$dest/usr/sbin/liaisond" --version | grep -q '^liaisond [0-9]' || fail "installed liaisond --version"

# the example configuration, with real keys and certificates
ex=$T/etc
mkdir -p "$ex/peers" "$ex/clients"
(cd "$ex" && "$KEYS" generate ALPHA >/dev/null && cd peers && "$KEYS" generate BRAVO >/dev/null &&
	"$KEYS" generate CHARLIE >/dev/null && cd ../clients && for c in officer1 siren ops; do
		"$KEYS" generate --client "$c" >/dev/null
	done) || fail "keys for the example"
sed -e "s|/etc/liaison|$ex|g" -e "s|/run/liaison|$T|" -e "s|/var/lib/liaison|$T/data|" \
	"$dest/usr/share/doc/liaison/liaisond.conf.example" >"$ex/liaisond.conf"
mkdir -p "$T/data" # --check wants data_dir to exist (systemd's StateDirectory makes it)
"$LIAISOND" -c "$ex/liaisond.conf" --check >"$T/check" 2>&1 || fail "example configuration: $(cat "$T/check")"
grep -q "2 peers, 3 clients" "$T/check" || fail "example configuration: $(cat "$T/check")"

make -s -C "$ROOT" BUILD="$BUILD" DESTDIR="$dest" PREFIX=/usr uninstall >"$T/uninstall.log" 2>&1 ||
	fail "make uninstall: $(cat "$T/uninstall.log")"
left=$(find "$dest" -not -type d)
[ -z "$left" ] || fail "left after uninstall: $left"
[ ! -d "$dest/usr/share/doc/liaison" ] || fail "documentation folder left after uninstall"
