#!/usr/bin/env bash
# Builds the Debian packages touchpoint-kiosk and touchpoint-server from an
# existing, built build tree (scripts/dev.sh package calls this after its
# build): no second build, no debhelper.
#
# usage: packaging/build-packages.sh BUILD_DIR OUT_DIR
#
# What goes where:
#   cmake --install --component kiosk|server --strip   /usr/bin and /usr/share/touchpoint
#   packaging/kiosk.toml, server.toml                  /etc/touchpoint (conffiles)
#   packaging/touchpoint-*.service                     /lib/systemd/system
#   packaging/debian/PACKAGE/{postinst,prerm,postrm}   maintainer scripts
#   packaging/debian/PACKAGE.lintian-overrides         each override with its reason
#   packaging/man/*.1, debian/copyright, docs          /usr/share/{man,doc}
# Depends: what dpkg-shlibdeps computes from the binary, plus what is loaded
# at run time and so invisible to it (listed below, each with its reason).
# Prints each package's path, then lintian's verdict when lintian is there.
set -euo pipefail
[ $# -eq 2 ] || { echo "usage: $0 BUILD_DIR OUT_DIR" >&2; exit 2; }
repo=$(cd "$(dirname "$0")/.." && pwd)
build=$(cd "$1" && pwd)
mkdir -p "$2"
out=$(cd "$2" && pwd)
pkg=$repo/packaging
for tool in cmake dpkg-deb dpkg-shlibdeps gzip; do
    command -v "$tool" >/dev/null || { echo "$0: $tool is not installed (scripts/dev.sh installs it)" >&2; exit 1; }
done
for bin in "$build/touchpoint-kiosk" "$build/server/touchpoint-server"; do
    [ -x "$bin" ] || { echo "$0: $bin is not built (scripts/dev.sh build)" >&2; exit 1; }
done

version=$("$build/server/touchpoint-server" --version | awk '{print $NF}')
[[ "$version" =~ ^[0-9]+\.[0-9]+\.[0-9]+$ ]] || { echo "$0: cannot read the version from touchpoint-server --version (\"$version\")" >&2; exit 1; }
arch=$(dpkg --print-architecture)
# Reproducible: file times and the changelog's date from the last commit.
epoch=$(git -C "$repo" log -1 --format=%ct 2>/dev/null || date +%s)
export SOURCE_DATE_EPOCH=$epoch
maintainer="Touchpoint developers <dev@touchpoint.example>"

stage=$build/packages
rm -rf "$stage"
mkdir -p "$stage"

# --- Pieces shared by both packages ---

# shlibs_depends BINARY: the Depends dpkg-shlibdeps computes for it.
shlibs_depends() {
    local dir
    dir=$(mktemp -d)
    mkdir "$dir/debian"
    printf 'Source: touchpoint\n\nPackage: touchpoint\nArchitecture: any\n' >"$dir/debian/control"
    (cd "$dir" && dpkg-shlibdeps -O -e"$1") | sed -n 's/^shlibs:Depends=//p'
    rm -rf "$dir"
}

# docs ROOT PACKAGE: copyright, changelog, man page.
docs() {
    local r=$1 p=$2 doc=$1/usr/share/doc/$2
    install -d "$doc" "$r/usr/share/man/man1"
    install -m 0644 "$pkg/debian/copyright" "$doc/copyright"
    {
        echo "touchpoint ($version) unstable; urgency=medium"
        echo
        echo "  * Release $version: see the README and docs/ of the source."
        echo
        echo " -- $maintainer  $(date -u -R -d "@$epoch")"
    } | gzip -9n >"$doc/changelog.gz"
    gzip -9n <"$pkg/man/$p.1" >"$r/usr/share/man/man1/$p.1.gz"
    install -m 0644 "$repo/docs/deploy.md" "$doc/deploy.md"
}

# control ROOT PACKAGE DEPENDS SYNOPSIS DESCRIPTION
control() {
    local r=$1 size
    size=$(du -sk --exclude=DEBIAN "$r" | cut -f1)
    {
        echo "Package: $2"
        echo "Version: $version"
        echo "Architecture: $arch"
        echo "Maintainer: $maintainer"
        echo "Installed-Size: $size"
        echo "Depends: $3"
        echo "Section: misc"
        echo "Priority: optional"
        echo "Description: $4"
        echo "$5" | fold -s -w 72 | sed 's/ *$//; s/^/ /'
    } >"$r/DEBIAN/control"
}

# stage_package PACKAGE COMPONENT RUNTIME_DEPENDS SYNOPSIS DESCRIPTION: the
# install rules' files plus the package's config (packaging/COMPONENT.toml,
# a conffile), unit, maintainer scripts, overrides, docs and control file.
# Depends: dpkg-shlibdeps on the binary, then RUNTIME_DEPENDS.
stage_package() {
    local p=$1 c=$2 r=$stage/$1 s
    DESTDIR=$r cmake --install "$build" --prefix /usr --component "$c" --strip >/dev/null
    install -d "$r/DEBIAN" "$r/etc/touchpoint" "$r/lib/systemd/system"
    install -m 0644 "$pkg/$c.toml" "$r/etc/touchpoint/$c.toml"
    echo "/etc/touchpoint/$c.toml" >"$r/DEBIAN/conffiles"
    install -m 0644 "$pkg/$p.service" "$r/lib/systemd/system/$p.service"
    for s in postinst prerm postrm; do
        install -m 0755 "$pkg/debian/$p/$s" "$r/DEBIAN/$s"
    done
    if [ -f "$pkg/debian/$p.lintian-overrides" ]; then
        install -d "$r/usr/share/lintian/overrides"
        install -m 0644 "$pkg/debian/$p.lintian-overrides" "$r/usr/share/lintian/overrides/$p"
    fi
    docs "$r" "$p"
    control "$r" "$p" "$(shlibs_depends "$r/usr/bin/$p"), $3" "$4" "$5"
}

# Loaded at run time, so invisible to dpkg-shlibdeps:
#   libcurl4            dlopen'ed when the kiosk first talks to a server
#   libgl1-mesa-dri,    Mesa's drivers behind libGL/EGL (the GPU renderer;
#   libegl-mesa0        llvmpipe without a GPU)
#   fonts-*             the faces the kiosk loads by path (Latin with macrons,
#                       Chinese, and a fallback)
#   cage, xwayland      the kiosk session of touchpoint-kiosk.service
#   libjs-chart.js      the dashboard's charts, served from its installed file
#   adduser             the maintainer scripts make the package's user
stage_package touchpoint-kiosk kiosk \
    "libcurl4, libgl1-mesa-dri, libegl-mesa0, fonts-noto-core, fonts-wqy-microhei, fonts-dejavu-core, cage, xwayland, adduser" \
    "customer feedback kiosk for in-store touch points" \
    "Touchpoint shows one question with large answer faces on a touch screen at a checkout or help desk. Every tap is stored at once in a local SQLite database, synced in batches to a Touchpoint server, and summed up for staff on the device behind a PIN. The package runs the kiosk in the cage compositor on tty1 as its own user, with a watchdog that restarts a hung kiosk."
stage_package touchpoint-server server \
    "libjs-chart.js, adduser" \
    "head-office server for Touchpoint feedback kiosks" \
    "The server receives the kiosks' responses and heartbeats over HTTP or HTTPS, stores them in SQLite (the default) or PostgreSQL, and serves the head-office API and a web dashboard: service standards, consistency, stores, touch points, devices and exports. It runs as a hardened notify service with its options in /etc/touchpoint/server.toml."

# --- Build ---
for p in touchpoint-kiosk touchpoint-server; do
    r=$stage/$p
    find "$r" -path "$r/DEBIAN" -prune -o -type d -exec chmod 0755 {} +
    find "$r" -path "$r/DEBIAN" -prune -o -type f ! -perm -u+x -exec chmod 0644 {} +
    find "$r" -exec touch -h -d "@$epoch" {} +
    f=$out/${p}_${version}_${arch}.deb
    dpkg-deb --root-owner-group -Zxz --build "$r" "$f" >/dev/null
    echo "$f"
done

# lintian: errors fail the build; warnings are either fixed or overridden
# with a reason (packaging/debian/*.lintian-overrides).
command -v lintian >/dev/null || { echo "$0: lintian is not installed (scripts/dev.sh installs it)" >&2; exit 1; }
report=$stage/lintian.txt
lintian --tag-display-limit 0 "$out/touchpoint-kiosk_${version}_${arch}.deb" \
    "$out/touchpoint-server_${version}_${arch}.deb" >"$report" 2>&1 || true
errors=$(grep -c '^E: ' "$report" || true) warnings=$(grep -c '^W: ' "$report" || true)
echo "lintian: $errors errors, $warnings warnings"
sed 's/^/  /' "$report"
[ "$errors" -eq 0 ] || { echo "$0: lintian reports errors (above)" >&2; exit 1; }
