#!/usr/bin/env bash
# Touchpoint developer entry point: installs the missing Debian packages,
# configures (CMake + Ninja), builds, then runs the kiosk or the tests.
#
#   scripts/dev.sh run    set up, build, run the kiosk in a window
#   scripts/dev.sh test   set up, build, run every test (ctest)
#   scripts/dev.sh build  set up and build only
#   scripts/dev.sh package  set up, build, and make the Debian packages
#                         touchpoint-kiosk and touchpoint-server in dist/
set -euo pipefail
cd "$(dirname "$0")/.."

BUILD_DIR=${BUILD_DIR:-build}
JOBS=${JOBS:-2}

PACKAGES=(
  # toolchain
  cmake ninja-build g++ pkg-config clang
  # window and UI (drawn by SDL in software without a GPU; Mesa for the
  # GPU renderer, which tests run on llvmpipe)
  libsdl2-dev libimgui-dev libgl-dev libgl1-mesa-dri
  # storage, HTTP, time zones, formats, crypto, CLI
  libsqlite3-dev sqlite3 postgresql libcurl4-openssl-dev libboost-dev libcpp-httplib-dev libhowardhinnant-date-dev tzdata
  nlohmann-json3-dev libtomlplusplus-dev libsodium-dev libcli11-dev libpq-dev libjs-chart.js
  # tests and benchmarks
  catch2 libbenchmark-dev openssl curl chromium nodejs poppler-utils iproute2 python3 procps nginx-light haproxy faketime
  # fonts loaded at run time (Latin incl. macrons; Chinese)
  fonts-noto-core fonts-wqy-microhei fonts-dejavu-core
  # headless GUI tests
  xvfb xauth xdotool imagemagick x11-utils
  # the install test: clean Debian roots, booted with systemd-nspawn, and
  # packages of an old release
  mmdebstrap systemd-container dpkg-dev
  # packages: lint; the kiosk session under cage (headless in the tests) and
  # its screenshots; the metrics and alert rules' checks
  lintian cage xwayland grim prometheus
)
# npm (the web dashboard's browser test installs playwright-core with it) is
# Debian's package unless a Node.js build that bundles it is installed.
command -v npm >/dev/null 2>&1 || PACKAGES+=(npm)

install_missing() {
  local missing=()
  for p in "${PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  echo "Installing ${#missing[@]} missing package(s): ${missing[*]}"
  local sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get update -qq
  $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

build() {
  if [ ! -f "$BUILD_DIR/build.ninja" ]; then
    cmake -S . -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
  fi
  cmake --build "$BUILD_DIR" -j "$JOBS"
}

DEMO_SERVER_PID=""
stop_demo_server() {
  [ -n "$DEMO_SERVER_PID" ] || return 0
  kill "$DEMO_SERVER_PID" 2>/dev/null || true
  wait "$DEMO_SERVER_PID" 2>/dev/null || true
  DEMO_SERVER_PID=""
}

# The demo: a local touchpoint-server on its embedded SQLite default, a store
# and touch point made once, and a kiosk enrolled against it.
run_demo() {
  local demo="${TOUCHPOINT_DEMO_DIR:-$BUILD_DIR/demo}" port=${TOUCHPOINT_DEMO_PORT:-8787}
  local server="$BUILD_DIR/server/touchpoint-server" kiosk="$BUILD_DIR/touchpoint-kiosk"
  local db="sqlite:$demo/server.db" url="http://127.0.0.1:$port"
  mkdir -p "$demo"
  if [ ! -f "$demo/server.db" ]; then
    "$server" admin --db "$db" create-store --id demo --name "Demo Store" --time-zone Pacific/Auckland >/dev/null
    "$server" admin --db "$db" create-touch-point --store demo --key demo-checkout-1 --name "Checkout 1" \
      --survey assets/surveys/checkout.toml >/dev/null
  fi
  "$server" --db "$db" --listen "127.0.0.1:$port" > "$demo/server.log" 2>&1 &
  # Global, not local: the EXIT trap runs after this function has returned.
  DEMO_SERVER_PID=$!
  trap stop_demo_server EXIT
  for _ in $(seq 1 50); do
    grep -q "listening" "$demo/server.log" 2>/dev/null && break
    kill -0 "$DEMO_SERVER_PID" 2>/dev/null || { cat "$demo/server.log" >&2; exit 1; }
    sleep 0.1
  done
  echo "touchpoint-server: $url (log: $demo/server.log)"
  if [ ! -f "$demo/kiosk/server_config.json" ]; then
    local code
    code=$("$server" admin --db "$db" create-enrollment-code --touch-point demo-checkout-1 2>/dev/null)
    "$kiosk" enroll --server "$url" --code "$code" --data-dir "$demo/kiosk"
  fi
  "$kiosk" --data-dir "$demo/kiosk" --windowed 1280x800 "$@"
}

cmd=${1:-run}
shift || true
case "$cmd" in
  build)
    install_missing
    build
    ;;
  run)
    install_missing
    build
    if [ -z "${DISPLAY:-}" ] && [ -z "${WAYLAND_DISPLAY:-}" ]; then
      echo "No display found (DISPLAY / WAYLAND_DISPLAY unset): the kiosk needs a screen." >&2
      echo "On a headless machine try: xvfb-run -a -s '-screen 0 1280x800x24' $0 run" >&2
      exit 1
    fi
    run_demo "$@"
    ;;
  package)
    install_missing
    build
    packaging/build-packages.sh "$BUILD_DIR" "${DIST_DIR:-dist}"
    ;;
  test)
    install_missing
    build
    ctest --test-dir "$BUILD_DIR" --output-on-failure -j "$JOBS" "$@"
    ;;
  *)
    echo "usage: $0 run|test|build|package" >&2
    exit 2
    ;;
esac
