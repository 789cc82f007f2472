package dev.fanout.worker.energy;

import picocli.CommandLine.Command;

@Command(name = "energy", mixinStandardHelpOptions = true, description = "Prepare EnergyPlus variant inputs.",
        subcommands = {PrepareCommand.class})
public class EnergyCommand {
}
