package dev.fanout.worker.spatial.read;

/** A CRS as a source declares it: an EPSG code, or a WKT definition (a .prj), or both. */
public record SourceCrs(Integer epsg, String wkt) {
    public static SourceCrs epsg(int code) {
        return new SourceCrs(code, null);
    }

    public static SourceCrs wkt(String wkt) {
        return new SourceCrs(null, wkt);
    }

    public String describe() {
        return epsg != null ? "EPSG:" + epsg : wkt.length() > 80 ? wkt.substring(0, 80) + "..." : wkt;
    }
}
