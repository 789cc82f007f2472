package dev.fanout.worker.spatial;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Which links run at once: never two that share a table (they would wait on each other's locks). */
class LinkRoundsTest {
    private static LinkCommand.Link link(String child, String parent) {
        return new LinkCommand.Link(child, "k", parent, "k", parent + "_fid");
    }

    @Test
    void aChainOfLevelsRunsInTwoRoundsOfLinksThatShareNoTable() {
        List<LinkCommand.Link> gadm = List.of(link("adm_1", "adm_0"), link("adm_2", "adm_1"), link("adm_3", "adm_2"),
                link("adm_4", "adm_3"), link("adm_5", "adm_4"));
        assertThat(LinkCommand.rounds(gadm, 4)).containsExactly(List.of(0, 2, 4), List.of(1, 3));
    }

    @Test
    void linksSharingAParentOrAChildGoInLaterRoundsAndARoundHoldsAtMostTheLimit() {
        List<LinkCommand.Link> links = List.of(link("a", "p"), link("b", "p"), link("a", "q"), link("x", "y"), link("u", "v"),
                link("s", "t"));
        assertThat(LinkCommand.rounds(links, 3)).containsExactly(List.of(0, 3, 4), List.of(1, 2, 5));
        assertThat(LinkCommand.rounds(links, 1)).hasSize(6);
        assertThat(LinkCommand.rounds(List.of(link("a", "p")), 4)).containsExactly(List.of(0));
        assertThat(LinkCommand.rounds(List.of(), 4)).isEmpty();
    }
}
