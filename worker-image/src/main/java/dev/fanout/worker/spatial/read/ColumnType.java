package dev.fanout.worker.spatial.read;

/** The attribute column types a layer can have, with their PostgreSQL types. */
public enum ColumnType {
    TEXT("text"),
    INTEGER("integer"),
    BIGINT("bigint"),
    DOUBLE("double precision"),
    /** Exact decimals (DBF N fields with decimals): values are BigDecimal. */
    NUMERIC("numeric"),
    BOOLEAN("boolean"),
    /** Values are LocalDate. */
    DATE("date"),
    /** Values are java.time.OffsetDateTime or Instant. */
    TIMESTAMPTZ("timestamptz"),
    /** Values are JSON text. */
    JSONB("jsonb"),
    BYTEA("bytea");

    public final String sql;

    ColumnType(String sql) {
        this.sql = sql;
    }
}
