#!/bin/sh
# Installs the build dependencies that are missing, with apt-get: meson,
# ninja, cmocka, libdw, pkg-config and rsvg-convert (librsvg2-bin), which
# every build needs; and for the arm64 run of make check the cross compiler,
# qemu-user and the arm64 libraries the suites load (cmocka, libatomic),
# after adding the arm64 architecture to dpkg; for the fuzz targets, clang
# 14 and its runtime libraries (libFuzzer, the sanitizers). Without root it
# prints the command, and fails if a package every build needs is missing
# (make check skips the arm64 run and the fuzzing without their tools).
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
arm64=""
command -v aarch64-linux-gnu-gcc >/dev/null 2>&1 || arm64="$arm64 gcc-aarch64-linux-gnu"
command -v qemu-aarch64 >/dev/null 2>&1 || arm64="$arm64 qemu-user"
[ -f /usr/lib/aarch64-linux-gnu/pkgconfig/cmocka.pc ] || arm64="$arm64 libcmocka-dev:arm64"
[ -e /usr/lib/aarch64-linux-gnu/libatomic.so.1 ] || arm64="$arm64 libatomic1:arm64"
fuzz=""
command -v clang-14 >/dev/null 2>&1 || fuzz=" clang-14"
ls /usr/lib/llvm-14/lib/clang/*/lib/linux/libclang_rt.fuzzer-*.a >/dev/null 2>&1 ||
	fuzz="$fuzz libclang-rt-14-dev"
missing="$missing$arm64$fuzz"
[ -z "$missing" ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
	echo "dmamap: missing build dependencies:$missing" >&2
	echo "dmamap: install them as root with:" >&2
	[ -z "$arm64" ] || echo "    dpkg --add-architecture arm64" >&2
	echo "    apt-get update && apt-get install -y$missing" >&2
	[ "$missing" = "$arm64$fuzz" ] && exit 0
	exit 1
fi
echo "dmamap: installing$missing"
export DEBIAN_FRONTEND=noninteractive
if [ -n "$arm64" ] && ! dpkg --print-foreign-architectures | grep -qx arm64; then
	dpkg --add-architecture arm64 || { echo "dmamap: dpkg --add-architecture arm64 failed" >&2; exit 1; }
fi
apt-get update -qq >/dev/null && apt-get install -y -qq $missing >/dev/null || {
	echo "dmamap: apt-get install -y$missing failed" >&2
	exit 1
}
