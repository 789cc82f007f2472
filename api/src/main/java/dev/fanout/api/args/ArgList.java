package dev.fanout.api.args;

import java.util.ArrayList;
import java.util.List;

/** An argument list under construction: options with a null value are left out. */
final class ArgList {
    private final List<String> args = new ArrayList<>();

    ArgList(List<String> command) {
        args.addAll(command);
    }

    ArgList add(String flag, Object value) {
        if (value != null) {
            args.add(flag);
            args.add(value.toString());
        }
        return this;
    }

    /** A list option as one comma-separated value; left out when null or empty. */
    ArgList joined(String flag, List<String> values) {
        return values == null || values.isEmpty() ? this : add(flag, String.join(",", values));
    }

    /** A repeatable option, once per value. */
    ArgList repeated(String flag, Iterable<?> values) {
        if (values != null) {
            values.forEach(v -> add(flag, v));
        }
        return this;
    }

    /** A flag without a value. */
    ArgList flag(String flag) {
        args.add(flag);
        return this;
    }

    /** A flag without a value, when {@code on}. */
    ArgList flag(String flag, boolean on) {
        return on ? flag(flag) : this;
    }

    List<String> list() {
        return List.copyOf(args);
    }
}
