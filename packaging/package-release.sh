#!/usr/bin/env bash
# Packages an old release as the Debian packages touchpoint-kiosk and
# touchpoint-server of that version, built from a git worktree of its tag.
# It is for releases made before Touchpoint had install rules and packaging
# (0.1.0): the upgrade test installs them, stores data with them, and then
# upgrades to the current packages.
#
# usage: packaging/package-release.sh [--commit ID] VERSION OUT_DIR
#   VERSION      the release, e.g. 0.1.0; its source is the tag vVERSION
#   --commit ID  the release's commit, used when the tag is absent (a clone
#                made without tags); with neither, the script stops
#   OUT_DIR      where touchpoint-{kiosk,server}_VERSION_ARCH.deb are written
#
# BUILD_DIR (default: build) holds the worktree and its build tree in
# BUILD_DIR/release-VERSION/{src,build}, so a second run rebuilds nothing.
# Only the two binaries are built (no tests, no benchmarks), with Ninja -j2
# (JOBS overrides). TOUCHPOINT_BUILD_LOCK names a lock file the build takes
# with flock, for machines where builds must not run at once.
#
# What the packages hold, and what the release itself could not do:
#   touchpoint-kiosk   /usr/lib/touchpoint/touchpoint-kiosk  the release's binary
#                      /usr/bin/touchpoint-kiosk             a wrapper, see below
#                      /usr/share/touchpoint/                kiosk.toml, i18n/, surveys/
#   touchpoint-server  /usr/bin/touchpoint-server            the release's binary
#                      /usr/share/touchpoint/web/            the dashboard page
# An old binary looks for its assets in the source tree it was built from,
# which is compiled in. The kiosk's wrapper sets TOUCHPOINT_ASSETS to
# /usr/share/touchpoint unless it is set already (the release's own override).
# The server reads its assets only for the web dashboard: start it with
# --web-root /usr/share/touchpoint/web to serve the page (its API needs
# nothing). The release has no config files, units, users or maintainer
# scripts, so neither do these packages. Depends come from dpkg-shlibdeps,
# plus libcurl4 for the kiosk (it loads libcurl with dlopen); the fonts the
# kiosk loads and Chart.js are Recommends.
set -euo pipefail

usage() {
    echo "usage: $0 [--commit ID] VERSION OUT_DIR" >&2
    exit 2
}
commit_arg=""
while [ $# -gt 0 ]; do
    case "$1" in
        --commit) [ $# -ge 2 ] || usage; commit_arg=$2; shift 2 ;;
        -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
        -*) echo "$0: unknown option $1" >&2; usage ;;
        *) break ;;
    esac
done
[ $# -eq 2 ] || usage
version=$1 out=$2
[[ "$version" =~ ^[0-9]+\.[0-9]+\.[0-9]+$ ]] || { echo "$0: VERSION must look like 1.2.3, not \"$version\"" >&2; exit 2; }

repo=$(cd "$(dirname "$0")/.." && pwd)
cd "$repo"
BUILD_DIR=${BUILD_DIR:-build}
JOBS=${JOBS:-2}
for tool in git cmake ninja dpkg-deb dpkg-shlibdeps strip; do
    command -v "$tool" >/dev/null || { echo "$0: $tool is not installed (scripts/dev.sh installs it)" >&2; exit 1; }
done

# --- The release's commit: its tag, or the commit given ---
commit=""
if commit=$(git rev-parse -q --verify "refs/tags/v$version^{commit}" 2>/dev/null); then
    from="tag v$version"
elif [ -n "$commit_arg" ] && commit=$(git rev-parse -q --verify "$commit_arg^{commit}" 2>/dev/null); then
    from="commit $commit_arg (no tag v$version in this clone)"
else
    echo "$0: release $version not found: no tag v$version${commit_arg:+ and no commit $commit_arg} in this clone" >&2
    echo "$0: fetch the tags (git fetch --tags) or the full history, or pass --commit" >&2
    exit 1
fi
echo "release $version: $from, $(git log -1 --format='%h %cs' "$commit")"

# --- A worktree of it, kept in the build tree ---
mkdir -p "$BUILD_DIR"
rel=$(cd "$BUILD_DIR" && pwd)/release-$version
src=$rel/src bld=$rel/build
if [ -d "$src" ] && [ "$(git -C "$src" rev-parse HEAD 2>/dev/null || true)" = "$commit" ]; then
    :
else
    rm -rf "$src"
    git worktree prune
    git worktree add --detach --force "$src" "$commit" >/dev/null
fi

# --- Build the two binaries ---
started=$(date +%s)
lock=()
[ -n "${TOUCHPOINT_BUILD_LOCK:-}" ] && lock=(flock "$TOUCHPOINT_BUILD_LOCK")
if [ ! -f "$bld/build.ninja" ]; then
    # CI=true turns the release's warnings into errors; its code is what it
    # was, and a newer compiler's new warning must not stop the upgrade test.
    env -u CI cmake -S "$src" -B "$bld" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
        -DTOUCHPOINT_TESTS=OFF -DTOUCHPOINT_BENCH=OFF >"$rel/configure.log" 2>&1 ||
        { tail -30 "$rel/configure.log" >&2; echo "$0: configuring release $version failed (log: $rel/configure.log)" >&2; exit 1; }
fi
"${lock[@]}" cmake --build "$bld" -j "$JOBS" --target touchpoint-kiosk touchpoint-server >"$rel/build.log" 2>&1 ||
    { tail -30 "$rel/build.log" >&2; echo "$0: building release $version failed (log: $rel/build.log)" >&2; exit 1; }
echo "release $version: built touchpoint-kiosk and touchpoint-server in $(( $(date +%s) - started )) s ($bld)"
kiosk_bin=$bld/touchpoint-kiosk server_bin=$bld/server/touchpoint-server
[ -x "$kiosk_bin" ] && [ -x "$server_bin" ] || { echo "$0: the build made no binaries at $kiosk_bin, $server_bin" >&2; exit 1; }

# --- Stage and package ---
arch=$(dpkg --print-architecture)
stage=$rel/stage
rm -rf "$stage"

# shlibs_depends BINARY: the Depends line dpkg-shlibdeps computes for it.
shlibs_depends() {
    local dir
    dir=$(mktemp -d)
    mkdir "$dir/debian"
    printf 'Source: touchpoint\n\nPackage: touchpoint\nArchitecture: any\n' >"$dir/debian/control"
    (cd "$dir" && dpkg-shlibdeps -O -e"$1" 2>/dev/null) | sed -n 's/^shlibs:Depends=//p'
    rm -rf "$dir"
}

# control PACKAGE DEPENDS RECOMMENDS DESCRIPTION ROOT
control() {
    local size
    size=$(du -sk --exclude=DEBIAN "$5" | cut -f1)
    mkdir -p "$5/DEBIAN"
    cat >"$5/DEBIAN/control" <<EOF
Package: $1
Version: $version
Architecture: $arch
Maintainer: Touchpoint <touchpoint@localhost>
Installed-Size: $size
Depends: $2
Recommends: $3
Section: misc
Priority: optional
Homepage: https://localhost/touchpoint
Description: $4
 Release $version, packaged after the fact from its tag: the release had no
 install rules. See packaging/package-release.sh in the source.
EOF
}

k=$stage/touchpoint-kiosk
install -d "$k/usr/lib/touchpoint" "$k/usr/bin" "$k/usr/share/touchpoint"
strip --strip-debug -o "$k/usr/lib/touchpoint/touchpoint-kiosk" "$kiosk_bin"
cat >"$k/usr/bin/touchpoint-kiosk" <<'EOF'
#!/bin/sh
# Release 0.1.0 looks for its assets in its source tree; installed, they are here.
: "${TOUCHPOINT_ASSETS:=/usr/share/touchpoint}"
export TOUCHPOINT_ASSETS
exec /usr/lib/touchpoint/touchpoint-kiosk "$@"
EOF
chmod 0755 "$k/usr/bin/touchpoint-kiosk"
cp -r "$src/assets/kiosk.toml" "$src/assets/i18n" "$src/assets/surveys" "$k/usr/share/touchpoint/"
# libcurl is loaded with dlopen when the kiosk first talks to a server, so
# dpkg-shlibdeps cannot see it.
control touchpoint-kiosk "$(shlibs_depends "$kiosk_bin"), libcurl4" \
    "fonts-noto-core, fonts-wqy-microhei, fonts-dejavu-core, libgl1-mesa-dri" \
    "Touchpoint kiosk: one-question customer feedback on a touch screen" "$k"

s=$stage/touchpoint-server
install -d "$s/usr/bin" "$s/usr/share/touchpoint"
strip --strip-debug -o "$s/usr/bin/touchpoint-server" "$server_bin"
cp -r "$src/assets/web" "$s/usr/share/touchpoint/"
control touchpoint-server "$(shlibs_depends "$server_bin")" "libjs-chart.js" \
    "Touchpoint server: the API kiosks sync to, and the head-office dashboard" "$s"

mkdir -p "$out"
for p in touchpoint-kiosk touchpoint-server; do
    chmod -R u=rwX,go=rX "$stage/$p"
    dpkg-deb --root-owner-group -Zgzip --build "$stage/$p" "$out/${p}_${version}_${arch}.deb" >/dev/null
    echo "$out/${p}_${version}_${arch}.deb"
done
