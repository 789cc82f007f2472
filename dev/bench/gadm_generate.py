#!/usr/bin/env python3
"""A deterministic GADM-shaped dataset: six nested administrative levels with GADM 4.1's column names and string keys.

    gadm_generate.py OUT_DIR [SCALE=0.1]

Writes OUT_DIR/ADM_0.geojsonl ... ADM_5.geojsonl (GeoJSON sequences, EPSG:4326); dev/bench/gadm.sh turns them into one
GeoPackage with layers ADM_0..ADM_5, as GADM ships its levels. Counts are GADM 4.1's scaled (default 1/10: about
26 / 366 / 4,722 / 14,419 / 15,341 / 5,143 features); every feature of level k lies inside its parent of level k-1 and
carries the parent's keys (GID_0 ... GID_k-1), as GADM's do. Boundaries are detailed the way real ones are: every edge
is densified and displaced by a smooth deterministic wiggle, coarser levels with more vertices per feature (national
outlines are the longest). No randomness from the clock: the same SCALE always gives the same bytes.
"""
import json
import math
import os
import sys

GADM_41 = [263, 3662, 47217, 144193, 153410, 51427]
VERTICES = [4000, 1500, 400, 200, 120, 100]  # per feature, by level
TYPES = ["Province", "District", "Municipality", "Commune", "Ward"]


def lcg(seed):
    """A small deterministic generator (no dependence on Python's random implementation)."""
    state = seed & 0xFFFFFFFF
    while True:
        state = (1103515245 * state + 12345) & 0x7FFFFFFF
        yield state / 0x7FFFFFFF


def split(box, n):
    """n cells tiling box (x0, y0, x1, y1) in a near-square grid (the last row may be short and its cells wider)."""
    x0, y0, x1, y1 = box
    cols = max(1, round(math.sqrt(n * (x1 - x0) / max(1e-9, (y1 - y0)))))
    rows = math.ceil(n / cols)
    cells = []
    for r in range(rows):
        in_row = min(cols, n - r * cols)
        for c in range(in_row):
            cells.append((x0 + (x1 - x0) * c / in_row, y0 + (y1 - y0) * r / rows,
                          x0 + (x1 - x0) * (c + 1) / in_row, y0 + (y1 - y0) * (r + 1) / rows))
    return cells


def ring(box, vertices):
    """The box's outline with `vertices` points, each interior edge point displaced by a wiggle of its position."""
    x0, y0, x1, y1 = box
    per_edge = max(1, vertices // 4)
    amp = 0.08 * min(x1 - x0, y1 - y0) / 2
    corners = [(x0, y0), (x1, y0), (x1, y1), (x0, y1)]
    pts = []
    for i in range(4):
        (ax, ay), (bx, by) = corners[i], corners[(i + 1) % 4]
        for j in range(per_edge):
            t = j / per_edge
            x, y = ax + (bx - ax) * t, ay + (by - ay) * t
            if j > 0:  # corners stay, so the ring stays inside its box and simple
                w = amp * math.sin(37.0 * t * math.pi) * math.sin(t * math.pi) * (0.6 + 0.4 * math.sin(x * 7.1 + y * 3.7))
                nx, ny = -(by - ay), (bx - ax)  # inward normal of a counter-clockwise ring
                norm = math.hypot(nx, ny) or 1.0
                x, y = x + w * nx / norm, y + w * ny / norm
            pts.append([round(x, 7), round(y, 7)])
    pts.append(pts[0])
    return pts


def main():
    out = sys.argv[1]
    scale = float(sys.argv[2]) if len(sys.argv) > 2 else 0.1
    counts = [max(1, round(n * scale)) for n in GADM_41]
    os.makedirs(out, exist_ok=True)
    rnd = lcg(4101)
    # Level 0: countries tiling the world's land latitudes.
    level = []
    for i, box in enumerate(split((-180.0, -56.0, 180.0, 78.0), counts[0])):
        gid = "".join(chr(65 + (i // 26 ** p) % 26) for p in (2, 1, 0))
        level.append({"box": box, "props": {"GID_0": gid, "COUNTRY": "Country " + gid}})
    levels = [level]
    for k in range(1, 6):
        parents = levels[-1]
        n = counts[k]
        # Deterministic order of parents; fewer children than parents (levels 4, 5): only some parents go deeper.
        order = sorted(range(len(parents)), key=lambda i: next(rnd))
        share = [0] * len(parents)
        for j in range(n):
            share[order[j % len(parents)]] += 1
        children = []
        for pi, parent in enumerate(parents):
            if share[pi] == 0:
                continue
            for ci, box in enumerate(split(parent["box"], share[pi])):
                pid = parent["props"]["GID_%d" % (k - 1)]
                base = pid[:-2] if k > 1 else pid  # GADM ids: AAA.1_1, AAA.1.2_1 ...
                gid = "%s.%d_1" % (base, ci + 1)
                props = {key: v for key, v in parent["props"].items() if key.startswith(("GID_", "NAME_", "COUNTRY"))}
                props.update({
                    "GID_%d" % k: gid, "NAME_%d" % k: "Area %s" % gid, "VARNAME_%d" % k: None,
                    "NL_NAME_%d" % k: None, "TYPE_%d" % k: TYPES[k - 1], "ENGTYPE_%d" % k: TYPES[k - 1],
                    "CC_%d" % k: str(ci + 1), "HASC_%d" % k: gid.replace("_1", "").replace(".", "."),
                })
                if k == 1:
                    props["ISO_1"] = "%s-%02d" % (parent["props"]["GID_0"], ci + 1)
                children.append({"box": box, "props": props})
        levels.append(children)
    for k, features in enumerate(levels):
        with open(os.path.join(out, "ADM_%d.geojsonl" % k), "w") as f:
            for feat in features:
                geom = {"type": "MultiPolygon", "coordinates": [[ring(feat["box"], VERTICES[k])]]}
                f.write(json.dumps({"type": "Feature", "properties": feat["props"], "geometry": geom}, separators=(",", ":")))
                f.write("\n")
        print("ADM_%d %d features" % (k, len(features)))


if __name__ == "__main__":
    main()
