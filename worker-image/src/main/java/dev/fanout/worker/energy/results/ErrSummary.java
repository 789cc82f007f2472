package dev.fanout.worker.energy.results;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What eplusout.err says about a run: "Completed Successfully" or "Terminated", the warning and severe counts of its last
 * line, the elapsed time, and an excerpt of the severe/fatal messages (bounded, for the status).
 */
public record ErrSummary(boolean completed, int warnings, int severe, Double elapsedSeconds, List<String> excerpt) {
    private static final Pattern DONE = Pattern.compile(
            "EnergyPlus (Completed Successfully|Terminated--Fatal Error Detected)[-. ]*(\\d+) Warning; (\\d+) Severe Errors"
                    + "(?:; Elapsed Time=(\\d+)hr\\s+(\\d+)min\\s+([\\d.]+)sec)?");
    private static final int MAX_EXCERPT = 8;

    public static ErrSummary read(Path err) throws IOException {
        return parse(Files.readString(err, StandardCharsets.ISO_8859_1));
    }

    public static ErrSummary parse(String text) {
        boolean completed = false;
        int warnings = 0;
        int severe = 0;
        Double elapsed = null;
        boolean found = false;
        Matcher m = DONE.matcher(text);
        while (m.find()) { // the last summary line counts
            found = true;
            completed = m.group(1).startsWith("Completed");
            warnings = Integer.parseInt(m.group(2));
            severe = Integer.parseInt(m.group(3));
            elapsed = m.group(4) == null ? null
                    : Integer.parseInt(m.group(4)) * 3600 + Integer.parseInt(m.group(5)) * 60 + Double.parseDouble(m.group(6));
        }
        List<String> excerpt = new ArrayList<>();
        List<String> lines = text.lines().toList();
        for (int i = 0; i < lines.size() && excerpt.size() < MAX_EXCERPT; i++) {
            String l = lines.get(i).strip();
            if (l.startsWith("** Severe  **") || l.startsWith("**  Fatal  **")) {
                excerpt.add(l.length() > 300 ? l.substring(0, 300) : l);
                // the "**   ~~~   **" lines that follow continue the message
                while (i + 1 < lines.size() && lines.get(i + 1).strip().startsWith("**   ~~~   **") && excerpt.size() < MAX_EXCERPT) {
                    String c = lines.get(++i).strip();
                    excerpt.add(c.length() > 300 ? c.substring(0, 300) : c);
                }
            }
        }
        return new ErrSummary(found && completed, warnings, severe, elapsed, excerpt);
    }
}
