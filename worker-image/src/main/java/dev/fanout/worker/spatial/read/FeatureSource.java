package dev.fanout.worker.spatial.read;

import java.io.IOException;
import java.util.List;

/** A layer being read one feature at a time: memory stays bounded whatever the layer's size. */
public interface FeatureSource extends AutoCloseable {

    List<Column> columns();

    GeometryFamily family();

    /** Whether geometries carry Z. */
    boolean hasZ();

    /** The source CRS as found in the data (.prj WKT, an EPSG code...), or null when the source declares none. */
    SourceCrs crs();

    /** The next feature, null at the end. */
    Feature next() throws IOException;

    /** Bytes of the source read so far. */
    long bytesRead();

    @Override
    void close() throws IOException;
}
