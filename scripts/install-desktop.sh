#!/usr/bin/env bash
# Installs heapscope for the current user so it can be double-clicked: the binary (cargo
# install), the bundled samples next to it, the icon, the desktop entry and the
# .heapsnapshot file type. Undo with: scripts/install-desktop.sh --uninstall
set -euo pipefail
cd "$(dirname "$0")/.."
data=${XDG_DATA_HOME:-$HOME/.local/share}
bin_dir=${CARGO_HOME:-$HOME/.cargo}/bin
if [ "${1:-}" = "--uninstall" ]; then
  rm -f "$data/applications/heapscope.desktop" "$data/icons/hicolor/256x256/apps/heapscope.png" \
        "$data/mime/packages/heapscope-mime.xml"
  rm -rf "$bin_dir/sample-snapshots"
  cargo uninstall heapscope || true
  exit 0
fi
cargo install --path . --locked
mkdir -p "$bin_dir/sample-snapshots" "$data/applications" "$data/icons/hicolor/256x256/apps" "$data/mime/packages"
cp sample-snapshots/*.heapsnapshot.gz "$bin_dir/sample-snapshots/"
cp assets/heapscope.png "$data/icons/hicolor/256x256/apps/heapscope.png"
sed "s|^Exec=heapscope|Exec=$bin_dir/heapscope|" assets/heapscope.desktop > "$data/applications/heapscope.desktop"
cp assets/heapscope-mime.xml "$data/mime/packages/"
command -v update-mime-database >/dev/null && update-mime-database "$data/mime" || true
command -v update-desktop-database >/dev/null && update-desktop-database "$data/applications" || true
echo "installed: $bin_dir/heapscope and a Heapscope entry in your applications menu"
