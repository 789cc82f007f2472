package dev.fanout.api.results;

import java.util.List;

/** What {@code spatial link} reports: one entry per foreign key it made. */
public record LinkResult(String task, List<Link> links, double seconds) {

    /** A link: child rows that found their parent, those that did not (with some of their keys), parent keys that repeat. */
    public record Link(String child, String column, String parent, String parentColumn, String fkColumn, long linked, long orphans,
            long duplicateParentKeys, List<String> orphanKeys, long rowsUpdated) {
    }
}
