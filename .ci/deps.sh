#!/bin/sh
# make deps: install the Debian packages nnpipe needs, but only when
# something is missing.  As root it runs apt-get; otherwise it prints the
# command to run and fails.  One dpkg-query for all of them: make check
# starts here, and a process costs milliseconds on some virtual machines.
missing=$(dpkg-query -W -f='${Package} ${Status}\n' "$@" 2>/dev/null |
	awk -v want="$*" '$NF == "installed" && $(NF - 1) == "ok" { ok[$1] = 1 }
	     END { n = split(want, w, " "); for (i = 1; i <= n; i++) if (!(w[i] in ok)) printf " %s", w[i] }')
if [ -z "$missing" ]; then
	echo "deps: all Debian packages present"
	exit 0
fi
echo "deps: missing:$missing"
if [ "$(id -u)" -ne 0 ]; then
	echo "deps: run as root:  apt-get install -y$missing" >&2
	exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -q && apt-get install -y -q --no-install-recommends $missing
