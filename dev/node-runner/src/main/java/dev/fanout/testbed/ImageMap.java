package dev.fanout.testbed;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Maps container images to local commands: the test bed has no container runtime, so an image stands for a program on this
 * machine. Lines of the config file read {@code <image glob> = <entrypoint words...>}; {@code ${VAR}} and
 * {@code ${VAR:-default}} are taken from the runner's environment when the file is loaded. An image with no line runs the
 * container's own {@code command} on the host.
 */
final class ImageMap {
    record Entry(Pattern image, List<String> entrypoint) {
    }

    private static final Pattern VAR = Pattern.compile("\\$\\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?}");
    private final List<Entry> entries;

    private ImageMap(List<Entry> entries) {
        this.entries = entries;
    }

    static ImageMap load(Path file, Map<String, String> env) throws IOException {
        List<Entry> entries = new ArrayList<>();
        int n = 0;
        for (String line : Files.readAllLines(file)) {
            n++;
            String t = line.strip();
            if (t.isEmpty() || t.startsWith("#")) {
                continue;
            }
            int eq = t.indexOf('=');
            if (eq < 0) {
                throw new IOException(file + ":" + n + ": expected '<image glob> = <command>'");
            }
            String glob = t.substring(0, eq).strip();
            List<String> words = new ArrayList<>();
            for (String w : expand(t.substring(eq + 1), env).strip().split("\\s+")) {
                if (!w.isEmpty()) {
                    words.add(w);
                }
            }
            entries.add(new Entry(globToRegex(glob), List.copyOf(words)));
        }
        return new ImageMap(entries);
    }

    /** The entrypoint for an image, empty when the image is not mapped. */
    Optional<List<String>> entrypoint(String image) {
        return entries.stream().filter(e -> e.image().matcher(image).matches()).map(Entry::entrypoint).findFirst();
    }

    static String expand(String s, Map<String, String> env) {
        Matcher m = VAR.matcher(s);
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            String v = env.get(m.group(1));
            if (v == null || v.isEmpty()) {
                v = m.group(2) != null ? m.group(2) : "";
            }
            m.appendReplacement(out, Matcher.quoteReplacement(v));
        }
        m.appendTail(out);
        return out.toString();
    }

    private static Pattern globToRegex(String glob) {
        StringBuilder re = new StringBuilder();
        for (char c : glob.toCharArray()) {
            re.append(c == '*' ? ".*" : Pattern.quote(String.valueOf(c)));
        }
        return Pattern.compile(re.toString());
    }
}
