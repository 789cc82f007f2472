package dev.fanout.worker;

import dev.fanout.api.ExitCode;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import org.junit.jupiter.api.Test;

class FanoutWorkerTest {

    @Test
    void versionPrintsTheProjectVersion() {
        PrintStream old = System.out;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        System.setOut(new PrintStream(out, true));
        try {
            assertThat(FanoutWorker.run("version")).isZero();
        } finally {
            System.setOut(old);
        }
        assertThat(out.toString()).startsWith("fanout-worker 0.1.0 (java ");
    }

    @Test
    void anUnknownCommandIsBadInputWithExitCode2() {
        PrintStream old = System.err;
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        System.setErr(new PrintStream(err, true));
        try {
            assertThat(FanoutWorker.run("no-such-command")).isEqualTo(ExitCode.BAD_INPUT);
        } finally {
            System.setErr(old);
        }
        assertThat(err.toString()).contains("bad input").contains("no-such-command");
    }
}
