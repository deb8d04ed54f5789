#!/usr/bin/env bash
# System tools the tests drive as a user would: Debian's AWS CLI against the local DynamoDB, and
# Debian's Chromium for the page of the tasks-app template (driven by playwright-core).
# Installs them with apt-get when missing and run as root (CI, a fresh machine); otherwise says how.
set -euo pipefail
need=()
[ -x /usr/bin/aws ] || need+=(awscli)
[ -x /usr/bin/chromium ] || need+=(chromium)
[ ${#need[@]} -eq 0 ] && exit 0
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  echo "Installing ${need[*]} for the tests (apt-get)"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
else
  echo "The tests need: ${need[*]}. On Debian or Ubuntu: sudo apt-get install ${need[*]}" >&2
  exit 1
fi
