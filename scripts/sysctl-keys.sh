#!/usr/bin/env bash
# Prints the table of known sysctl keys (data/sysctl-keys.txt) from this
# machine's /proc/sys, with per-interface keys generalised to `*`.
set -euo pipefail
cd /proc/sys
echo "# Kernel settings infrac accepts (sysctl keys). Generated from /proc/sys of a"
echo "# Linux 6.x machine; per-interface keys are written with \`*\` for the interface."
echo "# Regenerate with: scripts/sysctl-keys.sh > data/sysctl-keys.txt"
find . -type f 2>/dev/null | sed 's|^\./||; s|/|.|g' \
  | sed -E 's/^(net\.ipv[46]\.(conf|neigh)|net\.mpls\.conf)\.[^.]+\./\1.*./' \
  | grep -vE '^(fs\.binfmt_misc|dev\.tty|kernel\.random\.(uuid|boot_id)|debug)' | sort -u
