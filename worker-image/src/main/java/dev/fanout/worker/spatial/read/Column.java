package dev.fanout.worker.spatial.read;

/** One attribute of a layer: its name in the source and its type. */
public record Column(String name, ColumnType type) {
}
