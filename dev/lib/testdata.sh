#!/usr/bin/env bash
# Test inputs that come from Debian packages, cached outside the clone:
#   gdal-bin (ogr2ogr, the reference loader the worker is compared with)
#   r-cran-sf's nc.shp / nc.gpkg (NAD27 data for reprojection tests), unpacked with dpkg -x: R itself is not installed.
# Prints `export FANOUT_SF_DIR=...`.
set -euo pipefail
LOG_TAG=testdata
source "$(dirname "$0")/common.sh"
apt_install gdal-bin
dir="$FANOUT_CACHE/data/r-cran-sf"
if [ ! -f "$dir/sf/shape/nc.shp" ]; then
  log "unpacking r-cran-sf's sample data (nc.shp, nc.gpkg)"
  tmp=$(mktemp -d); chmod 755 "$tmp"
  (cd "$tmp" && apt-get download r-cran-sf >/dev/null 2>&1 || { apt-get update -qq >/dev/null && apt-get download r-cran-sf >/dev/null 2>&1; }) \
    || die "apt-get download r-cran-sf failed"
  dpkg -x "$tmp"/r-cran-sf_*.deb "$tmp/x"
  mkdir -p "$dir"; rm -rf "$dir/sf"
  cp -r "$tmp/x/usr/lib/R/site-library/sf" "$dir/sf"
  rm -rf "$tmp"
fi
echo "export FANOUT_SF_DIR=$dir/sf"
