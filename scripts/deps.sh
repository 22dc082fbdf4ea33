#!/usr/bin/env bash
# Installs the Debian packages btnode builds and tests with, if any is missing.
set -euo pipefail
packages=(
  build-essential cmake ninja-build pkg-config clang libclang-rt-14-dev
  libasio-dev libssl-dev libsodium-dev libspdlog-dev libgtest-dev libgmock-dev
  libcli11-dev nlohmann-json3-dev libcurl4-openssl-dev
  python3 python3-libtorrent aria2 mktorrent openssl
  opentracker transmission-daemon transmission-cli
)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "installing: ${missing[*]}"
  sudo_cmd=""
  [ "$(id -u)" -eq 0 ] || sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
