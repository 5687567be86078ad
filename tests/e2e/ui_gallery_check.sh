#!/bin/sh
# Runs ui_gallery under Xvfb and checks its screenshots: at least MIN_SHOTS
# PNGs, each one a real picture (more than one colour, the window's size).
# usage: ui_gallery_check.sh UI_GALLERY OUT_DIR WIDTHxHEIGHT MIN_SHOTS
set -eu
gallery=$1
out=$2
size=$3
min_shots=$4

mkdir -p "$out"
rm -f "$out"/*.png "$out/list.txt"
"$(dirname "$0")/with_xvfb.sh" 1920x1920x24 "$gallery" "$out" "$size" > "$out/list.txt"

count=0
while read -r png; do
    [ -s "$png" ] || { echo "missing or empty: $png"; exit 1; }
    colours=$(identify -format '%k' "$png")
    dims=$(identify -format '%wx%h' "$png")
    if [ "$colours" -le 1 ]; then
        echo "a single flat colour: $png"
        exit 1
    fi
    if [ "$dims" != "$size" ]; then
        echo "wrong size $dims (wanted $size): $png"
        exit 1
    fi
    count=$((count + 1))
done < "$out/list.txt"

if [ "$count" -lt "$min_shots" ]; then
    echo "only $count screenshots (wanted at least $min_shots)"
    exit 1
fi
echo "$count screenshots look like pictures"
