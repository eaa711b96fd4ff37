#!/bin/sh
# Installs the build dependencies that are missing: meson, ninja, cmocka, libdw,
# pkg-config and rsvg-convert (librsvg2-bin), with apt-get. Without root it
# prints the command and fails.
set -u
missing=""
command -v meson >/dev/null 2>&1 || missing="$missing meson"
command -v ninja >/dev/null 2>&1 || missing="$missing ninja-build"
command -v pkg-config >/dev/null 2>&1 || missing="$missing pkg-config"
# the command's tests render its pictures to PNG
command -v rsvg-convert >/dev/null 2>&1 || missing="$missing librsvg2-bin"
if ! command -v pkg-config >/dev/null 2>&1 || ! pkg-config --exists cmocka 2>/dev/null; then
	missing="$missing libcmocka-dev"
fi
# the debugger's call sites (file:line, static functions) come from libdw
if ! command -v pkg-config >/dev/null 2>&1 || ! pkg-config --exists libdw 2>/dev/null; then
	missing="$missing libdw-dev"
fi
[ -z "$missing" ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
	echo "dmamap: missing build dependencies:$missing" >&2
	echo "dmamap: install them as root with:" >&2
	echo "    apt-get update && apt-get install -y$missing" >&2
	exit 1
fi
echo "dmamap: installing$missing"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >/dev/null && apt-get install -y -qq $missing >/dev/null || {
	echo "dmamap: apt-get install -y$missing failed" >&2
	exit 1
}
