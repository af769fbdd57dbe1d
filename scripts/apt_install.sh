#!/usr/bin/env bash
# Make sure a tool from Debian is installed: `scripts/apt_install.sh <command> [<package>]`.
# Installs <package> (default: <command>) with apt-get, as root or through passwordless sudo, when
# <command> is on neither the PATH nor /usr/sbin; fails loudly when it cannot. Used by `make bench`
# (wrk) and .ci/run (pgbouncer): a missing tool must never silently change what is measured or tested.
set -euo pipefail
command=$1
package=${2:-$1}

found() { command -v "$command" >/dev/null 2>&1 || [ -x "/usr/sbin/$command" ]; }

found && exit 0
echo "· $command is missing: installing the Debian package $package"
if [ "$(id -u)" -eq 0 ]; then
  sudo=()
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
  sudo=(sudo -n)
else
  echo "error: $command is not installed, and installing it needs root (or passwordless sudo): run" >&2
  echo "       apt-get install -y $package" >&2
  exit 1
fi
if ! command -v apt-get >/dev/null 2>&1; then
  echo "error: $command is not installed and this is not a Debian/Ubuntu system: install $package yourself" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
"${sudo[@]}" apt-get install -y --no-install-recommends "$package" >/dev/null \
  || { "${sudo[@]}" apt-get update -qq && "${sudo[@]}" apt-get install -y --no-install-recommends "$package" >/dev/null; }
found || { echo "error: $package was installed but $command is still not found" >&2; exit 1; }
echo "· installed $package"
