package dev.fanout.worker.spatial.read;

import org.locationtech.jts.geom.Geometry;

/** One feature as read: geometry in the source CRS (may be null) and attribute values in the layer's column order. */
public record Feature(Geometry geometry, Object[] values) {
}
