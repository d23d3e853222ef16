#!/usr/bin/env bash
# `make dist`: the self-contained latchkey binary. The Swift standard library is linked
# statically (--static-swift-stdlib) and so are libuv and Lua 5.1, from the archives Debian
# ships (libuv_a.a in libuv1-dev, liblua5.1.a in liblua5.1-0-dev): private pkg-config files put
# a directory holding only those archives first on the library path, so -luv and -llua5.1
# resolve to them. Built with LATCHKEY_UNCHECKED_EXCLUSIVITY=1 (Package.swift). What remains dynamic is the C library family (libc, libm, libstdc++,
# libgcc_s), present on every glibc Linux. Output: dist/latchkey (and a .tar.gz beside it).
set -euo pipefail
cd "$(dirname "$0")/.."
ARCH=$(uname -m)
MULTIARCH=$(gcc -dumpmachine 2>/dev/null || echo "$ARCH-linux-gnu")
SYSLIB=/usr/lib/$MULTIARCH
STATIC=$PWD/.build/dist/static
mkdir -p "$STATIC/lib" "$STATIC/pkgconfig" dist
for pair in "libuv_a.a:libuv.a" "liblua5.1.a:liblua5.1.a"; do
  src=$SYSLIB/${pair%%:*}
  [ -f "$src" ] || { echo "missing $src (install libuv1-dev and liblua5.1-0-dev)" >&2; exit 1; }
  ln -sf "$src" "$STATIC/lib/${pair##*:}"
done
cat > "$STATIC/pkgconfig/libuv.pc" <<PC
Name: libuv
Description: libuv, linked statically for dist
Version: $(pkg-config --modversion libuv)
Libs: -L$STATIC/lib -luv -lpthread -ldl -lrt
Cflags: $(pkg-config --cflags libuv)
PC
cat > "$STATIC/pkgconfig/lua5.1.pc" <<PC
Name: Lua
Description: Lua 5.1, linked statically for dist
Version: $(pkg-config --modversion lua5.1)
Libs: -L$STATIC/lib -llua5.1 -lm -ldl
Cflags: $(pkg-config --cflags lua5.1)
PC
# A fresh link every time (SwiftPM does not relink when only the library search path changed).
rm -f .build/dist/release/latchkey
LATCHKEY_UNCHECKED_EXCLUSIVITY=1 PKG_CONFIG_PATH=$STATIC/pkgconfig swift build -c release --product latchkey --scratch-path .build/dist \
  --static-swift-stdlib
cp .build/dist/release/latchkey dist/latchkey
strip dist/latchkey
VERSION=$(dist/latchkey --version | sed -n 's/.*v=\([^ ]*\).*/\1/p')
tar -C dist -czf "dist/latchkey-$VERSION-linux-$ARCH.tar.gz" latchkey
echo "dist/latchkey: $(du -h dist/latchkey | cut -f1), needs only:"
ldd dist/latchkey | sed 's/^/  /'
