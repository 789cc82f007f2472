package dev.fanout.worker.spatial;

import picocli.CommandLine.Command;

@Command(name = "spatial", mixinStandardHelpOptions = true, description = "Load spatial layers into PostGIS and link them.",
        subcommands = {LoadCommand.class, LinkCommand.class})
public class SpatialCommand {
}
