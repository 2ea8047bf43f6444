#!/usr/bin/env bash
# Builds the stand-in Linux guest for umonitor's QEMU backend tests: Debian's cloud kernel (downloaded
# with apt-get download and unpacked with dpkg -x, never installed) and an initramfs whose /init is
# init.c, linked statically with the umonitor C client, plus the virtio-net modules it loads.
#
#   build-linux-guest.sh OUTDIR      ->  OUTDIR/vmlinuz, OUTDIR/initramfs.cpio.gz, OUTDIR/kernel-version
#
# The kernel and its modules are cached per kernel version in ${UMONITOR_CACHE:-~/.cache/umonitor}
# (about 30 MB, downloaded once); /init is rebuilt each time (about a second). Needs apt-get with
# package lists (apt-get update), dpkg, gcc with static glibc (libc6-dev), cpio and gzip.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
out=${1:?usage: build-linux-guest.sh OUTDIR}
client=${UMONITOR_C_CLIENT:-$here/../../../../../umonitor-log-protocol/clients/c}
cache_root=${UMONITOR_CACHE:-$HOME/.cache/umonitor}

for tool in apt-cache apt-get dpkg gcc cpio gzip; do
  command -v "$tool" >/dev/null || { echo "build-linux-guest: $tool is missing" >&2; exit 2; }
done
[ -f "$client/umonitor_log.c" ] || { echo "build-linux-guest: C client not found in $client (set UMONITOR_C_CLIENT)" >&2; exit 2; }

# The metapackage names the current kernel package; its version keys the cache.
kernel_pkg=$(apt-cache depends linux-image-cloud-amd64 2>/dev/null | awk '/Depends: linux-image-[0-9]/ {print $2; exit}')
if [ -z "$kernel_pkg" ]; then
  echo "build-linux-guest: apt knows no linux-image-cloud-amd64: run apt-get update" >&2
  exit 3
fi
kernel_version=${kernel_pkg#linux-image-}
cache=$cache_root/linux-guest/$kernel_version

if [ ! -f "$cache/vmlinuz" ]; then
  work=$(mktemp -d)
  trap 'rm -rf "$work"' EXIT
  (cd "$work" && apt-get download -q "$kernel_pkg" >/dev/null 2>&1) \
    || { echo "build-linux-guest: apt-get download $kernel_pkg failed (network? apt-get update?)" >&2; exit 3; }
  dpkg -x "$work"/*.deb "$work/root"
  mkdir -p "$cache.tmp/modules"
  cp "$work/root/boot/vmlinuz-$kernel_version" "$cache.tmp/vmlinuz"
  for m in virtio_ring virtio_pci_modern_dev virtio_pci_legacy_dev virtio virtio_pci failover net_failover virtio_net; do
    found=$(find "$work/root/lib/modules/$kernel_version" -name "$m.ko*" | head -n 1)
    [ -z "$found" ] && continue   # built in
    case "$found" in
      *.ko.xz) xz -dc "$found" > "$cache.tmp/modules/$m.ko" ;;
      *.ko.zst) zstd -dqc "$found" > "$cache.tmp/modules/$m.ko" ;;
      *) cp "$found" "$cache.tmp/modules/$m.ko" ;;
    esac
  done
  rm -rf "$cache" && mkdir -p "$(dirname "$cache")" && mv "$cache.tmp" "$cache"
fi

mkdir -p "$out"
root=$(mktemp -d)
trap 'rm -rf "$root" ${work:+"$work"}' EXIT
mkdir -p "$root/dev" "$root/proc" "$root/modules"
cp "$cache"/modules/*.ko "$root/modules/" 2>/dev/null || true
gcc -static -O2 -Wall -Wextra -Werror -DUMON_FWCFG -I"$client" -o "$root/init" "$here/init.c" "$client/umonitor_log.c" \
  "$client/umonitor_fwcfg.c" -lpthread
(cd "$root" && find . | cpio -o -H newc --quiet) | gzip -1 > "$out/initramfs.cpio.gz.tmp"
mv "$out/initramfs.cpio.gz.tmp" "$out/initramfs.cpio.gz"
cp "$cache/vmlinuz" "$out/vmlinuz"
echo "$kernel_version" > "$out/kernel-version"
echo "$out (kernel $kernel_version)"
