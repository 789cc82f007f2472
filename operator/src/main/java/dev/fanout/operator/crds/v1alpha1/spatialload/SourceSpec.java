package dev.fanout.operator.crds.v1alpha1.spatialload;

import dev.fanout.api.SourceFormat;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;

/** Where a layer comes from. */
public class SourceSpec {

    @Required
    @Pattern("^https?://[^\\s]+$")
    @JsonPropertyDescription("http(s) URL of the file: a GeoPackage, a Shapefile's .shp (its .dbf/.shx/.prj/.cpg are fetched "
            + "beside it), GeoJSON, or a zip holding one.")
    public String url;

    @JsonPropertyDescription("Layer (table) inside a multi-layer source such as a GeoPackage.")
    public String layer;

    @JsonPropertyDescription("Path of the dataset inside a zip source.")
    public String path;

    @Default("auto")
    @JsonPropertyDescription("auto (default: by name, then by content), gpkg, shapefile or geojson.")
    public SourceFormat format = SourceFormat.auto;

    @Min(1)
    @JsonPropertyDescription("EPSG code of the source's CRS when it declares none (or to override it); a positive code.")
    public Integer srid;
}
