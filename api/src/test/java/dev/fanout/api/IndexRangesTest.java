package dev.fanout.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Index ranges as the status names a pack's runs and a pack's result its failed runs. */
class IndexRangesTest {
    @Test
    void indexesAreWrittenAsRangesAndReadBack() {
        assertThat(IndexRanges.format(List.of(0, 1, 2, 3, 7, 9, 10))).isEqualTo("0-3,7,9-10");
        assertThat(IndexRanges.parse("0-3,7,9-10")).containsExactly(0, 1, 2, 3, 7, 9, 10);
        assertThat(IndexRanges.format(List.of())).isEmpty();
        assertThat(IndexRanges.contains("0-3,7,9-10", 9)).isTrue();
        assertThat(IndexRanges.contains("0-3,7,9-10", 8)).isFalse();
    }

    @Test
    void textThatIsNoRangeListNamesNothing() {
        for (String bad : new String[] {null, "", "0-3;rm", "1,,2", "-1", "1-", "9999999999"}) {
            assertThat(IndexRanges.parse(bad)).as(bad).isEmpty();
            assertThat(IndexRanges.contains(bad, 1)).as(bad).isFalse();
        }
        // A huge range is read no further than the cap, and contains() does not read it out at all.
        assertThat(IndexRanges.parse("0-999999999")).hasSize(IndexRanges.MAX_INDEXES);
        assertThat(IndexRanges.contains("0-999999999", 999_999_999)).isTrue();
    }
}
