package dev.fanout.api;

/** A spatial source's format: detected from the file's name and magic bytes ({@code auto}), or given. */
public enum SourceFormat { auto, gpkg, shapefile, geojson }
