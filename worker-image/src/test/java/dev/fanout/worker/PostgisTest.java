package dev.fanout.worker;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.Connection;
import java.sql.ResultSet;
import org.junit.jupiter.api.Test;

class PostgisTest {

    @Test
    void theTestBedDatabaseHasPostgis() throws Exception {
        try (Connection c = TestDatabase.connect(); ResultSet rs = c.createStatement().executeQuery("SELECT postgis_full_version()")) {
            assertThat(rs.next()).isTrue();
            assertThat(rs.getString(1)).startsWith("POSTGIS=\"3.").contains("GEOS=").contains("PROJ=");
        }
    }
}
