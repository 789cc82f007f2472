package dev.fanout.api.results;

/** What {@code energy prepare} reports: the input it wrote, for which mode, and how many objects the model has. */
public record PrepareResult(String prepared, String mode, int objects) {
}
