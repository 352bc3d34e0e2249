#!/usr/bin/env bash
# Installs the Debian packages a target needs, only when something is missing.
# Usage: ensure_system_packages.sh run|test
set -euo pipefail

want=()
have_cmd() { command -v "$1" >/dev/null 2>&1; }
have_pg() { have_cmd initdb || compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null; }

py=${PYTHON:-python3.11}
have_cmd "$py" || py=python3
"$py" -c "import ensurepip, venv" >/dev/null 2>&1 || want+=("python3-venv" "python3.11-venv")
have_cmd ffmpeg && have_cmd ffprobe || want+=(ffmpeg)
if [ "${1:-run}" = test ]; then
  have_pg || want+=(postgresql)
  have_cmd redis-server || want+=(redis-server)
  have_cmd /usr/bin/chromium || want+=(chromium)
  have_cmd make || want+=(make)
  # the captions tests and bench make known speech with espeak-ng and mix noise with sox
  have_cmd espeak-ng || want+=(espeak-ng)
  have_cmd sox || want+=(sox)
fi

[ ${#want[@]} -eq 0 ] && exit 0
echo "Installing Debian packages: ${want[*]}"
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
# python3.11-venv only exists on releases that ship 3.11 as a versioned package; try both names.
$sudo apt-get install -y -qq --no-install-recommends "${want[@]}" >/dev/null || \
  $sudo apt-get install -y -qq --no-install-recommends $(printf '%s\n' "${want[@]}" | grep -v '^python3.11-venv$') >/dev/null
